/* socket_echo_server: a PROCPOOL_IPC_SOCKET echo server in C (also the server of the benchmarks).
 *
 * Each request (4-byte big-endian length N + N bytes) is answered with the same bytes, framed the
 * same way; then the connection is closed. Runs until SIGTERM (or Ctrl-C) to the manager.
 *
 * usage: socket_echo_server <host> [port] [workers]
 *   host     unix:/path/to/socket, or a TCP host (127.0.0.1, ::1, localhost...)
 *   port     TCP port, 0 (the default) lets the system choose; ignored for unix:
 *   workers  number of worker processes; default $SOCKET_ECHO_WORKERS, else 2
 * It prints "listening on unix:/path" or "listening on <host>:<port>" once the socket is bound.
 *
 * Build (from the repository root, after `cargo build -p procpool-ffi`):
 *   cc -Wall -Wextra -I include examples/c/socket_echo_server.c -L target/debug -lprocpool \
 *      -Wl,-rpath,"$PWD/target/debug" -o socket_echo_server
 *   ./socket_echo_server 127.0.0.1 9501 4
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procpool.h"

#define DEFAULT_WORKERS 2

/* The request's bytes are borrowed for the duration of the call; procpool_request_write copies them. */
static int on_message(void *userdata, const uint8_t *data, size_t len)
{
    (void)userdata;
    procpool_request_write(data, len);
    return 0;
}

static int fail(const char *what, procpool_result rc)
{
    char msg[512];
    procpool_last_error_message(msg, sizeof msg);
    fprintf(stderr, "socket_echo_server: %s failed: %s: %s\n", what, procpool_result_name(rc), msg);
    return 1;
}

/* A whole decimal number in [min, max], or -1. */
static long parse_number(const char *text, long min, long max)
{
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
        return -1;
    return value;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: %s <host> [port] [workers]   (host: unix:/path or a TCP host)\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    long port = argc > 2 ? parse_number(argv[2], 0, 65535) : 0;
    const char *workers_text = argc > 3 ? argv[3] : getenv("SOCKET_ECHO_WORKERS");
    long workers = workers_text && *workers_text ? parse_number(workers_text, 1, 65536) : DEFAULT_WORKERS;
    if (port < 0 || workers < 0) {
        fprintf(stderr, "%s: bad %s\n", argv[0], port < 0 ? "port (0..65535)" : "worker count (1..65536)");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    procpool_pool *pool = NULL;
    procpool_result rc = procpool_pool_new((uint32_t)workers, PROCPOOL_IPC_SOCKET, &pool);
    if (rc != PROCPOOL_OK)
        return fail("procpool_pool_new", rc);
    if ((rc = procpool_pool_on_message(pool, on_message, NULL)) != PROCPOOL_OK ||
        (rc = procpool_pool_listen(pool, host, (int32_t)port, 0)) != PROCPOOL_OK) {
        fail("setting up the pool", rc);
        procpool_pool_free(pool);
        return 1;
    }
    if (strncmp(host, "unix:", 5) == 0) {
        printf("listening on %s with %ld workers\n", host, workers);
    } else {
        uint16_t bound = 0;
        procpool_pool_listen_port(pool, &bound);
        int bracket = strchr(host, ':') != NULL && host[0] != '[';
        printf("listening on %s%s%s:%u with %ld workers\n", bracket ? "[" : "", host, bracket ? "]" : "",
               (unsigned)bound, workers);
    }

    rc = procpool_pool_start(pool); /* blocks until SIGTERM; workers never return from here */
    if (rc != PROCPOOL_OK)
        fail("procpool_pool_start", rc);
    else
        printf("stopped\n");
    procpool_pool_free(pool);
    return rc == PROCPOOL_OK ? 0 : 1;
}
