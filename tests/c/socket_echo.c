/* PROCPOOL_IPC_SOCKET from C, end to end, checking its own facts:
 *   - the API's errors: listen on a non-SOCKET pool, NULL host, bad port, bind failures (missing
 *     directory, a live unix socket, a TCP port in use), listen_port on a unix pool, read_timeout
 *     out of range, start without a Message callback or without listen, procpool_request_write outside a
 *     request or with bad arguments, listen / on_message after start;
 *   - then a 2-worker SOCKET pool, once on a unix socket in a temp dir and once on TCP 127.0.0.1
 *     port 0 (procpool_pool_listen_port), served to a client process forked (double-forked, so it
 *     is not the manager's child) before procpool_pool_start: a normal request is echoed (the reply
 *     built from three procpool_request_write calls), binary data byte-exact, a request of exactly
 *     max_package_size accepted; an empty frame (N == 0), an oversize frame (N > max_package_size,
 *     and N = 4 GiB - 1, header only) and a truncated frame are closed without a reply (the oversize
 *     ones at once, without waiting for a body); a request whose callback writes nothing gets no
 *     reply, only the close; procpool_request_write's errors inside a request; two requests at once are
 *     served by the two workers; a client that sends nothing is closed after read_timeout; the
 *     workers still serve afterwards. The client then SIGTERMs the manager;
 *   - procpool_pool_start returns PROCPOOL_OK, WorkerStart/WorkerStop ran once per worker, the
 *     Message callback ran once per complete request, no child is left, the unix socket file is gone.
 * Facts are printed as "check ..." lines (stable); other lines are for humans. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

#define WORKERS 2
#define MAX_PACKAGE 4096
#define READ_TIMEOUT 1.5
/* Requests of the client that reach the Message callback (see client()). */
#define COMPLETE_REQUESTS 8

/* Shared by the manager, the workers and the client (MAP_SHARED, made before start). */
struct shared {
    int worker_starts, worker_stops, messages;
    int write_in_worker_start_state;  /* procpool_request_write in WorkerStart gave PROCPOOL_ERR_STATE */
    int hold_started, release_hold, client_done;
};

static struct shared *sh;

/* Where the client connects: a unix path or a TCP port on 127.0.0.1. */
struct target {
    const char *transport; /* "unix" or "tcp", the prefix of the check names */
    char path[108];
    uint16_t port;
};

static void tcheck(const struct target *t, const char *name, int ok)
{
    char full[160];
    snprintf(full, sizeof full, "%s_%s", t->transport, name);
    check(full, ok);
}

