/* The int that callbacks return (0 = ok, anything else = failed), end to end:
 *   - a 1-worker PROCPOOL_IPC_NONE pool whose WorkerStart returns 1 at once, for 2 s (a helper
 *     process then sends SIGTERM to the manager): the manager's crash-loop guard counts each failed
 *     WorkerStart, so the worker is respawned with a growing delay: a handful of starts, not the
 *     hundreds of an unguarded fork loop. Each failure is logged on stderr with a warning naming the
 *     worker and the callback; WorkerStop still runs after it. The same pool's Start, WorkerStop and
 *     Shutdown callbacks return 2, 4 and 3: each is logged, nothing else changes (the pool starts,
 *     shuts down, procpool_pool_start returns PROCPOOL_OK);
 *   - the control: the same pool whose WorkerStart returns 0 is respawned at once (many starts in
 *     0.5 s), so the return value is what slows the failing one down;
 *   - a 1-worker PROCPOOL_IPC_UNIXSOCK pool: the manager sends 3 messages; the Message callback
 *     returns 5 for the first: logged, and the same worker goes on to the next two, the last of
 *     which shuts the pool down; then the same with PROCPOOL_LOG_OFF: nothing is logged.
 * stderr is captured in a temporary file (workers inherit it) and read back after each run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

struct shared {
    int starts, stops, messages, message_workers_started;
    int worker_start_status; /* what WorkerStart returns */
};

static struct shared *sh;
static char stderr_path[] = "/tmp/procpool-callbacks-XXXXXX";
static int saved_stderr = -1;

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- stderr capture ---- */

static void capture_stderr(void)
{
    fflush(stderr);
    int fd = open(stderr_path, O_WRONLY | O_TRUNC | O_APPEND);
    if (fd < 0 || (saved_stderr = dup(2)) < 0 || dup2(fd, 2) < 0) {
        perror("capturing stderr");
        _exit(2);
    }
    close(fd);
}

