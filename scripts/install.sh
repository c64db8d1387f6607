#!/usr/bin/env bash
# `make install` / `make uninstall`: installs procpool's PHP extension and C library, or removes them.
#
# usage: scripts/install.sh install|uninstall
#
# Environment (the Makefile passes PREFIX and DESTDIR through):
#   PREFIX      where the C library goes (default /usr/local): $PREFIX/lib, $PREFIX/include,
#               $PREFIX/lib/pkgconfig, and the manifest $PREFIX/share/procpool/install_manifest.txt
#   LIBDIR      the library directory (default $PREFIX/lib)
#   DESTDIR     a staging root prepended to every path written (packagers); empty by default
#   PHP_CONFIG  the php-config of the PHP to install for (default php-config); its --extension-dir
#               receives procpool.so, and the CLI of --php-binary says where conf.d is
#   PHP_EXTENSION_DIR, PHP_CONF_D    override those two directories (PHP_CONF_D empty: no ini file)
#   NO_BUILD=1  install what target/release already holds instead of running cargo first
#
# Installs, stripped of debug information:
#   <extension dir>/procpool.so                      the PHP extension (load it with extension=procpool)
#   <CLI conf.d>/20-procpool.ini                     extension=procpool (CLI only: see the file)
#   $LIBDIR/libprocpool.so.X.Y.Z, .so.X, .so         the C library (SONAME libprocpool.so.X) and its links
#   $LIBDIR/libprocpool.a                            the static C library
#   $PREFIX/include/procpool.h                       the C header
#   $LIBDIR/pkgconfig/procpool.pc                    for pkg-config
# and records every file, link and directory it created in the manifest. `uninstall` removes exactly
# what the manifest lists (directories only when empty) and nothing else. Installing over an earlier
# install first removes what that one installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-}"
case "$mode" in
    install | uninstall) ;;
    *) echo "usage: $0 install|uninstall" >&2; exit 2 ;;
esac

PREFIX="${PREFIX:-/usr/local}"
PREFIX="${PREFIX%/}"
LIBDIR="${LIBDIR:-$PREFIX/lib}"
DESTDIR="${DESTDIR:-}"
DESTDIR="${DESTDIR%/}"
INCLUDEDIR="$PREFIX/include"
PKGCONFIGDIR="$LIBDIR/pkgconfig"
MANIFEST="$PREFIX/share/procpool/install_manifest.txt"

