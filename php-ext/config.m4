dnl procpool's PHP extension is a Rust crate (this directory, in the cargo workspace one level up),
dnl not C sources. This config.m4 lets the usual `phpize && ./configure && make && make install` (the
dnl steps PIE runs, with composer.json's build-path "php-ext") build it with cargo:
dnl   - configure finds cargo, and checks that the workspace is one directory up;
dnl   - make runs `cargo build --release -p procpool-php` in the workspace (its target/ directory),
dnl     for the PHP of php-config, copies the library to modules/procpool.so, strips it, and writes
dnl     modules/procpool.la, the one line of libtool description PHP's Makefile reads;
dnl   - make install copies modules/procpool.so into php-config's extension directory.
dnl Needs a Rust toolchain (cargo and rustc 1.80 or newer), a C compiler and libclang (for ext-php-rs's
dnl bindgen). cargo downloads the crates the first time, so that build needs network access.

PHP_ARG_ENABLE([procpool],
  [whether to enable procpool],
  [AS_HELP_STRING([--enable-procpool], [Build procpool, a process pool with the API of Swoole's Process\Pool (written in Rust: needs cargo)])],
  [yes])

if test "$PHP_PROCPOOL" != "no"; then
  PROCPOOL_ROOT=`cd "$abs_srcdir/.." && pwd`
  AC_MSG_CHECKING([for procpool's cargo workspace])
  if test -f "$PROCPOOL_ROOT/Cargo.toml" && test -f "$abs_srcdir/Cargo.toml" && test -d "$abs_srcdir/src"; then
    AC_MSG_RESULT([$PROCPOOL_ROOT])
  else
    AC_MSG_ERROR([run phpize in the php-ext directory of a procpool source tree ($PROCPOOL_ROOT/Cargo.toml not found)])
  fi

  AC_PATH_PROG([PROCPOOL_CARGO], [cargo], [no], [$PATH$PATH_SEPARATOR$HOME/.cargo/bin])
  if test "$PROCPOOL_CARGO" = "no"; then
    AC_MSG_ERROR([cargo not found: procpool is written in Rust; install a Rust toolchain (rustup, or the distribution's cargo and rustc) and run configure again])
  fi
  AC_PATH_PROG([PROCPOOL_STRIP], [strip], [:])

  if test "$PHP_THREAD_SAFETY" = "yes"; then
    AC_MSG_WARN([this PHP is thread-safe (ZTS): procpool is built and tested with NTS PHP only])
  fi

  dnl ext-php-rs compiles against the php and php-config found on PATH unless the environment
  dnl variables PHP and PHP_CONFIG name others: they are set only when this configure's php-config
  dnl (--with-php-config) is not the one on PATH, so that an ordinary build is not redone for nothing.
  AC_MSG_CHECKING([which PHP cargo builds for])
  procpool_config=`command -v "$PHP_CONFIG" 2>/dev/null`
  procpool_path_config=`command -v php-config 2>/dev/null`
  procpool_path_php=`command -v php 2>/dev/null`
  if test -n "$procpool_config" && test -n "$procpool_path_config" && test -n "$procpool_path_php" \
     && test "`readlink -f "$procpool_config"`" = "`readlink -f "$procpool_path_config"`" \
     && test "`readlink -f "$PHP_EXECUTABLE"`" = "`readlink -f "$procpool_path_php"`"; then
    PROCPOOL_CARGO_ENV=
    AC_MSG_RESULT([$procpool_path_php (the one on PATH)])
  else
    PROCPOOL_CARGO_ENV="PHP=\"$PHP_EXECUTABLE\" PHP_CONFIG=\"${procpool_config:-$PHP_CONFIG}\""
    AC_MSG_RESULT([$PHP_EXECUTABLE (PHP and PHP_CONFIG set for cargo)])
  fi

  PHP_SUBST([PROCPOOL_ROOT])
  PHP_SUBST([PROCPOOL_CARGO])
  PHP_SUBST([PROCPOOL_CARGO_ENV])
  PHP_SUBST([PROCPOOL_STRIP])
  dnl What `make` builds and `make install` installs: the rules are in Makefile.frag.
  PHP_MODULES='$(phplibdir)/procpool.la'
  PHP_ADD_BUILD_DIR([modules])
  PHP_ADD_MAKEFILE_FRAGMENT([$abs_srcdir/Makefile.frag], [$abs_srcdir], [$abs_builddir])
fi
