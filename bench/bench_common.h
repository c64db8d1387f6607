/*
 * Helpers shared by the C ABI targets of the benches (bench/socket_echo.c, bench/unixsock_pair.c,
 * bench/msgqueue_drain.c). Define BENCH_NAME (the program name for error messages) before
 * including it. Found next to the .c file, so the build needs no extra -I.
 */
#ifndef PROCPOOL_BENCH_COMMON_H
#define PROCPOOL_BENCH_COMMON_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "procpool.h"

#ifndef BENCH_NAME
#error "define BENCH_NAME before including bench_common.h"
#endif

/* CLOCK_MONOTONIC in ns (PHP's hrtime(true), the Rust benches' mono_ns). */
static inline unsigned long long mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* CPU time (ns) used so far by this process: the first field of /proc/self/schedstat. */
static inline unsigned long long cpu_ns(void) {
    char buf[128];
    int fd = open("/proc/self/schedstat", O_RDONLY);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    return strtoull(buf, NULL, 10);
}

/* All of `text` to stdout with write(2) (no stdio buffer to duplicate at fork). */
static inline void say(const char *text) {
    size_t len = strlen(text);
    while (len > 0) {
        ssize_t n = write(1, text, len);
        if (n <= 0) return;
        text += n;
        len -= (size_t)n;
    }
}

/* Reports a failed procpool call on stderr; returns the exit status 1. */
static inline int fail(const char *what, procpool_result r) {
    char msg[512];
    procpool_last_error_message(msg, sizeof msg);
    fprintf(stderr, BENCH_NAME ": %s: %s: %s\n", what, procpool_result_name(r), msg);
    return 1;
}

/* Runs the configured pool until it stops, frees it; the exit status. */
static inline int run_pool(procpool_pool *pool) {
    procpool_result r = procpool_pool_start(pool);
    procpool_pool_free(pool);
    return r == PROCPOOL_OK ? 0 : fail("procpool_pool_start", r);
}

#endif
