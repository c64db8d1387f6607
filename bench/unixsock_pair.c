/*
 * The C ABI target of bench/unixsock_bench: a PROCPOOL_IPC_UNIXSOCK pool of 2 workers, the same
 * exchange as bench/unixsock_pair.php. Worker 1 tells worker 0 it is ready (from WorkerStart);
 * worker 0's Message callback then sends N messages of SIZE bytes to worker 1 with
 * procpool_message_send, and a last "T <t0> <cpu>" trailer; worker 1's Message callback counts
 * them, notes the time of the N-th, and on the trailer prints
 *   result elapsed_ns=.. count=.. bytes=.. send_cpu_ns=.. recv_cpu_ns=..
 * on stdout (write(2), no stdio buffer to duplicate at fork) and calls procpool_manager_shutdown().
 *
 * usage: unixsock_pair N SIZE BUS        (BUS = 1: procpool_pool_set_message_bus(pool, true))
 * build: cc -O2 -I include bench/unixsock_pair.c -L target/release -Wl,-rpath,target/release -lprocpool
 * (unixsock_bench compiles it itself into target/release/bench/unixsock_pair_c.)
 *
 * Needs procpool_message_send(data, len, dst_worker_id) and procpool_pool_set_message_bus(pool, on);
 * unixsock_bench skips the C target with "C ABI target skipped: ..." when they are not there.
 */
#define BENCH_NAME "unixsock_pair"
#include "bench_common.h"

static long n_messages;
static size_t msg_size;
static int receiver;
static long count;
static unsigned long long bytes, t_end, recv_cpu0, recv_cpu1;

static int on_worker_start(void *userdata, uint32_t id) {
    (void)userdata;
    if (id == 1) {
        receiver = 1;
        recv_cpu0 = cpu_ns();
        procpool_message_send((const uint8_t *)"ready", 5, 0);
    }
    return 0;
}

static int on_message(void *userdata, const uint8_t *data, size_t len) {
    (void)userdata;
    char line[512];
    if (receiver) {
        if (++count <= n_messages) {
            bytes += len;
            if (count == n_messages) {
                t_end = mono_ns();
                recv_cpu1 = cpu_ns();
            }
            return 0;
        }
        /* The trailer: "T <t0> <send cpu>". */
        unsigned long long t0 = 0, send_cpu = 0;
        char text[128];
        size_t l = len < sizeof text - 1 ? len : sizeof text - 1;
        memcpy(text, data, l);
        text[l] = '\0';
        sscanf(text, "T %llu %llu", &t0, &send_cpu);
        snprintf(line, sizeof line, "result elapsed_ns=%llu count=%ld bytes=%llu send_cpu_ns=%llu recv_cpu_ns=%llu\n",
                 t_end - t0, n_messages, bytes, send_cpu, recv_cpu1 - recv_cpu0);
        say(line);
        procpool_manager_shutdown();
        return 0;
    }
    if (len != 5 || memcmp(data, "ready", 5) != 0) return 0;
    uint8_t *msg = malloc(msg_size ? msg_size : 1);
    memset(msg, 'a', msg_size);
    unsigned long long c0 = cpu_ns();
    unsigned long long t0 = mono_ns();
    for (long i = 0; i < n_messages; i++) {
        procpool_result r = procpool_message_send(msg, msg_size, 1);
        if (r != PROCPOOL_OK) {
            char err[256];
            procpool_last_error_message(err, sizeof err);
            snprintf(line, sizeof line, "unixsock_pair: procpool_message_send failed at %ld: %s\n", i, err);
            if (write(2, line, strlen(line)) < 0) { /* nothing more to do */ }
            procpool_manager_shutdown();
            free(msg);
            return 1;
        }
    }
    unsigned long long c1 = cpu_ns();
    free(msg);
    int l = snprintf(line, sizeof line, "T %llu %llu", t0, c1 - c0);
    procpool_message_send((const uint8_t *)line, (size_t)l, 1);
    return 0;
}

int main(int argc, char **argv) {
    n_messages = argc > 1 ? atol(argv[1]) : 100000;
    msg_size = argc > 2 ? (size_t)atol(argv[2]) : 64;
    int bus = argc > 3 ? atoi(argv[3]) : 0;

    procpool_pool *pool = NULL;
    procpool_result r = procpool_pool_new(2, PROCPOOL_IPC_UNIXSOCK, &pool);
    if (r != PROCPOOL_OK) return fail("procpool_pool_new", r);
    if (bus && (r = procpool_pool_set_message_bus(pool, true)) != PROCPOOL_OK) return fail("procpool_pool_set_message_bus", r);
    if ((r = procpool_pool_on_worker_start(pool, on_worker_start, NULL)) != PROCPOOL_OK) return fail("procpool_pool_on_worker_start", r);
    if ((r = procpool_pool_on_message(pool, on_message, NULL)) != PROCPOOL_OK) return fail("procpool_pool_on_message", r);
    return run_pool(pool);
}