/* Restores stderr; returns what was written to it (static buffer), and echoes it for humans. */
static const char *captured_stderr(void)
{
    static char text[1 << 16];
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    FILE *f = fopen(stderr_path, "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    printf("---- stderr:\n%s----\n", text);
    return text;
}

static int count_of(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

/* Forks a process (not a child of this one, so the manager never sees it) that sends SIGTERM to
 * this process after `ms` milliseconds. */
static void sigterm_me_after(long ms)
{
    pid_t manager = getpid();
    pid_t mid = fork();
    if (mid == 0) {
        if (fork() == 0) {
            sleep_ms(ms);
            kill(manager, SIGTERM);
            _exit(0);
        }
        _exit(0);
    }
    waitpid(mid, NULL, 0);
}

/* ---- the IPC_NONE pool ---- */

static int on_start(void *userdata)
{
    (void)userdata;
    return 2;
}

static int on_shutdown(void *userdata)
{
    (void)userdata;
    return 3;
}

static int on_worker_start(void *userdata, uint32_t id)
{
    (void)userdata;
    (void)id;
    __atomic_add_fetch(&sh->starts, 1, __ATOMIC_SEQ_CST);
    return sh->worker_start_status;
}

static int on_worker_stop(void *userdata, uint32_t id)
{
    (void)userdata;
    (void)id;
    __atomic_add_fetch(&sh->stops, 1, __ATOMIC_SEQ_CST);
    return sh->worker_start_status == 0 ? 0 : 4;
}

/* Runs the pool for `ms` milliseconds; returns procpool_pool_start's result. */
static procpool_result run_none_pool(int worker_start_status, long ms)
{
    memset(sh, 0, sizeof *sh);
    sh->worker_start_status = worker_start_status;
    procpool_pool *pool = NULL;
    procpool_pool_new(1, PROCPOOL_IPC_NONE, &pool);
    procpool_pool_set_max_wait_time(pool, 2);
    procpool_pool_on_start(pool, on_start, NULL);
    procpool_pool_on_worker_start(pool, on_worker_start, NULL);
    procpool_pool_on_worker_stop(pool, on_worker_stop, NULL);
    procpool_pool_on_shutdown(pool, on_shutdown, NULL);
    sigterm_me_after(ms);
    procpool_result rc = procpool_pool_start(pool);
    procpool_pool_free(pool);
    return rc;
}

static void crash_loop(void)
{
    char line[160];
    capture_stderr();
    procpool_result rc = run_none_pool(1, 2000);
    const char *err = captured_stderr();
    int starts = sh->starts, stops = sh->stops;
    printf("event failing WorkerStart: %d starts, %d stops in 2 s\n", starts, stops);
    check_result("failing_pool_start_returned_ok", rc, PROCPOOL_OK, NULL);
    check("failing_worker_start_slowed_down_by_crash_loop_guard", starts >= 3 && starts <= 20);
    check("worker_stop_ran_after_each_failed_worker_start", stops >= starts - 1 && stops <= starts);
    int logged = count_of(err, "]\tWARNING\tworker#0: the WorkerStart callback failed (returned 1)\n");
    check("each_failed_worker_start_logged_naming_worker_and_callback", logged >= starts - 1 && logged <= starts);
    check("failed_worker_stop_logged", count_of(err, "\tworker#0: the WorkerStop callback failed (returned 4)") >= 1);
    snprintf(line, sizeof line, " $%d.-1]\tWARNING\tthe Start callback failed (returned 2)", (int)getpid());
    check("failed_start_logged_by_manager", count_of(err, line) == 1);
    snprintf(line, sizeof line, " $%d.-1]\tWARNING\tthe Shutdown callback failed (returned 3)", (int)getpid());
    check("failed_shutdown_logged_by_manager", count_of(err, line) == 1);

    /* The control: the same pool with a WorkerStart that succeeds is respawned at once. */
    capture_stderr();
    rc = run_none_pool(0, 500);
    err = captured_stderr();
    printf("event succeeding WorkerStart: %d starts in 0.5 s\n", sh->starts);
    check_result("succeeding_pool_start_returned_ok", rc, PROCPOOL_OK, NULL);
    check("succeeding_worker_start_respawned_at_once", sh->starts > 20 && sh->starts > starts);
    check("succeeding_worker_start_not_logged", count_of(err, "WorkerStart callback failed") == 0);
}

/* ---- the UNIXSOCK pool ---- */

static int send_three(void *userdata)
{
    (void)userdata;
    for (int i = 0; i < 3; i++)
        procpool_message_send((const uint8_t *)"m", 1, 0);
    return 0;
}

static int count_start(void *userdata, uint32_t id)
{
    (void)userdata;
    (void)id;
    __atomic_add_fetch(&sh->message_workers_started, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static int on_message(void *userdata, const uint8_t *data, size_t len)
{
    (void)userdata;
    (void)data;
    (void)len;
    int n = __atomic_add_fetch(&sh->messages, 1, __ATOMIC_SEQ_CST);
    if (n == 3)
        procpool_manager_shutdown();
    return n == 1 ? 5 : 0;
}

static void message_pool(int log_off)
{
    const char *p = log_off ? "log_off" : "log_warning";
    char name[128];
#define NAME(s) (snprintf(name, sizeof name, "%s_%s", p, s), name)
    memset(sh, 0, sizeof *sh);
    procpool_pool *pool = NULL;
    procpool_pool_new(1, PROCPOOL_IPC_UNIXSOCK, &pool);
    procpool_pool_set_max_wait_time(pool, 2);
    if (log_off)
        procpool_pool_set_log_level(pool, PROCPOOL_LOG_OFF);
    procpool_pool_on_start(pool, send_three, NULL);
    procpool_pool_on_worker_start(pool, count_start, NULL);
    procpool_pool_on_message(pool, on_message, NULL);
    capture_stderr();
    procpool_result rc = procpool_pool_start(pool);
    const char *err = captured_stderr();
    procpool_pool_free(pool);
    check_result(NAME("message_pool_start_returned_ok"), rc, PROCPOOL_OK, NULL);
    check(NAME("worker_went_on_after_failed_message"), sh->messages == 3 && sh->message_workers_started == 1);
    int logged = count_of(err, ".0]\tWARNING\tworker#0: the Message callback failed (returned 5)\n");
    check(NAME("failed_message_logged_per_log_level"), logged == (log_off ? 0 : 1));
#undef NAME
}

int main(void)
{
    check_init();
    unsetenv("PROCPOOL_LOG"); /* the levels under test are the pools' own */
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    int fd = mkstemp(stderr_path);
    if (fd < 0) {
        perror("mkstemp");
        return 2;
    }
    close(fd);

    crash_loop();
    message_pool(0);
    message_pool(1);

    unlink(stderr_path);
    return check_summary("callbacks");
}
