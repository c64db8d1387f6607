# procpool (see config.m4): cargo builds the extension and decides itself what needs rebuilding, so it
# runs on every `make`; modules/procpool.so is the stripped copy that `make install` installs.
$(phplibdir)/procpool.la: procpool-cargo-build
	@mkdir -p $(phplibdir)
	cp "$(PROCPOOL_ROOT)/target/release/libprocpool_php.so" $(phplibdir)/procpool.so
	$(PROCPOOL_STRIP) --strip-unneeded $(phplibdir)/procpool.so
	@printf "# Written by procpool's Makefile.frag: PHP's Makefile reads dlname only.\ndlname='procpool.so'\n" >$@

procpool-cargo-build:
	cd "$(PROCPOOL_ROOT)" && $(PROCPOOL_CARGO_ENV) "$(PROCPOOL_CARGO)" build --release -p procpool-php \
		--target-dir "$(PROCPOOL_ROOT)/target"

.PHONY: procpool-cargo-build
