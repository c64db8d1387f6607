/*
 * The C ABI echo server for bench/socket_bench: a PROCPOOL_IPC_SOCKET pool of 2 workers whose
 * Message callback writes the request back unchanged with procpool_request_write().
 *
 * usage: socket_echo <listen spec> [workers] [max_connections]      (tcp://HOST:PORT or unix:/path)
 * build: cc -O2 -I include bench/socket_echo.c -L target/release -Wl,-rpath,target/release -lprocpool
 * (socket_bench compiles it itself into target/release/bench/socket_echo_c.)
 */
#define BENCH_NAME "socket_echo"
#include "bench_common.h"

static int on_message(void *userdata, const uint8_t *data, size_t len) {
    (void)userdata;
    procpool_request_write(data, len);
    return 0;
}

int main(int argc, char **argv) {
    const char *spec = argc > 1 ? argv[1] : "tcp://127.0.0.1:9501";
    unsigned workers = argc > 2 ? (unsigned)atoi(argv[2]) : 2;
    unsigned max_connections = argc > 3 ? (unsigned)atoi(argv[3]) : 0; /* 0: the pool's default */
    char host[256];
    int port = 0;

    if (strncmp(spec, "unix:", 5) == 0) {
        snprintf(host, sizeof host, "%s", spec);
    } else if (strncmp(spec, "tcp://", 6) == 0) {
        const char *hp = spec + 6;
        const char *colon = strrchr(hp, ':');
        if (!colon || (size_t)(colon - hp) >= sizeof host) {
            fprintf(stderr, "socket_echo: bad listen spec '%s'\n", spec);
            return 2;
        }
        memcpy(host, hp, (size_t)(colon - hp));
        host[colon - hp] = '\0';
        port = atoi(colon + 1);
    } else {
        fprintf(stderr, "socket_echo: bad listen spec '%s' (tcp://HOST:PORT or unix:/path)\n", spec);
        return 2;
    }

    procpool_pool *pool = NULL;
    procpool_result r = procpool_pool_new(workers, PROCPOOL_IPC_SOCKET, &pool);
    if (r != PROCPOOL_OK) return fail("procpool_pool_new", r);
    if ((r = procpool_pool_on_message(pool, on_message, NULL)) != PROCPOOL_OK) return fail("procpool_pool_on_message", r);
    if (max_connections > 0 && (r = procpool_pool_set_max_connections(pool, max_connections)) != PROCPOOL_OK)
        return fail("procpool_pool_set_max_connections", r);
    if ((r = procpool_pool_listen(pool, host, port, 0)) != PROCPOOL_OK) return fail("procpool_pool_listen", r);
    return run_pool(pool);
}
