/*
 * The C ABI target of bench/msgqueue_bench: a PROCPOOL_IPC_MSGQUEUE pool of W workers on the System V
 * queue of KEY (made by msgqueue_bench, which feeds it with msgsnd); the same protocol as
 * bench/msgqueue_drain.php. The Message callback counts; the "END" marker prints
 * "end <CLOCK_MONOTONIC ns>"; WorkerStart prints "ready <id>", WorkerStop "count <id> <messages>".
 * Output with write(2) on stdout (no stdio buffer to duplicate at fork).
 *
 * usage: msgqueue_drain KEY [WORKERS]        (KEY in decimal or 0x-hex)
 * build: cc -O2 -I include bench/msgqueue_drain.c -L target/release -Wl,-rpath,target/release -lprocpool
 * (msgqueue_bench compiles it itself into target/release/bench/msgqueue_drain_c.)
 */
#define BENCH_NAME "msgqueue_drain"
#include "bench_common.h"

static unsigned long long count;

static int on_worker_start(void *userdata, uint32_t id) {
    (void)userdata;
    char line[64];
    snprintf(line, sizeof line, "ready %u\n", id);
    say(line);
    return 0;
}

static int on_message(void *userdata, const uint8_t *data, size_t len) {
    (void)userdata;
    if (len == 3 && memcmp(data, "END", 3) == 0) {
        char line[64];
        snprintf(line, sizeof line, "end %llu\n", mono_ns());
        say(line);
        return 0;
    }
    count++;
    return 0;
}

static int on_worker_stop(void *userdata, uint32_t id) {
    (void)userdata;
    char line[64];
    snprintf(line, sizeof line, "count %u %llu\n", id, count);
    say(line);
    return 0;
}

int main(int argc, char **argv) {
    long long key = argc > 1 ? strtoll(argv[1], NULL, 0) : 0;
    unsigned workers = argc > 2 ? (unsigned)atoi(argv[2]) : 2;

    procpool_pool *pool = NULL;
    procpool_result r = procpool_pool_new(workers, PROCPOOL_IPC_MSGQUEUE, &pool);
    if (r != PROCPOOL_OK) return fail("procpool_pool_new", r);
    if ((r = procpool_pool_set_msgqueue_key(pool, key)) != PROCPOOL_OK) return fail("procpool_pool_set_msgqueue_key", r);
    if ((r = procpool_pool_on_worker_start(pool, on_worker_start, NULL)) != PROCPOOL_OK) return fail("procpool_pool_on_worker_start", r);
    if ((r = procpool_pool_on_message(pool, on_message, NULL)) != PROCPOOL_OK) return fail("procpool_pool_on_message", r);
    if ((r = procpool_pool_on_worker_stop(pool, on_worker_stop, NULL)) != PROCPOOL_OK) return fail("procpool_pool_on_worker_stop", r);
    return run_pool(pool);
}
