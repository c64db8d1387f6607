/* PROCPOOL_IPC_REDIS from C, end to end, against a real redis-server that this program starts on a
 * free loopback port (no persistence) and kills at the end:
 *   - the API's errors: the redis setters on a non-REDIS pool, NULL and empty strings, a malformed
 *     URL, max_deliveries 0, batch 0, a negative claim_idle; procpool_redis_push and the entry
 *     accessors outside a running pool; start without a stream; start against a port where nothing
 *     listens (PROCPOOL_ERR_SYSTEM, nothing forked);
 *   - a 2-worker pool: the Start callback pushes 20 entries and one that fails with
 *     procpool_redis_push; Message reads the entry's id, deliveries and fields; each good entry is
 *     handled once; the failing one (callback returns 1) twice (max_deliveries 2), then it is in
 *     the dead-letter stream; nothing is left pending (read with a few raw RESP commands).
 * Facts are printed as "check ..." lines (stable); other lines are for humans. Every check on what
 * workers saw is made by the main program after procpool_pool_start returned, from shared memory. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

#define GOOD 20

struct shared {
    int handled[GOOD];
    int fail_calls, bad_entries, starts, pushes_failed, deliveries_seen[3];
};

static struct shared *sh;
static pid_t redis_pid;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("free_port");
        _exit(2);
    }
    close(fd);
    return ntohs(a.sin_port);
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends a command of `argc` words and reads the reply's first bytes into `reply` (NUL-terminated). */
static int command(int port, int argc, const char **argv, char *reply, size_t cap)
{
    int fd = connect_to(port);
    if (fd < 0)
        return -1;
    char buf[512];
    int n = snprintf(buf, sizeof buf, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++)
        n += snprintf(buf + n, sizeof buf - n, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
    if (write(fd, buf, n) != n) {
        close(fd);
        return -1;
    }
    sleep_ms(50);
    ssize_t got = read(fd, reply, cap - 1);
    close(fd);
    reply[got > 0 ? got : 0] = 0;
    return got > 0 ? 0 : -1;
}

static int start_redis(void)
{
    int port = free_port();
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    redis_pid = fork();
    if (redis_pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 1);
        dup2(null, 2);
        execlp("redis-server", "redis-server", "--port", port_text, "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", "/tmp", (char *)NULL);
        fprintf(stderr, "redis-server cannot be run (install it: scripts/bootstrap.sh)\n");
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        int fd = connect_to(port);
        if (fd >= 0) {
            close(fd);
            return port;
        }
        int status;
        if (waitpid(redis_pid, &status, WNOHANG) == redis_pid) {
            printf("redis-server exited at once (status %d): is it installed?\n", status);
            return -1;
        }
        sleep_ms(10);
    }
    return -1;
}