for dir in "$PREFIX" "$LIBDIR"; do
    case "$dir" in
        /*) ;;
        *) echo "install: PREFIX and LIBDIR must be absolute paths (got '$dir')" >&2; exit 2 ;;
    esac
done

say() { echo "  $*"; }

# ---- uninstall -------------------------------------------------------------------------------------

# remove_manifest <manifest path without DESTDIR>: removes the files and links it lists, then the
# directories it lists if they are empty (deepest first), then the manifest itself.
remove_manifest() {
    local manifest="$DESTDIR$1" kind path dirs=()
    while IFS=' ' read -r kind path; do
        case "$kind" in
            '#' | '') continue ;;
        esac
        case "$path" in
            /*) ;;
            *) echo "uninstall: ignoring a manifest line that is not an absolute path: $kind $path" >&2; continue ;;
        esac
        case "/$path/" in
            */../* | */./*) echo "uninstall: ignoring a manifest path with . or ..: $path" >&2; continue ;;
        esac
        [ "$path" != "$1" ] || continue # the manifest itself goes last
        case "$kind" in
            f | l)
                if [ -L "$DESTDIR$path" ] || [ -e "$DESTDIR$path" ]; then
                    rm -f -- "$DESTDIR$path"
                    say "removed $DESTDIR$path"
                fi
                ;;
            d) dirs+=("$path") ;;
            *) echo "uninstall: ignoring an unknown manifest line: $kind $path" >&2 ;;
        esac
    done <"$manifest"
    rm -f -- "$manifest"
    say "removed $manifest"
    # Deepest first: a directory procpool created is removed once nothing else is left in it.
    local dir
    while IFS= read -r dir; do
        [ -n "$dir" ] || continue
        if [ -d "$DESTDIR$dir" ] && rmdir -- "$DESTDIR$dir" 2>/dev/null; then
            say "removed directory $DESTDIR$dir"
        fi
    done < <(printf '%s\n' "${dirs[@]+"${dirs[@]}"}" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-)
}

run_ldconfig() {
    # Only for a real install into the system (not a staging DESTDIR), and only as root.
    if [ -z "$DESTDIR" ] && [ "$(id -u)" -eq 0 ] && command -v ldconfig >/dev/null 2>&1; then
        ldconfig || true
    fi
}

if [ "$mode" = uninstall ]; then
    if [ ! -f "$DESTDIR$MANIFEST" ]; then
        echo "uninstall: no procpool install found ($DESTDIR$MANIFEST does not exist); nothing removed"
        exit 0
    fi
    echo "== uninstalling procpool (manifest $DESTDIR$MANIFEST)"
    remove_manifest "$MANIFEST"
    run_ldconfig
    echo "== procpool uninstalled"
    exit 0
fi

# ---- install ---------------------------------------------------------------------------------------

VERSION="$(awk '/^\[/ { section = $0 } section == "[workspace.package]" && /^version[ \t]*=/ {
    gsub(/^version[ \t]*=[ \t]*"|".*$/, ""); print; exit }' "$ROOT/Cargo.toml")"
case "$VERSION" in
    [0-9]*.[0-9]*.[0-9]*) ;;
    *) echo "install: could not read the version from $ROOT/Cargo.toml ([workspace.package] version)" >&2; exit 1 ;;
esac
MAJOR="${VERSION%%.*}"
SONAME="libprocpool.so.$MAJOR"
REALNAME="libprocpool.so.$VERSION"

PHP_CONFIG_GIVEN="${PHP_CONFIG:-}"
PHP_CONFIG="${PHP_CONFIG:-php-config}"
command -v "$PHP_CONFIG" >/dev/null 2>&1 || {
    echo "install: $PHP_CONFIG not found (install php8.2-dev, or set PHP_CONFIG)" >&2
    exit 1
}
PHP_BIN="$("$PHP_CONFIG" --php-binary)"
PHP_EXTENSION_DIR="${PHP_EXTENSION_DIR:-$("$PHP_CONFIG" --extension-dir)}"
# Not PHP_INI_DIR: Docker's PHP images set that one to the directory of php.ini itself.
if [ -n "${PHP_CONF_D+set}" ]; then
    CONF_D="$PHP_CONF_D"
else
    # "Scan for additional .ini files in: /etc/php/8.2/cli/conf.d" ("(none)" when PHP has no such dir).
    CONF_D="$("$PHP_BIN" --ini | sed -n 's/^Scan for additional \.ini files in:[[:space:]]*//p')"
    case "$CONF_D" in
        /*) ;;
        *) CONF_D="" ;;
    esac
    CONF_D="${CONF_D%%:*}"
fi

REL="$ROOT/target/release"
if [ "${NO_BUILD:-0}" != 1 ]; then
    if command -v cargo >/dev/null 2>&1; then
        echo "== cargo build --release -p procpool-php -p procpool-ffi"
        # ext-php-rs builds against the `php` on PATH unless PHP and PHP_CONFIG (paths) say otherwise;
        # they are passed only when PHP_CONFIG was given, so the usual build is not redone for nothing.
        if [ -n "$PHP_CONFIG_GIVEN" ]; then
            (cd "$ROOT" && PHP="$PHP_BIN" PHP_CONFIG="$(command -v "$PHP_CONFIG")" \
                cargo build --release -p procpool-php -p procpool-ffi)
        else
            (cd "$ROOT" && cargo build --release -p procpool-php -p procpool-ffi)
        fi
    elif [ -f "$REL/libprocpool_php.so" ] && [ -f "$REL/libprocpool.so" ] && [ -f "$REL/libprocpool.a" ]; then
        # Typically `sudo make install`, whose PATH lacks the user's ~/.cargo/bin.
        echo "install: cargo not found; installing the release build already in $REL"
    else
        echo "install: cargo not found and no release build in $REL: run \`make release\` first (as yourself)," >&2
        echo "         then \`sudo make install\`" >&2
        exit 1
    fi
fi
for f in libprocpool_php.so libprocpool.so libprocpool.a; do
    [ -f "$REL/$f" ] || { echo "install: $REL/$f is missing" >&2; exit 1; }
done
built_soname="$(readelf -d "$REL/libprocpool.so" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')"
if [ "$built_soname" != "$SONAME" ]; then
    echo "install: $REL/libprocpool.so has SONAME '$built_soname', expected '$SONAME' (see ffi/build.rs)" >&2
    exit 1
fi

# An earlier install under the same DESTDIR/PREFIX: remove what it installed first, so that nothing
# stale (e.g. an older libprocpool.so.X.Y.Z) is left behind and the new manifest is complete.
if [ -f "$DESTDIR$MANIFEST" ]; then
    echo "== removing the earlier install listed in $DESTDIR$MANIFEST"
    remove_manifest "$MANIFEST"
fi

# Stripped copies are made in a scratch directory first, then installed.
stage="$(mktemp -d "${TMPDIR:-/tmp}/procpool-install.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
cp "$REL/libprocpool_php.so" "$stage/procpool.so"
cp "$REL/libprocpool.so" "$stage/$REALNAME"
cp "$REL/libprocpool.a" "$stage/libprocpool.a"
strip --strip-unneeded "$stage/procpool.so" "$stage/$REALNAME"
strip --strip-debug "$stage/libprocpool.a"

cat >"$stage/20-procpool.ini" <<'EOF'
; procpool: a process pool with the API of Swoole's Process\Pool (ProcPool\Pool, and Swoole\Process\Pool
; when the swoole extension is not loaded). Installed by procpool's `make install`.
; The pool runs in the CLI SAPI only (php script.php): it forks and supervises worker processes, which
; has no place inside php-fpm, Apache's mod_php or another web SAPI. This file is for the CLI's conf.d.
extension=procpool
EOF

# What a static link needs besides libprocpool.a: `cargo rustc -p procpool-ffi --release --
# --print native-static-libs` prints it (the same list as tests/c/run.sh's STATIC_LIBS).
STATIC_LIBS="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
case "$LIBDIR" in
    "$PREFIX"/*) pc_libdir="\${exec_prefix}${LIBDIR#"$PREFIX"}" ;;
    *) pc_libdir="$LIBDIR" ;;
esac
cat >"$stage/procpool.pc" <<EOF
prefix=$PREFIX
exec_prefix=\${prefix}
libdir=$pc_libdir
includedir=\${prefix}/include
# The system libraries libprocpool.a needs (also Libs.private). Static libprocpool, shared system libs:
#   cc app.c \$(pkg-config --cflags procpool) -Wl,-Bstatic \$(pkg-config --libs procpool) -Wl,-Bdynamic \\
#      \$(pkg-config --variable=static_libs procpool)
static_libs=$STATIC_LIBS

Name: procpool
Description: A process pool with the semantics of Swoole's Process\\Pool, for C and C++
Version: $VERSION
Cflags: -I\${includedir}
Libs: -L\${libdir} -lprocpool
Libs.private: \${static_libs}
EOF

manifest_lines=()
created_dirs=()

# make_dir <dir without DESTDIR>: creates it (and its parents) under DESTDIR, recording those it made.
make_dir() {
    local dir="$1" missing=()
    while [ -n "$dir" ] && [ "$dir" != / ] && [ ! -d "$DESTDIR$dir" ]; do
        missing+=("$dir")
        dir="$(dirname "$dir")"
    done
    local i
    for ((i = ${#missing[@]} - 1; i >= 0; i--)); do
        mkdir -m 0755 -- "$DESTDIR${missing[i]}"
        created_dirs+=("${missing[i]}")
    done
}

# put <source> <target path without DESTDIR> <mode>
put() {
    make_dir "$(dirname "$2")"
    install -m "$3" -- "$1" "$DESTDIR$2"
    manifest_lines+=("f $2")
}

# link <target path without DESTDIR> <what it points to>
link() {
    make_dir "$(dirname "$1")"
    ln -sfn -- "$2" "$DESTDIR$1"
    manifest_lines+=("l $1")
}

size_of() { stat -c %s -- "$1"; }
human() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.1f MiB", b / 1048576; else printf "%.0f KiB", b / 1024 }'; }
report() { # <installed path> <unstripped source>
    printf '  %-60s %9s  (%s before stripping)\n' "$1" "$(human "$(size_of "$1")")" "$(human "$(size_of "$2")")"
}

echo "== installing procpool $VERSION (DESTDIR='${DESTDIR}' PREFIX='$PREFIX')"
[ -z "$DESTDIR" ] || mkdir -p -- "$DESTDIR"
put "$stage/procpool.so" "$PHP_EXTENSION_DIR/procpool.so" 0644
if [ -n "$CONF_D" ]; then
    put "$stage/20-procpool.ini" "$CONF_D/20-procpool.ini" 0644
fi
put "$stage/$REALNAME" "$LIBDIR/$REALNAME" 0755
link "$LIBDIR/$SONAME" "$REALNAME"
link "$LIBDIR/libprocpool.so" "$SONAME"
put "$stage/libprocpool.a" "$LIBDIR/libprocpool.a" 0644
put "$ROOT/include/procpool.h" "$INCLUDEDIR/procpool.h" 0644
put "$stage/procpool.pc" "$PKGCONFIGDIR/procpool.pc" 0644

make_dir "$(dirname "$MANIFEST")"
{
    echo "# procpool $VERSION: what \`make install\` put here (f file, l symbolic link, d directory it created)."
    echo "# \`make uninstall\` (scripts/install.sh uninstall) with the same PREFIX and DESTDIR removes exactly these."
    printf '%s\n' "${manifest_lines[@]}"
    echo "f $MANIFEST"
    for dir in "${created_dirs[@]+"${created_dirs[@]}"}"; do echo "d $dir"; done
} >"$DESTDIR$MANIFEST"
chmod 0644 "$DESTDIR$MANIFEST"

run_ldconfig

echo "== installed (sizes of the stripped files):"
report "$DESTDIR$PHP_EXTENSION_DIR/procpool.so" "$REL/libprocpool_php.so"
[ -z "$CONF_D" ] || say "$DESTDIR$CONF_D/20-procpool.ini"
report "$DESTDIR$LIBDIR/$REALNAME" "$REL/libprocpool.so"
say "$DESTDIR$LIBDIR/$SONAME -> $REALNAME"
say "$DESTDIR$LIBDIR/libprocpool.so -> $SONAME"
report "$DESTDIR$LIBDIR/libprocpool.a" "$REL/libprocpool.a"
say "$DESTDIR$INCLUDEDIR/procpool.h"
say "$DESTDIR$PKGCONFIGDIR/procpool.pc"
say "manifest: $DESTDIR$MANIFEST"
if [ -z "$CONF_D" ]; then
    echo "note: $PHP_BIN scans no conf.d directory: add extension=procpool to its php.ini (CLI only)"
fi
if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then
    echo "note: not run as root, so ldconfig was not run; run it if $LIBDIR is in the linker's cache path"
fi
