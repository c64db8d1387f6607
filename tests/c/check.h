/* Tiny helpers shared by the C ABI tests: one "check <name>: ok|FAILED" line per fact, on stdout.
 * tests/c/run.sh compares the "check" lines with tests/c/<program>.expected; other lines
 * ("event ...", "  message: ...") are for humans and may vary (pids). */
#ifndef PROCPOOL_TEST_CHECK_H
#define PROCPOOL_TEST_CHECK_H

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "procpool.h"

/* Counted in shared memory so that checks failing in a worker fail the program too. */
static int *check_failures;

static void check_init(void)
{
    void *mem = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        perror("mmap");
        _exit(2);
    }
    check_failures = mem;
    setvbuf(stdout, NULL, _IOLBF, 0);
}

static void check(const char *name, int ok)
{
    printf("check %s: %s\n", name, ok ? "ok" : "FAILED");
    fflush(stdout);
    if (!ok)
        __atomic_add_fetch(check_failures, 1, __ATOMIC_SEQ_CST);
}

/* A call returned `got`; it should have returned `want`. For an error, the last error message must
 * be non-empty and contain `keyword` (when not NULL); for PROCPOOL_OK it must be empty. */
static void check_result(const char *name, procpool_result got, procpool_result want, const char *keyword)
{
    char msg[512];
    size_t len = procpool_last_error_message(msg, sizeof msg);
    int ok = got == want;
    if (want == PROCPOOL_OK)
        ok = ok && len == 0;
    else
        ok = ok && len > 0 && (keyword == NULL || strstr(msg, keyword) != NULL);
    check(name, ok);
    if (got != want)
        printf("  got %s, want %s\n", procpool_result_name(got), procpool_result_name(want));
    if (len > 0)
        printf("  message: %s\n", msg);
    if (!ok && keyword != NULL)
        printf("  (the message should mention \"%s\")\n", keyword);
    fflush(stdout);
}

static int check_summary(const char *program)
{
    int failures = __atomic_load_n(check_failures, __ATOMIC_SEQ_CST);
    if (failures == 0)
        printf("%s: all checks passed\n", program);
    else
        printf("%s: %d check(s) FAILED\n", program, failures);
    fflush(stdout);
    return failures == 0 ? 0 : 1;
}

#endif