static int on_start(void *userdata)
{
    (void)userdata;
    char id[PROCPOOL_REDIS_ID_MAX];
    for (int i = 0; i < GOOD; i++) {
        char data[32];
        int n = snprintf(data, sizeof data, "job-%d", i);
        if (procpool_redis_push((const uint8_t *)data, (size_t)n, id, sizeof id) != PROCPOOL_OK || strchr(id, '-') == NULL)
            __atomic_add_fetch(&sh->pushes_failed, 1, __ATOMIC_SEQ_CST);
    }
    if (procpool_redis_push((const uint8_t *)"fail", 4, NULL, 0) != PROCPOOL_OK)
        __atomic_add_fetch(&sh->pushes_failed, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static int on_worker_start(void *userdata, uint32_t worker_id)
{
    (void)userdata;
    (void)worker_id;
    __atomic_add_fetch(&sh->starts, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static int all_done(void)
{
    for (int i = 0; i < GOOD; i++)
        if (__atomic_load_n(&sh->handled[i], __ATOMIC_SEQ_CST) == 0)
            return 0;
    return __atomic_load_n(&sh->fail_calls, __ATOMIC_SEQ_CST) >= 2;
}

/* Asks for the shutdown 300 ms from now, from a child of this worker, so that what the worker does
 * after its callback returns (acknowledging, dead-lettering) is not cut short by the SIGTERM. */
static void shutdown_soon(void)
{
    int32_t master = 0;
    if (procpool_master_pid(&master) != PROCPOOL_OK)
        return;
    if (fork() == 0) {
        usleep(300000);
        kill(master, SIGTERM);
        _exit(0);
    }
}

static int on_message(void *userdata, const uint8_t *data, size_t len)
{
    (void)userdata;
    char id[PROCPOOL_REDIS_ID_MAX];
    uint64_t deliveries = 0;
    size_t count = 0, name_len = 0, value_len = 0;
    const uint8_t *name = NULL, *value = NULL;
    int ok = procpool_redis_entry_id(id, sizeof id) == PROCPOOL_OK && strchr(id, '-') != NULL
        && procpool_redis_deliveries(&deliveries) == PROCPOOL_OK && deliveries >= 1 && deliveries <= 2
        && procpool_redis_field_count(&count) == PROCPOOL_OK && count == 1
        && procpool_redis_field(0, &name, &name_len, &value, &value_len) == PROCPOOL_OK
        && name_len == 4 && memcmp(name, "data", 4) == 0 && value_len == len && memcmp(value, data, len) == 0
        && procpool_redis_field(1, &name, &name_len, &value, &value_len) == PROCPOOL_ERR_INVALID_ARGUMENT;
    if (!ok)
        __atomic_add_fetch(&sh->bad_entries, 1, __ATOMIC_SEQ_CST);
    if (len == 4 && memcmp(data, "fail", 4) == 0) {
        __atomic_add_fetch(&sh->fail_calls, 1, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&sh->deliveries_seen[deliveries <= 2 ? deliveries : 0], 1, __ATOMIC_SEQ_CST);
        if (all_done())
            shutdown_soon(); /* the worker dead-letters this entry after it returns: let it */
        return 1;
    }
    int i = -1;
    if (len > 4 && memcmp(data, "job-", 4) == 0)
        i = atoi((const char *)data + 4);
    if (i >= 0 && i < GOOD)
        __atomic_add_fetch(&sh->handled[i], 1, __ATOMIC_SEQ_CST);
    else
        __atomic_add_fetch(&sh->bad_entries, 1, __ATOMIC_SEQ_CST);
    if (all_done())
        procpool_manager_shutdown();
    return 0;
}

int main(void)
{
    check_init();
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return 2;
    memset(sh, 0, sizeof *sh);

    /* Errors. */
    procpool_pool *none = NULL;
    procpool_pool_new(1, PROCPOOL_IPC_NONE, &none);
    check_result("redis_url_on_none_pool", procpool_pool_set_redis_url(none, "redis://127.0.0.1"), PROCPOOL_ERR_STATE,
                 "PROCPOOL_IPC_REDIS");
    procpool_pool_free(none);

    procpool_pool *pool = NULL;
    check_result("redis_new", procpool_pool_new(2, PROCPOOL_IPC_REDIS, &pool), PROCPOOL_OK, NULL);
    check_result("redis_url_null", procpool_pool_set_redis_url(pool, NULL), PROCPOOL_ERR_NULL, "url");
    check_result("redis_stream_empty", procpool_pool_set_redis_stream(pool, ""), PROCPOOL_ERR_INVALID_ARGUMENT, "empty");
    check_result("redis_url_malformed", procpool_pool_set_redis_url(pool, "http://x"), PROCPOOL_ERR_INVALID_ARGUMENT,
                 "not a valid Redis URL");
    check_result("redis_max_deliveries_zero", procpool_pool_set_redis_max_deliveries(pool, 0),
                 PROCPOOL_ERR_INVALID_ARGUMENT, "max_deliveries");
    check_result("redis_batch_zero", procpool_pool_set_redis_batch(pool, 0), PROCPOOL_ERR_INVALID_ARGUMENT, "batch");
    check_result("redis_claim_idle_negative", procpool_pool_set_redis_claim_idle(pool, -1), PROCPOOL_ERR_INVALID_ARGUMENT,
                 "claim_idle");
    check_result("redis_push_outside_pool", procpool_redis_push((const uint8_t *)"x", 1, NULL, 0), PROCPOOL_ERR_STATE,
                 "PROCPOOL_IPC_REDIS");
    char id[PROCPOOL_REDIS_ID_MAX];
    check_result("redis_entry_id_outside_message", procpool_redis_entry_id(id, sizeof id), PROCPOOL_ERR_STATE,
                 "Message");
    size_t count;
    check_result("redis_field_count_outside_message", procpool_redis_field_count(&count), PROCPOOL_ERR_STATE, "Message");
    procpool_pool_on_message(pool, on_message, NULL);
    check_result("redis_start_without_stream", procpool_pool_start(pool), PROCPOOL_ERR_INVALID_ARGUMENT, "stream");
    procpool_pool_free(pool);

    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", free_port());
    pool = NULL;
    procpool_pool_new(2, PROCPOOL_IPC_REDIS, &pool);
    procpool_pool_set_redis_url(pool, url);
    procpool_pool_set_redis_stream(pool, "cjobs");
    procpool_pool_on_worker_start(pool, on_worker_start, NULL);
    procpool_pool_on_message(pool, on_message, NULL);
    check_result("redis_start_nothing_listening", procpool_pool_start(pool), PROCPOOL_ERR_SYSTEM,
                 "cannot connect to Redis");
    check("redis_nothing_forked", __atomic_load_n(&sh->starts, __ATOMIC_SEQ_CST) == 0);
    procpool_pool_free(pool);

    /* A real pool. */
    int port = start_redis();
    check("redis_server_started", port > 0);
    if (port <= 0)
        return check_summary("redis");
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
    pool = NULL;
    procpool_pool_new(2, PROCPOOL_IPC_REDIS, &pool);
    check_result("redis_set_url", procpool_pool_set_redis_url(pool, url), PROCPOOL_OK, NULL);
    check_result("redis_set_stream", procpool_pool_set_redis_stream(pool, "cjobs"), PROCPOOL_OK, NULL);
    check_result("redis_set_group", procpool_pool_set_redis_group(pool, "cgroup"), PROCPOOL_OK, NULL);
    check_result("redis_set_consumer", procpool_pool_set_redis_consumer(pool, "ctest"), PROCPOOL_OK, NULL);
    check_result("redis_set_max_deliveries", procpool_pool_set_redis_max_deliveries(pool, 2), PROCPOOL_OK, NULL);
    check_result("redis_set_dead_letter", procpool_pool_set_redis_dead_letter_stream(pool, "cjobs-dead"), PROCPOOL_OK, NULL);
    check_result("redis_set_claim_idle", procpool_pool_set_redis_claim_idle(pool, 30), PROCPOOL_OK, NULL);
    check_result("redis_set_batch", procpool_pool_set_redis_batch(pool, 4), PROCPOOL_OK, NULL);
    procpool_pool_set_log_level(pool, PROCPOOL_LOG_OFF);
    procpool_pool_on_start(pool, on_start, NULL);
    procpool_pool_on_worker_start(pool, on_worker_start, NULL);
    procpool_pool_on_message(pool, on_message, NULL);
    check_result("redis_pool_start_returns_ok", procpool_pool_start(pool), PROCPOOL_OK, NULL);
    procpool_pool_free(pool);

    int once = 1;
    for (int i = 0; i < GOOD; i++)
        once = once && sh->handled[i] == 1;
    check("redis_pushed_from_start", sh->pushes_failed == 0);
    check("redis_every_entry_handled_once", once);
    check("redis_entry_accessors", sh->bad_entries == 0);
    check("redis_failing_entry_delivered_max_deliveries_times",
          sh->fail_calls == 2 && sh->deliveries_seen[1] == 1 && sh->deliveries_seen[2] == 1);
    char reply[256];
    const char *xlen[] = {"XLEN", "cjobs-dead"};
    check("redis_failing_entry_dead_lettered", command(port, 2, xlen, reply, sizeof reply) == 0 && strcmp(reply, ":1\r\n") == 0);
    const char *xpending[] = {"XPENDING", "cjobs", "cgroup"};
    check("redis_nothing_pending",
          command(port, 3, xpending, reply, sizeof reply) == 0 && strncmp(reply, "*4\r\n:0\r\n", 8) == 0);
    kill(redis_pid, SIGKILL);
    waitpid(redis_pid, NULL, 0);
    return check_summary("redis");
}
