//! Gives libprocpool.so its SONAME, `libprocpool.so.0`, so that a program linked against an installed
//! `libprocpool.so` records `NEEDED libprocpool.so.0` and keeps working when a compatible
//! `libprocpool.so.0.x.y` replaces the library (`make install` installs that file with the two links).
//!
//! Programs linked in the tree (`-L target/<profile> -lprocpool` plus an rpath: tests/c, bench,
//! examples) also look for `libprocpool.so.0` at run time, so the same link is made next to the built
//! library: `target/<profile>/libprocpool.so.0 -> libprocpool.so`.

use std::path::{Path, PathBuf};

const SONAME: &str = "libprocpool.so.0";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{SONAME}");
    if let Some(dir) = profile_dir() {
        let link = dir.join(SONAME);
        if std::fs::read_link(&link).ok().as_deref() != Some(Path::new("libprocpool.so")) {
            let _ = std::fs::remove_file(&link);
            if let Err(err) = std::os::unix::fs::symlink("libprocpool.so", &link) {
                println!("cargo:warning=could not make {}: {err}", link.display());
            }
        }
    }
}

/// `target/<profile>` (or `target/<triple>/<profile>`): OUT_DIR is `<that>/build/procpool-ffi-<hash>/out`.
fn profile_dir() -> Option<PathBuf> {
    let out = PathBuf::from(std::env::var_os("OUT_DIR")?);
    let dir = out.ancestors().nth(3)?;
    (dir.join("build").is_dir() && dir.join("deps").is_dir()).then(|| dir.to_path_buf())
}
