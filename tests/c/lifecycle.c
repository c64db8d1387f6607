/* A 2-worker IPC_NONE pool through two respawns and a SIGTERM shutdown, checking its own facts:
 *   - worker 0's first WorkerStart returns: WorkerStop runs, it is replaced (same id, new pid);
 *   - worker 0's replacement SIGKILLs worker 1: it is replaced (same id, new pid), no WorkerStop;
 *   - worker 1's replacement installs a SIGTERM handler and sends SIGTERM to the manager: Shutdown
 *     runs, the workers get SIGTERM, worker 1 returns from WorkerStart so its WorkerStop runs;
 *   - procpool_pool_start returns PROCPOOL_OK, no child is left (waitpid gives ECHILD), the signal
 *     mask is restored.
 * Events are printed as "event ..." lines (with pids); facts as "check ..." lines (stable). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

#define WORKERS 2

/* Shared by the manager and every worker (MAP_SHARED, made before start). */
struct facts {
    int seq;                    /* event counter, to check ordering */
    int start_calls, start_seq, shutdown_calls, shutdown_seq;
    int first_worker_seq;
    int starts[WORKERS];        /* WorkerStart runs per id */
    int stops[WORKERS];         /* WorkerStop runs per id */
    int pids[WORKERS][4];       /* pid of each run of each id */
    int stop_pid[WORKERS];
    int worker_context_bad;     /* context functions that gave a wrong answer in a worker */
};

static volatile sig_atomic_t term_seen;

