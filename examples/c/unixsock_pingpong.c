/* PROCPOOL_IPC_UNIXSOCK ping-pong: workers 0 and 1 exchange <count> messages of <size> bytes
 * (worker 0 sends, worker 1 answers each one, worker 0 sends the next when the answer came), then
 * worker 0 prints the rate and shuts the pool down. With [bus] = 1 the message bus is on, so any
 * size works; without it a message must fit in one datagram (and in max_package_size).
 *
 * usage: unixsock_pingpong <count> <size> [bus]
 * output (last lines): "pingpong <count> messages of <size> bytes (bus <0|1>): <seconds> s, <rate> messages/s"
 *                      then "stopped" from the manager. Exit status 0 on success. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "procpool.h"

static long count;
static size_t size;
static int bus;
static uint8_t *buf;
static long received;
static double began;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fail(const char *what, procpool_result r)
{
    char msg[512];
    procpool_last_error_message(msg, sizeof msg);
    fprintf(stderr, "%s: %s: %s\n", what, procpool_result_name(r), msg);
}

static void send_to(uint32_t dst)
{
    procpool_result r = procpool_message_send(buf, size, dst);
    if (r != PROCPOOL_OK) {
        fail("procpool_message_send", r);
        procpool_manager_shutdown();
    }
}

static int on_worker_start(void *ud, uint32_t id)
{
    (void)ud;
    if (id == 0) {
        began = now();
        send_to(1);
    }
    return 0;
}

static int on_message(void *ud, const uint8_t *data, size_t len)
{
    (void)ud;
    uint32_t id = 0;
    procpool_worker_id(&id);
    if (len != size || (len > 0 && data[len - 1] != buf[len - 1])) {
        fprintf(stderr, "worker %u: got %zu bytes, expected %zu\n", id, len, size);
        procpool_manager_shutdown();
        return 0;
    }
    if (id == 1) {
        send_to(0);
        return 0;
    }
    if (++received < count) {
        send_to(1);
        return 0;
    }
    double secs = now() - began;
    printf("pingpong %ld messages of %zu bytes (bus %d): %.3f s, %.0f messages/s\n", count, size, bus, secs,
           secs > 0 ? 2.0 * count / secs : 0.0);
    fflush(stdout);
    procpool_manager_shutdown();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s <count> <size> [bus]\n", argv[0]);
        return 2;
    }
    count = atol(argv[1]);
    size = (size_t)atol(argv[2]);
    bus = argc > 3 && atoi(argv[3]) != 0;
    if (count <= 0) {
        fprintf(stderr, "count must be > 0\n");
        return 2;
    }
    buf = malloc(size ? size : 1);
    for (size_t i = 0; i < size; i++)
        buf[i] = (uint8_t)(i * 31 + 7);

    procpool_pool *pool = NULL;
    procpool_result r = procpool_pool_new(2, PROCPOOL_IPC_UNIXSOCK, &pool);
    if (r == PROCPOOL_OK)
        r = procpool_pool_set_message_bus(pool, bus);
    if (r == PROCPOOL_OK && size > 0)
        r = procpool_pool_set_max_package_size(pool, (int64_t)size);
    if (r != PROCPOOL_OK) {
        fail("setup", r);
        return 1;
    }
    procpool_pool_on_worker_start(pool, on_worker_start, NULL);
    procpool_pool_on_message(pool, on_message, NULL);
    r = procpool_pool_start(pool);
    procpool_pool_free(pool);
    free(buf);
    if (r != PROCPOOL_OK) {
        fail("procpool_pool_start", r);
        return 1;
    }
    printf("stopped\n");
    return 0;
}
