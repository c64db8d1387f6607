//! Every function exported to C is written the same way, in plain sight (so that cbindgen reads it
//! without expanding macros):
//!
//! ```ignore
//! /// docs (they become the header's)
//! #[no_mangle]
//! pub extern "C" fn procpool_<noun>_<verb>(...) -> ... {
//!     guard(|| ...)          // or guard_or(fallback, || ...)
//! }
//! ```
//!
//! This test reads `src/*.rs` and fails on any `extern "C" fn` that lacks `#[no_mangle]` on the line
//! right above it, or whose body does not start with the panic boundary (`guard(` / `guard_or(`,
//! possibly path-qualified), or whose name does not start with `procpool_`.

use std::path::Path;

/// An exported function as found in the source: file, line number, name, and what is wrong with it.
struct Export {
    place: String,
    name: String,
    problems: Vec<&'static str>,
}

fn is_guard_call(line: &str) -> bool {
    let call = line.trim_start();
    let call = call.rsplit("::").next().unwrap_or(call);
    call.starts_with("guard(") || call.starts_with("guard_or(")
}

fn exports_of(file: &str, text: &str) -> Vec<Export> {
    let lines: Vec<&str> = text.lines().collect();
    let mut exports = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        // A definition: `extern "C" fn name(`; function pointer types (`extern "C" fn(`) are not.
        let Some(at) = trimmed.find("extern \"C\" fn ") else {
            continue;
        };
        let name: String = trimmed[at + "extern \"C\" fn ".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let mut problems = Vec::new();
        if !trimmed.starts_with("pub extern \"C\" fn ") {
            problems.push("not written `pub extern \"C\" fn`");
        }
        let above = i.checked_sub(1).map(|j| lines[j].trim());
        if !matches!(above, Some("#[no_mangle]" | "#[unsafe(no_mangle)]")) {
            problems.push("no #[no_mangle] on the line right above it");
        }
        if !name.starts_with("procpool_") {
            problems.push("its name does not start with procpool_");
        }
        // The signature ends on the first line ending with `{`; the body's first line follows.
        let body = lines[i..]
            .iter()
            .position(|l| l.trim_end().ends_with('{'))
            .and_then(|open| lines[i + open + 1..].iter().find(|l| !l.trim().is_empty()));
        if !body.is_some_and(|first| is_guard_call(first)) {
            problems.push("its body does not start with guard( or guard_or( (the panic boundary)");
        }
        exports.push(Export {
            place: format!("{file}:{}", i + 1),
            name,
            problems,
        });
    }
    exports
}

#[test]
fn every_export_has_no_mangle_and_the_panic_boundary() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files: Vec<_> = std::fs::read_dir(&src)
        .expect("ffi/src")
        .map(|entry| entry.expect("ffi/src entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort();
    let mut exports = Vec::new();
    let mut no_mangle = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("a source file");
        let file = format!("ffi/src/{}", path.file_name().unwrap().to_string_lossy());
        no_mangle += text
            .lines()
            .filter(|l| matches!(l.trim(), "#[no_mangle]" | "#[unsafe(no_mangle)]"))
            .count();
        exports.extend(exports_of(&file, &text));
    }

    let bad: Vec<String> = exports
        .iter()
        .filter(|e| !e.problems.is_empty())
        .map(|e| format!("  {} {}: {}", e.place, e.name, e.problems.join("; ")))
        .collect();
    assert!(
        bad.is_empty(),
        "exported functions not written the one way:\n{}",
        bad.join("\n")
    );
    // A #[no_mangle] on anything else (a static, a non-C function) would export a symbol unchecked.
    assert_eq!(
        no_mangle,
        exports.len(),
        "#[no_mangle] on something other than a pub extern \"C\" fn"
    );
    // Not vacuous: the crate exports a few dozen functions.
    assert!(
        exports.len() > 30,
        "only {} exports found in {}",
        exports.len(),
        src.display()
    );
}

#[test]
fn the_check_catches_a_forgotten_attribute_or_guard() {
    let sample = "\
/// fine
#[no_mangle]
pub extern \"C\" fn procpool_a() -> i32 {
    guard(|| Ok(()))
}

pub extern \"C\" fn procpool_b() -> i32 {
    crate::panic::guard_or(0, || 1)
}

#[no_mangle]
pub extern \"C\" fn procpool_c(
    x: i32,
) -> i32 {
    x + 1
}

type Callback = Option<unsafe extern \"C\" fn(x: i32) -> i32>;
";
    let found = exports_of("sample.rs", sample);
    let summary: Vec<(&str, usize)> = found.iter().map(|e| (e.name.as_str(), e.problems.len())).collect();
    assert_eq!(summary, [("procpool_a", 0), ("procpool_b", 1), ("procpool_c", 1)]);
    assert!(found[1].problems[0].contains("no_mangle"));
    assert!(found[2].problems[0].contains("guard"));
}
