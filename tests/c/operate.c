/* Operating a pool from C: procpool_pool_stats / procpool_pool_worker_stats, the metrics endpoint
 * and the restart policies, end to end:
 *   - before the pool ran: procpool_pool_stats is PROCPOOL_ERR_STATE; NULL and an unset size are refused;
 *   - a 2-worker PROCPOOL_IPC_UNIXSOCK pool with max_request 3 and metrics_listen on a free TCP port:
 *     the Start callback reads the figures in the manager (2 workers), sends 10 messages (5 to each
 *     worker); the worker handling the 10th message reads the figures in the worker and scrapes
 *     GET /metrics over a plain socket (procpool_messages_total 9 must be there: the 10th counts
 *     once it returns), then shuts the
 *     pool down; after procpool_pool_start returned: messages 10, 2 restart-policy exits (each
 *     worker was replaced after its 3rd message), per-worker figures readable, a bad worker id
 *     refused;
 *   - a 1-worker pool with request_timeout 0.5 s whose first message sleeps 3 s: the worker is
 *     SIGKILLed and replaced; the replacement gets the next message (it waited in the socketpair)
 *     and shuts the pool down; the figures count one request_timeout exit. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "check.h"

struct shared {
    int handled;
    int scrape_ok;
    int worker_stats_ok;
    int first_pid;
};

static struct shared *sh;
static procpool_pool *the_pool;
static char metrics_addr[64];

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* A TCP port nobody listens on right now. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("free_port");
        _exit(2);
    }
    close(fd);
    return ntohs(a.sin_port);
}

/* GET /metrics on 127.0.0.1:port; the whole response into buf (NUL-terminated). */
static int scrape(int port, char *buf, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        return -1;
    const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    ssize_t n;
    while (got + 1 < cap && (n = read(fd, buf + got, cap - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = 0;
    close(fd);
    return (int)got;
}

static int port;

static int on_start(void *userdata)
{
    (void)userdata;
    procpool_stats s = { .size = sizeof s };
    check_result("stats_in_manager_ok", procpool_pool_stats(the_pool, &s), PROCPOOL_OK, NULL);
    check("stats_in_manager_workers", s.workers == 2 && s.version == PROCPOOL_STATS_VERSION && s.master_pid == getpid());
    for (int i = 0; i < 10; i++) {
        char msg[16];
        int len = snprintf(msg, sizeof msg, "job %d", i);
        if (procpool_message_send((const uint8_t *)msg, (size_t)len, (uint32_t)(i % 2)) != PROCPOOL_OK)
            printf("  send %d failed\n", i);
    }
    return 0;
}

static int on_message(void *userdata, const uint8_t *data, size_t len)
{
    (void)userdata;
    (void)data;
    (void)len;
    if (__atomic_add_fetch(&sh->handled, 1, __ATOMIC_SEQ_CST) == 10) {
        sleep_ms(50); /* the other worker's last message_ended lands */
        procpool_stats s = { .size = sizeof s };
        procpool_result r = procpool_pool_stats(the_pool, &s);
        /* This 10th message is counted when it returns: 9 are done now. */
        sh->worker_stats_ok = r == PROCPOOL_OK && s.messages == 9 && s.workers == 2;
        printf("  in worker: messages=%llu starts=%llu\n", (unsigned long long)s.messages,
               (unsigned long long)s.worker_starts);
        static char page[65536];
        int n = scrape(port, page, sizeof page);
        sh->scrape_ok = n > 0 && strstr(page, "HTTP/1.1 200 OK") != NULL &&
                        strstr(page, "\nprocpool_messages_total 9\n") != NULL &&
                        strstr(page, "procpool_worker_exits_total{reason=\"restart_policy\"}") != NULL;
        if (!sh->scrape_ok)
            printf("  scrape (%d bytes):\n%.600s\n", n, page);
        procpool_manager_shutdown();
    }
    return 0;
}

static int slow_message(void *userdata, const uint8_t *data, size_t len)
{
    (void)userdata;
    (void)data;
    (void)len;
    if (__atomic_add_fetch(&sh->handled, 1, __ATOMIC_SEQ_CST) == 1) {
        sh->first_pid = getpid();
        sleep_ms(3000); /* killed by request_timeout long before this returns */
        printf("  the slow message was not killed\n");
        return 0;
    }
    procpool_manager_shutdown();
    return 0;
}

static int send_two(void *userdata)
{
    (void)userdata;
    procpool_message_send((const uint8_t *)"slow", 4, 0);
    procpool_message_send((const uint8_t *)"next", 4, 0);
    return 0;
}

int main(void)
{
    check_init();
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return 2;
    memset(sh, 0, sizeof *sh);

    procpool_pool *pool = NULL;
    check_result("new_ok", procpool_pool_new(2, PROCPOOL_IPC_UNIXSOCK, &pool), PROCPOOL_OK, NULL);
    the_pool = pool;
    procpool_stats s = { .size = sizeof s };
    check_result("stats_before_start", procpool_pool_stats(pool, &s), PROCPOOL_ERR_STATE, "not run");
    check_result("stats_null", procpool_pool_stats(pool, NULL), PROCPOOL_ERR_NULL, NULL);
    procpool_stats unsized = { .size = 0 };
    check_result("stats_size_unset", procpool_pool_stats(pool, &unsized), PROCPOOL_ERR_INVALID_ARGUMENT, "size");
    check_result("request_timeout_negative", procpool_pool_set_request_timeout(pool, -1), PROCPOOL_ERR_INVALID_ARGUMENT,
                 "request_timeout");
    check_result("metrics_listen_empty", procpool_pool_set_metrics_listen(pool, ""), PROCPOOL_ERR_INVALID_ARGUMENT,
                 "metrics_listen");

    port = free_port();
    snprintf(metrics_addr, sizeof metrics_addr, "127.0.0.1:%d", port);
    check_result("metrics_listen_ok", procpool_pool_set_metrics_listen(pool, metrics_addr), PROCPOOL_OK, NULL);
    check_result("max_request_ok", procpool_pool_set_max_request(pool, 3), PROCPOOL_OK, NULL);
    procpool_pool_set_log_level(pool, PROCPOOL_LOG_OFF);
    procpool_pool_set_max_wait_time(pool, 5);
    procpool_pool_on_start(pool, on_start, NULL);
    procpool_pool_on_message(pool, on_message, NULL);
    check_result("run_ok", procpool_pool_start(pool), PROCPOOL_OK, NULL);
    check("stats_in_worker", sh->worker_stats_ok);
    check("metrics_scraped_in_worker", sh->scrape_ok);
    check_result("stats_after_run_ok", procpool_pool_stats(pool, &s), PROCPOOL_OK, NULL);
    printf("  after: messages=%llu starts=%llu policy=%llu\n", (unsigned long long)s.messages,
           (unsigned long long)s.worker_starts, (unsigned long long)s.worker_exits[PROCPOOL_EXIT_RESTART_POLICY]);
    check("stats_after_run_messages", s.messages == 10);
    check("stats_after_run_max_request_restarts", s.worker_exits[PROCPOOL_EXIT_RESTART_POLICY] == 2 && s.worker_starts == 4);
    procpool_worker_stats w = { .size = sizeof w };
    check_result("worker_stats_ok", procpool_pool_worker_stats(pool, 1, &w), PROCPOOL_OK, NULL);
    check("worker_stats_fields", w.id == 1 && w.restarts == 1);
    check_result("worker_stats_bad_id", procpool_pool_worker_stats(pool, 7, &w), PROCPOOL_ERR_INVALID_ARGUMENT,
                 "out of range");
    procpool_pool_free(pool);

    /* request_timeout */
    memset(sh, 0, sizeof *sh);
    pool = NULL;
    procpool_pool_new(1, PROCPOOL_IPC_UNIXSOCK, &pool);
    the_pool = pool;
    procpool_pool_set_log_level(pool, PROCPOOL_LOG_OFF);
    check_result("request_timeout_ok", procpool_pool_set_request_timeout(pool, 0.5), PROCPOOL_OK, NULL);
    procpool_pool_on_start(pool, send_two, NULL);
    procpool_pool_on_message(pool, slow_message, NULL);
    time_t t0 = time(NULL);
    check_result("timeout_run_ok", procpool_pool_start(pool), PROCPOOL_OK, NULL);
    check("timeout_run_fast", time(NULL) - t0 < 3);
    check_result("timeout_stats_ok", procpool_pool_stats(pool, &s), PROCPOOL_OK, NULL);
    check("timeout_counted", s.worker_exits[PROCPOOL_EXIT_REQUEST_TIMEOUT] == 1 && s.messages >= 1);
    procpool_pool_free(pool);
    return check_summary("operate");
}