static void tcheck_result(const struct target *t, const char *name, procpool_result got, procpool_result want,
                          const char *keyword)
{
    char full[160];
    snprintf(full, sizeof full, "%s_%s", t->transport, name);
    check_result(full, got, want, keyword);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* ---- the pool's callbacks ---- */

static int on_worker_start(void *userdata, uint32_t id)
{
    struct shared *s = userdata;
    (void)id;
    __atomic_add_fetch(&s->worker_starts, 1, __ATOMIC_SEQ_CST);
    if (procpool_request_write((const uint8_t *)"x", 1) == PROCPOOL_ERR_STATE)
        __atomic_add_fetch(&s->write_in_worker_start_state, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static int on_worker_stop(void *userdata, uint32_t id)
{
    struct shared *s = userdata;
    (void)id;
    __atomic_add_fetch(&s->worker_stops, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static int is(const uint8_t *data, size_t len, const char *text)
{
    return len == strlen(text) && memcmp(data, text, len) == 0;
}

static void reply_text(const char *text)
{
    procpool_request_write((const uint8_t *)text, strlen(text));
}

static void reply_worker_id(void)
{
    uint32_t id = 0;
    char text[32];
    procpool_worker_id(&id);
    snprintf(text, sizeof text, "worker=%u", (unsigned)id);
    reply_text(text);
}

/* "silent": no reply. "whoami": "worker=<id>". "hold": waits for the client's go, then "worker=<id>".
 * "errors": procpool_request_write's argument errors inside a request. Anything else: "re:" + the request,
 * written in three pieces. */
static int on_message(void *userdata, const uint8_t *data, size_t len)
{
    struct shared *s = userdata;
    __atomic_add_fetch(&s->messages, 1, __ATOMIC_SEQ_CST);
    if (is(data, len, "silent"))
        return 0;
    if (is(data, len, "whoami")) {
        reply_worker_id();
        return 0;
    }
    if (is(data, len, "hold")) {
        __atomic_store_n(&s->hold_started, 1, __ATOMIC_SEQ_CST);
        for (int i = 0; i < 1000 && !__atomic_load_n(&s->release_hold, __ATOMIC_SEQ_CST); i++)
            sleep_ms(10);
        reply_worker_id();
        return 0;
    }
    if (is(data, len, "errors")) {
        int ok = procpool_request_write(NULL, 3) == PROCPOOL_ERR_NULL &&
                 procpool_request_write((const uint8_t *)"x", 0) == PROCPOOL_ERR_INVALID_ARGUMENT &&
                 procpool_request_write(NULL, 0) == PROCPOOL_ERR_INVALID_ARGUMENT;
        reply_text(ok ? "errors:ok" : "errors:bad");
        return 0;
    }
    size_t half = len / 2;
    procpool_request_write((const uint8_t *)"re:", 3);
    if (half > 0)
        procpool_request_write(data, half);
    procpool_request_write(data + half, len - half);
    return 0;
}

/* ---- the client ---- */

static int connect_to(const struct target *t)
{
    int fd;
    if (t->path[0]) {
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        strcpy(addr.sun_path, t->path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
            close(fd);
            fd = -1;
        }
    } else {
        struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(t->port) };
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0) {
        printf("  connect: %s\n", strerror(errno));
        return -1;
    }
    struct timeval tv = { 10, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

static int send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads up to len bytes; returns how many came before EOF (a reset counts as EOF), -1 on a timeout. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(fd, (char *)buf + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ECONNRESET)
            break;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

enum outcome { REPLY, CLOSED_NO_REPLY, BROKEN };

/* Reads the reply frame into buf (cap bytes), then requires the connection to be closed after it. */
static enum outcome read_reply(int fd, uint8_t *buf, size_t cap, size_t *len_out)
{
    uint8_t header[4];
    ssize_t n = read_full(fd, header, 4);
    if (n == 0)
        return CLOSED_NO_REPLY;
    if (n != 4)
        return BROKEN;
    uint32_t len = (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 | (uint32_t)header[2] << 8 | header[3];
    if (len > cap || read_full(fd, buf, len) != (ssize_t)len)
        return BROKEN;
    uint8_t extra;
    if (read_full(fd, &extra, 1) != 0) /* the server closes after the reply */
        return BROKEN;
    *len_out = len;
    return REPLY;
}

static void put_header(uint8_t *out, uint32_t len)
{
    out[0] = (uint8_t)(len >> 24);
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
}

/* Sends one frame (header claiming `claimed` bytes, then `len` bytes of body) and reads the answer. */
static enum outcome exchange(const struct target *t, uint32_t claimed, const void *body, size_t len, uint8_t *reply,
                             size_t cap, size_t *reply_len, double *seconds)
{
    int fd = connect_to(t);
    if (fd < 0)
        return BROKEN;
    uint8_t header[4];
    put_header(header, claimed);
    double t0 = now();
    enum outcome o = BROKEN;
    if (send_all(fd, header, 4) == 0 && send_all(fd, body, len) == 0) {
        if (claimed != len)
            shutdown(fd, SHUT_WR); /* a truncated request: the client stops sending */
        o = read_reply(fd, reply, cap, reply_len);
    }
    if (seconds)
        *seconds = now() - t0;
    close(fd);
    return o;
}

static enum outcome request(const struct target *t, const void *body, size_t len, uint8_t *reply, size_t cap,
                            size_t *reply_len)
{
    return exchange(t, (uint32_t)len, body, len, reply, cap, reply_len, NULL);
}

static int reply_is(enum outcome o, const uint8_t *reply, size_t reply_len, const void *want, size_t want_len)
{
    return o == REPLY && reply_len == want_len && memcmp(reply, want, want_len) == 0;
}

static pid_t watched_manager;

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "client: watchdog expired, stopping the pool\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    kill(watched_manager, SIGTERM);
    _exit(3);
}

/* Runs in the (double-forked) client process: every request, then SIGTERM to the manager. */
static void client(const struct target *t, pid_t manager)
{
    static uint8_t reply[2 * MAX_PACKAGE], body[MAX_PACKAGE], want[MAX_PACKAGE + 3];
    size_t reply_len = 0;
    enum outcome o;
    double seconds = 0;

    watched_manager = manager;
    signal(SIGALRM, on_alarm);
    alarm(25);

    /* 1. A normal request: the reply is "re:" + the request, then the connection closes. */
    o = request(t, "echo:hello", 10, reply, sizeof reply, &reply_len);
    tcheck(t, "normal_request_echoed_then_closed", reply_is(o, reply, reply_len, "re:echo:hello", 13));

    /* 2. Binary data, every byte value: echoed byte-exact. */
    for (int i = 0; i < 256; i++)
        body[i] = (uint8_t)(255 - i);
    memcpy(want, "re:", 3);
    memcpy(want + 3, body, 256);
    o = request(t, body, 256, reply, sizeof reply, &reply_len);
    tcheck(t, "binary_request_echoed_exactly", reply_is(o, reply, reply_len, want, 259));

    /* 3. Exactly max_package_size bytes: accepted. */
    for (int i = 0; i < MAX_PACKAGE; i++)
        body[i] = (uint8_t)('a' + i % 26);
    memcpy(want + 3, body, MAX_PACKAGE);
    o = request(t, body, MAX_PACKAGE, reply, sizeof reply, &reply_len);
    tcheck(t, "max_package_size_request_accepted", reply_is(o, reply, reply_len, want, MAX_PACKAGE + 3));

    /* 4. An empty frame (N == 0): closed without a reply. */
    o = request(t, "", 0, reply, sizeof reply, &reply_len);
    tcheck(t, "empty_frame_closed_without_reply", o == CLOSED_NO_REPLY);

    /* 5. Oversize frames, header only: closed without a reply and without waiting for the body
     *    (well before read_timeout), so nothing was read or allocated for it. */
    o = exchange(t, MAX_PACKAGE + 1, "", 0, reply, sizeof reply, &reply_len, &seconds);
    printf("  oversize (max + 1) closed after %.3f s\n", seconds);
    tcheck(t, "oversize_frame_closed_at_once_without_reply", o == CLOSED_NO_REPLY && seconds < READ_TIMEOUT / 2);
    o = exchange(t, 0xFFFFFFFFu, "", 0, reply, sizeof reply, &reply_len, &seconds);
    tcheck(t, "4gib_frame_closed_at_once_without_reply", o == CLOSED_NO_REPLY && seconds < READ_TIMEOUT / 2);

    /* 6. Garbage: a frame announcing 100 bytes that stops after 10, and 3 stray bytes. */
    o = exchange(t, 100, "garbage!!!", 10, reply, sizeof reply, &reply_len, NULL);
    tcheck(t, "truncated_frame_closed_without_reply", o == CLOSED_NO_REPLY);
    {
        int fd = connect_to(t);
        o = BROKEN;
        if (fd >= 0 && send_all(fd, "\x01\x02\x03", 3) == 0) {
            shutdown(fd, SHUT_WR);
            o = read_reply(fd, reply, sizeof reply, &reply_len);
        }
        if (fd >= 0)
            close(fd);
        tcheck(t, "partial_header_closed_without_reply", o == CLOSED_NO_REPLY);
    }

    /* 7. The callback writes nothing: no reply, only the close. */
    o = request(t, "silent", 6, reply, sizeof reply, &reply_len);
    tcheck(t, "no_write_means_close_without_reply", o == CLOSED_NO_REPLY);

    /* 8. procpool_request_write's argument errors inside a request. */
    o = request(t, "errors", 6, reply, sizeof reply, &reply_len);
    tcheck(t, "write_argument_errors_inside_request", reply_is(o, reply, reply_len, "errors:ok", 9));

    /* 9. Two requests at once: while one worker holds "hold", the other answers "whoami". */
    {
        int held = connect_to(t);
        uint8_t header[4];
        put_header(header, 4);
        int sent = held >= 0 && send_all(held, header, 4) == 0 && send_all(held, "hold", 4) == 0;
        for (int i = 0; i < 1000 && sent && !__atomic_load_n(&sh->hold_started, __ATOMIC_SEQ_CST); i++)
            sleep_ms(10);
        uint8_t other[64] = { 0 };
        size_t other_len = 0;
        enum outcome o2 = request(t, "whoami", 6, other, sizeof other - 1, &other_len);
        __atomic_store_n(&sh->release_hold, 1, __ATOMIC_SEQ_CST);
        memset(reply, 0, 64);
        o = held >= 0 ? read_reply(held, reply, 63, &reply_len) : BROKEN;
        if (held >= 0)
            close(held);
        printf("  hold answered by %s, whoami by %s\n", o == REPLY ? (char *)reply : "-",
               o2 == REPLY ? (char *)other : "-");
        tcheck(t, "two_workers_serve_concurrently",
               o == REPLY && o2 == REPLY && strncmp((char *)reply, "worker=", 7) == 0 &&
                   strncmp((char *)other, "worker=", 7) == 0 && strcmp((char *)reply, (char *)other) != 0);
    }

    /* 10. A client that connects and sends nothing: closed after read_timeout, without a reply. */
    {
        int fd = connect_to(t);
        double t0 = now();
        o = fd >= 0 ? read_reply(fd, reply, sizeof reply, &reply_len) : BROKEN;
        seconds = now() - t0;
        if (fd >= 0)
            close(fd);
        printf("  idle client closed after %.3f s (read_timeout %.1f s)\n", seconds, READ_TIMEOUT);
        tcheck(t, "idle_client_closed_after_read_timeout",
               o == CLOSED_NO_REPLY && seconds > READ_TIMEOUT * 0.8 && seconds < READ_TIMEOUT + 8);
    }

    /* 11. After all that, the workers still serve. */
    o = request(t, "echo:still-serving", 18, reply, sizeof reply, &reply_len);
    tcheck(t, "still_serving_after_bad_clients", reply_is(o, reply, reply_len, "re:echo:still-serving", 21));

    __atomic_store_n(&sh->client_done, 1, __ATOMIC_SEQ_CST);
    fflush(stdout);
    kill(manager, SIGTERM);
}

/* Forks the client so that it is not a child of this process (the manager to be): the intermediate
 * child exits at once and is reaped here, before start; the client is adopted by init. */
static int spawn_client(const struct target *t)
{
    pid_t manager = getpid();
    fflush(stdout);
    pid_t mid = fork();
    if (mid < 0)
        return -1;
    if (mid == 0) {
        pid_t c = fork();
        if (c == 0) {
            client(t, manager);
            fflush(stdout);
            _exit(0);
        }
        _exit(c < 0 ? 1 : 0);
    }
    int status = 0;
    if (waitpid(mid, &status, 0) != mid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return 0;
}

/* ---- one pool ---- */

static struct {
    procpool_pool *pool;
    const struct target *t;
    int start_calls, listen_in_start_state, port_in_start_ok, write_in_start_state;
} run_state;

static int on_start(void *userdata)
{
    (void)userdata;
    run_state.start_calls++;
    /* In the manager while the pool runs: no settings, no writes; the port is still known. */
    run_state.listen_in_start_state =
        procpool_pool_listen(run_state.pool, "127.0.0.1", 0, 0) == PROCPOOL_ERR_STATE;
    run_state.write_in_start_state = procpool_request_write((const uint8_t *)"x", 1) == PROCPOOL_ERR_STATE;
    uint16_t port = 0;
    procpool_result rc = procpool_pool_listen_port(run_state.pool, &port);
    run_state.port_in_start_ok = run_state.t->path[0] ? rc == PROCPOOL_ERR_STATE
                                                        : rc == PROCPOOL_OK && port == run_state.t->port;
    return 0;
}

static void run_pool(struct target *t, const char *dir)
{
    memset(sh, 0, sizeof *sh);
    memset(&run_state, 0, sizeof run_state);
    procpool_pool *pool = NULL;
    tcheck_result(t, "pool_new", procpool_pool_new(WORKERS, PROCPOOL_IPC_SOCKET, &pool), PROCPOOL_OK, NULL);
    if (pool == NULL)
        return;
    run_state.pool = pool;
    run_state.t = t;
    tcheck_result(t, "set_max_package_size", procpool_pool_set_max_package_size(pool, MAX_PACKAGE), PROCPOOL_OK, NULL);
    tcheck_result(t, "set_read_timeout", procpool_pool_set_read_timeout(pool, READ_TIMEOUT), PROCPOOL_OK, NULL);
    tcheck_result(t, "set_max_wait_time", procpool_pool_set_max_wait_time(pool, 5.0), PROCPOOL_OK, NULL);
    tcheck_result(t, "on_start", procpool_pool_on_start(pool, on_start, NULL), PROCPOOL_OK, NULL);
    tcheck_result(t, "on_worker_start", procpool_pool_on_worker_start(pool, on_worker_start, sh), PROCPOOL_OK, NULL);
    tcheck_result(t, "on_worker_stop", procpool_pool_on_worker_stop(pool, on_worker_stop, sh), PROCPOOL_OK, NULL);
    tcheck_result(t, "on_message", procpool_pool_on_message(pool, on_message, sh), PROCPOOL_OK, NULL);

    if (strcmp(t->transport, "unix") == 0) {
        char host[128];
        snprintf(t->path, sizeof t->path, "%s/echo.sock", dir);
        snprintf(host, sizeof host, "unix:%s", t->path);
        tcheck_result(t, "listen", procpool_pool_listen(pool, host, 0, 0), PROCPOOL_OK, NULL);
        struct stat st;
        tcheck(t, "socket_file_made_by_listen", stat(t->path, &st) == 0 && S_ISSOCK(st.st_mode));
        uint16_t port = 7;
        tcheck_result(t, "listen_port_is_state_error", procpool_pool_listen_port(pool, &port), PROCPOOL_ERR_STATE,
                      "TCP");
        tcheck(t, "listen_port_out_untouched", port == 7);
    } else {
        tcheck_result(t, "listen", procpool_pool_listen(pool, "127.0.0.1", 0, 16), PROCPOOL_OK, NULL);
        t->port = 0;
        tcheck_result(t, "listen_port", procpool_pool_listen_port(pool, &t->port), PROCPOOL_OK, NULL);
        tcheck(t, "listen_port_chosen_by_system", t->port != 0);
    }

    if (spawn_client(t) != 0) {
        tcheck(t, "client_forked", 0);
        procpool_pool_free(pool);
        return;
    }
    procpool_result rc = procpool_pool_start(pool);
    errno = 0;
    pid_t left = waitpid(-1, NULL, WNOHANG);
    int wait_errno = errno;

    tcheck_result(t, "start_returned_ok_after_sigterm", rc, PROCPOOL_OK, NULL);
    tcheck(t, "client_finished", sh->client_done == 1);
    tcheck(t, "start_callback_ran_once", run_state.start_calls == 1);
    tcheck(t, "listen_while_running_is_state_error", run_state.listen_in_start_state);
    tcheck(t, "listen_port_in_start_callback", run_state.port_in_start_ok);
    tcheck(t, "write_in_manager_is_state_error", run_state.write_in_start_state);
    tcheck(t, "write_in_worker_start_is_state_error", sh->write_in_worker_start_state == WORKERS);
    tcheck(t, "worker_start_and_stop_ran_once_per_worker", sh->worker_starts == WORKERS && sh->worker_stops == WORKERS);
    printf("  message callbacks: %d\n", sh->messages);
    tcheck(t, "message_callback_ran_once_per_complete_request", sh->messages == COMPLETE_REQUESTS);
    tcheck(t, "no_child_left_waitpid_echild", left == -1 && wait_errno == ECHILD);
    if (t->path[0]) {
        struct stat st;
        tcheck(t, "socket_file_removed_when_start_returned", stat(t->path, &st) != 0 && errno == ENOENT);
    } else {
        uint16_t port = 7;
        tcheck_result(t, "listen_port_after_return_is_state_error", procpool_pool_listen_port(pool, &port),
                      PROCPOOL_ERR_STATE, "not listening");
    }
    tcheck_result(t, "listen_after_start_is_state_error", procpool_pool_listen(pool, "127.0.0.1", 0, 0),
                  PROCPOOL_ERR_STATE, "started");
    tcheck_result(t, "on_message_after_start_is_state_error", procpool_pool_on_message(pool, on_message, sh),
                  PROCPOOL_ERR_STATE, "started");
    procpool_pool_free(pool);
}

/* ---- the API's errors, without running a pool ---- */

static void api_errors(const char *dir)
{
    const struct target api = { .transport = "api" };
    const struct target *t = &api;
    procpool_pool *none = NULL, *sock = NULL, *other = NULL;
    char host[200], path[160];

    procpool_pool_new(1, PROCPOOL_IPC_NONE, &none);
    procpool_pool_new(1, PROCPOOL_IPC_SOCKET, &sock);
    procpool_pool_new(1, PROCPOOL_IPC_SOCKET, &other);

    tcheck_result(t, "listen_on_ipc_none_pool", procpool_pool_listen(none, "127.0.0.1", 0, 0), PROCPOOL_ERR_STATE,
                  "PROCPOOL_IPC_SOCKET");
    tcheck_result(t, "listen_null_pool", procpool_pool_listen(NULL, "127.0.0.1", 0, 0), PROCPOOL_ERR_NULL, "pool");
    tcheck_result(t, "listen_null_host", procpool_pool_listen(sock, NULL, 0, 0), PROCPOOL_ERR_NULL, "host");
    tcheck_result(t, "listen_port_out_of_range", procpool_pool_listen(sock, "127.0.0.1", 70000, 0),
                  PROCPOOL_ERR_INVALID_ARGUMENT, "70000");
    tcheck_result(t, "listen_negative_port", procpool_pool_listen(sock, "127.0.0.1", -1, 0),
                  PROCPOOL_ERR_INVALID_ARGUMENT, "out of range");
    tcheck_result(t, "listen_empty_unix_path", procpool_pool_listen(sock, "unix:", 0, 0),
                  PROCPOOL_ERR_INVALID_ARGUMENT, "empty");
    snprintf(host, sizeof host, "unix:%s/missing-dir/s.sock", dir);
    tcheck_result(t, "listen_unix_in_missing_dir_is_system_error", procpool_pool_listen(sock, host, 0, 0),
                  PROCPOOL_ERR_SYSTEM, "bind(unix:");
    snprintf(path, sizeof path, "%s/not-a-socket", dir);
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
    snprintf(host, sizeof host, "unix:%s", path);
    tcheck_result(t, "listen_unix_on_regular_file_refused", procpool_pool_listen(sock, host, 0, 0),
                  PROCPOOL_ERR_INVALID_ARGUMENT, "not a socket");
    unlink(path);

    /* A live unix socket and a TCP port in use: bind errors with the core's message. */
    snprintf(host, sizeof host, "unix:%s/live.sock", dir);
    tcheck_result(t, "listen_unix_ok", procpool_pool_listen(other, host, 0, 0), PROCPOOL_OK, NULL);
    tcheck_result(t, "listen_unix_live_socket_is_system_error", procpool_pool_listen(sock, host, 0, 0),
                  PROCPOOL_ERR_SYSTEM, "another process is listening");
    uint16_t port = 0;
    tcheck_result(t, "listen_tcp_port_0_ok", procpool_pool_listen(other, "127.0.0.1", 0, 0), PROCPOOL_OK, NULL);
    snprintf(path, sizeof path, "%s/live.sock", dir);
    struct stat st;
    tcheck(t, "second_listen_replaces_first_and_removes_its_file", stat(path, &st) != 0 && errno == ENOENT);
    tcheck_result(t, "listen_port_ok", procpool_pool_listen_port(other, &port), PROCPOOL_OK, NULL);
    tcheck_result(t, "listen_tcp_port_in_use_is_system_error", procpool_pool_listen(sock, "127.0.0.1", port, 0),
                  PROCPOOL_ERR_SYSTEM, "bind(tcp://");
    tcheck_result(t, "listen_port_null_out", procpool_pool_listen_port(other, NULL), PROCPOOL_ERR_NULL, "port_out");
    tcheck_result(t, "listen_port_null_pool", procpool_pool_listen_port(NULL, &port), PROCPOOL_ERR_NULL, "pool");
    port = 7;
    tcheck_result(t, "listen_port_without_listen", procpool_pool_listen_port(sock, &port), PROCPOOL_ERR_STATE,
                  "not listening");
    tcheck(t, "listen_port_out_untouched_on_error", port == 7);

    tcheck_result(t, "read_timeout_zero", procpool_pool_set_read_timeout(sock, 0.0), PROCPOOL_ERR_INVALID_ARGUMENT,
                  "read_timeout");
    tcheck_result(t, "read_timeout_negative", procpool_pool_set_read_timeout(sock, -1.0),
                  PROCPOOL_ERR_INVALID_ARGUMENT, "read_timeout");
    tcheck_result(t, "read_timeout_nan", procpool_pool_set_read_timeout(sock, NAN), PROCPOOL_ERR_INVALID_ARGUMENT,
                  "read_timeout");
    tcheck_result(t, "read_timeout_infinite", procpool_pool_set_read_timeout(sock, INFINITY),
                  PROCPOOL_ERR_INVALID_ARGUMENT, "read_timeout");
    tcheck_result(t, "read_timeout_null_pool", procpool_pool_set_read_timeout(NULL, 1.0), PROCPOOL_ERR_NULL, "pool");
    tcheck_result(t, "read_timeout_ok", procpool_pool_set_read_timeout(sock, 0.25), PROCPOOL_OK, NULL);
    tcheck_result(t, "on_message_null_pool", procpool_pool_on_message(NULL, on_message, NULL), PROCPOOL_ERR_NULL,
                  "pool");

    /* start: the Message callback is required, then procpool_pool_listen is. Neither failure uses the
     * pool up. */
    tcheck_result(t, "start_listening_socket_pool_without_message_callback", procpool_pool_start(other),
                  PROCPOOL_ERR_STATE, "procpool_pool_on_message");
    tcheck_result(t, "on_message_ok", procpool_pool_on_message(sock, on_message, NULL), PROCPOOL_OK, NULL);
    tcheck_result(t, "start_socket_pool_without_listen", procpool_pool_start(sock), PROCPOOL_ERR_STATE,
                  "procpool_pool_listen before");
    tcheck_result(t, "on_message_still_accepted_after_failed_start", procpool_pool_on_message(sock, NULL, NULL),
                  PROCPOOL_OK, NULL);

    /* procpool_request_write outside a request. */
    tcheck_result(t, "write_outside_pool", procpool_request_write((const uint8_t *)"abc", 3), PROCPOOL_ERR_STATE,
                  "Message callback");
    tcheck_result(t, "write_null_data", procpool_request_write(NULL, 3), PROCPOOL_ERR_NULL, "data");
    tcheck_result(t, "write_len_0", procpool_request_write((const uint8_t *)"abc", 0), PROCPOOL_ERR_INVALID_ARGUMENT,
                  "len is 0");
    tcheck_result(t, "on_message_on_ipc_none_pool_accepted", procpool_pool_on_message(none, on_message, NULL),
                  PROCPOOL_OK, NULL);

    procpool_pool_free(none);
    procpool_pool_free(sock);
    procpool_pool_free(other);
}

int main(void)
{
    check_init();
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    char dir[] = "/tmp/procpool-socket-echo-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 2;
    }

    api_errors(dir);
    struct target unix_target = { .transport = "unix" };
    run_pool(&unix_target, dir);
    struct target tcp_target = { .transport = "tcp" };
    run_pool(&tcp_target, dir);

    rmdir(dir);
    return check_summary("socket_echo");
}