static void on_term(int sig)
{
    (void)sig;
    term_seen = 1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int next_seq(struct facts *f)
{
    return __atomic_add_fetch(&f->seq, 1, __ATOMIC_SEQ_CST);
}

static int on_start(void *userdata)
{
    struct facts *f = userdata;
    uint32_t id = 12345;
    int32_t master = 0;
    f->start_calls++;
    f->start_seq = next_seq(f);
    /* In the manager: a master pid (ours), but no worker id. */
    if (procpool_master_pid(&master) != PROCPOOL_OK || master != getpid())
        f->worker_context_bad++;
    if (procpool_worker_id(&id) != PROCPOOL_ERR_STATE || id != 12345)
        f->worker_context_bad++;
    printf("event start manager=%d\n", (int)getpid());
    return 0;
}

static int on_shutdown(void *userdata)
{
    struct facts *f = userdata;
    f->shutdown_calls++;
    f->shutdown_seq = next_seq(f);
    printf("event shutdown\n");
    return 0;
}

static int on_worker_start(void *userdata, uint32_t id)
{
    struct facts *f = userdata;
    int run = __atomic_fetch_add(&f->starts[id], 1, __ATOMIC_SEQ_CST);
    int seq = next_seq(f);
    int expected = 0;
    __atomic_compare_exchange_n(&f->first_worker_seq, &expected, seq, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    if (run < 4)
        f->pids[id][run] = getpid();
    printf("event worker_start id=%u run=%d pid=%d\n", id, run, (int)getpid());

    /* The context functions answer for this process. */
    uint32_t wid = 12345;
    int32_t master = -1, pid = -1;
    if (procpool_worker_id(&wid) != PROCPOOL_OK || wid != id)
        __atomic_add_fetch(&f->worker_context_bad, 1, __ATOMIC_SEQ_CST);
    if (procpool_master_pid(&master) != PROCPOOL_OK || master != getppid())
        __atomic_add_fetch(&f->worker_context_bad, 1, __ATOMIC_SEQ_CST);
    if (procpool_worker_pid(id, &pid) != PROCPOOL_OK || pid != getpid())
        __atomic_add_fetch(&f->worker_context_bad, 1, __ATOMIC_SEQ_CST);

    if (id == 0 && run == 0)
        return 0; /* IPC_NONE: returning ends the worker; WorkerStop runs, a replacement is forked */
    if (id == 0 && run == 1) {
        /* Kill worker 1's first process once it is up; then wait for the shutdown's SIGTERM. */
        for (int i = 0; i < 1000 && __atomic_load_n(&f->pids[1][0], __ATOMIC_SEQ_CST) == 0; i++)
            sleep_ms(10);
        int victim = __atomic_load_n(&f->pids[1][0], __ATOMIC_SEQ_CST);
        if (victim > 0) {
            printf("event kill worker=1 pid=%d signal=SIGKILL\n", victim);
            kill(victim, SIGKILL);
        }
        for (;;)
            pause(); /* default SIGTERM disposition: dies of it at shutdown, no WorkerStop */
    }
    if (id == 1 && run == 1) {
        /* The replacement: its slot now shows its own pid to every process. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_term;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        printf("event sigterm manager=%d\n", (int)master);
        kill(master, SIGTERM);
        for (int i = 0; i < 1000 && !term_seen; i++)
            sleep_ms(10);
        return 0; /* WorkerStop runs */
    }
    /* Worker 1's first run, or anything unexpected: sleep until killed. */
    for (;;)
        pause();
}

static int on_worker_stop(void *userdata, uint32_t id)
{
    struct facts *f = userdata;
    __atomic_add_fetch(&f->stops[id], 1, __ATOMIC_SEQ_CST);
    f->stop_pid[id] = getpid();
    printf("event worker_stop id=%u pid=%d\n", id, (int)getpid());
    return 0;
}

int main(void)
{
    check_init();
    struct facts *f = mmap(NULL, sizeof *f, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (f == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    memset(f, 0, sizeof *f);

    procpool_pool *pool = NULL;
    check_result("pool_new", procpool_pool_new(WORKERS, PROCPOOL_IPC_NONE, &pool), PROCPOOL_OK, NULL);
    if (pool == NULL)
        return 1;
    check_result("set_max_wait_time", procpool_pool_set_max_wait_time(pool, 5.0), PROCPOOL_OK, NULL);
    check_result("on_start", procpool_pool_on_start(pool, on_start, f), PROCPOOL_OK, NULL);
    check_result("on_worker_start", procpool_pool_on_worker_start(pool, on_worker_start, f), PROCPOOL_OK, NULL);
    check_result("on_worker_stop", procpool_pool_on_worker_stop(pool, on_worker_stop, f), PROCPOOL_OK, NULL);
    check_result("on_shutdown", procpool_pool_on_shutdown(pool, on_shutdown, f), PROCPOOL_OK, NULL);

    procpool_result rc = procpool_pool_start(pool);
    printf("event start_returned %s\n", procpool_result_name(rc));
    /* Collect before anything else can reap: nothing may be left to wait for. */
    errno = 0;
    pid_t left = waitpid(-1, NULL, WNOHANG);
    int wait_errno = errno;

    check_result("start_returned_ok_after_sigterm", rc, PROCPOOL_OK, NULL);
    check("start_ran_once_before_any_worker",
          f->start_calls == 1 && f->first_worker_seq > 0 && f->start_seq < f->first_worker_seq);
    check("shutdown_ran_once_after_workers", f->shutdown_calls == 1 && f->shutdown_seq > f->first_worker_seq);
    check("context_functions_right_in_manager_and_workers", f->worker_context_bad == 0);
    check("worker0_replaced_after_return_same_id_new_pid",
          f->starts[0] == 2 && f->pids[0][0] > 0 && f->pids[0][1] > 0 && f->pids[0][0] != f->pids[0][1]);
    check("worker0_stop_ran_after_return", f->stops[0] == 1 && f->stop_pid[0] == f->pids[0][0]);
    check("worker1_replaced_after_sigkill_same_id_new_pid",
          f->starts[1] == 2 && f->pids[1][0] > 0 && f->pids[1][1] > 0 && f->pids[1][0] != f->pids[1][1]);
    check("worker1_stop_ran_once_at_shutdown", f->stops[1] == 1 && f->stop_pid[1] == f->pids[1][1]);
    check("no_respawn_during_shutdown", f->starts[0] + f->starts[1] == 4);
    check("no_child_left_waitpid_echild", left == -1 && wait_errno == ECHILD);
    int32_t pid = 42;
    check_result("master_pid_after_return_is_state_error", procpool_master_pid(&pid), PROCPOOL_ERR_STATE,
                 "no pool is running");
    check("out_param_untouched_on_error", pid == 42);
    sigset_t mask;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    check("signal_mask_restored", !sigismember(&mask, SIGTERM) && !sigismember(&mask, SIGCHLD));

    procpool_pool_free(pool);
    return check_summary("lifecycle");
}
