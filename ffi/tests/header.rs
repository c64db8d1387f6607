//! include/procpool.h must be exactly what cbindgen generates from this crate today.
//! `PROCPOOL_BLESS=1 cargo test -p procpool-ffi --test header` rewrites it.

use std::path::Path;

#[test]
fn header_is_up_to_date() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let header_path = crate_dir.join("../include/procpool.h");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("ffi/cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header")
        .write(&mut generated);

    if std::env::var_os("PROCPOOL_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&header_path, &generated).expect("writing include/procpool.h");
        eprintln!("wrote {}", header_path.display());
        return;
    }
    let checked_in = std::fs::read(&header_path).unwrap_or_default();
    if checked_in != generated {
        let old = String::from_utf8_lossy(&checked_in);
        let new = String::from_utf8_lossy(&generated);
        let first_diff = old
            .lines()
            .zip(new.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| old.lines().count().min(new.lines().count()));
        panic!(
            "include/procpool.h is out of date with ffi/src (first difference at line {}):\n  checked in: {:?}\n  generated:  {:?}\n\
             Regenerate it with:\n    PROCPOOL_BLESS=1 cargo test -p procpool-ffi --test header\nand commit the result.",
            first_diff + 1,
            old.lines().nth(first_diff).unwrap_or("<end of file>"),
            new.lines().nth(first_diff).unwrap_or("<end of file>"),
        );
    }
}
