/* hello_pool: a 3-worker procpool from C.
 *
 * Each worker does a few "jobs" (sums some numbers) and then returns from WorkerStart, so procpool
 * replaces it with a fresh process under the same id. Send SIGTERM (or Ctrl-C) to the manager to
 * stop: every worker finishes its current job, WorkerStop runs, and procpool_pool_start returns.
 *
 * Build (from the repository root, after `cargo build -p procpool-ffi`):
 *   cc -Wall -Wextra -I include examples/c/hello_pool.c -L target/debug -lprocpool \
 *      -Wl,-rpath,"$PWD/target/debug" -o hello_pool
 *   ./hello_pool & sleep 2; kill -TERM $!; wait
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "procpool.h"

#define WORKERS 3
#define JOBS_PER_WORKER 5

struct app {
    const char *name;
};

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
}

static int on_start(void *userdata)
{
    struct app *app = userdata;
    int32_t pid = 0;
    procpool_master_pid(&pid);
    printf("[%s] manager %d: starting %d workers (send SIGTERM to stop)\n", app->name, (int)pid, WORKERS);
    return 0;
}

static int on_worker_start(void *userdata, uint32_t worker_id)
{
    struct app *app = userdata;
    /* Workers start with default signal dispositions: install our own to finish the job in hand. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);

    printf("[%s] worker %u (pid %d) started\n", app->name, worker_id, (int)getpid());
    fflush(stdout);
    for (int job = 1; job <= JOBS_PER_WORKER && !stopping; job++) {
        unsigned long sum = 0;
        for (unsigned long i = 0; i < 1000000UL * (worker_id + 1); i++)
            sum += i % 7;
        printf("[%s] worker %u (pid %d) job %d: sum=%lu\n", app->name, worker_id, (int)getpid(), job, sum);
        fflush(stdout);
        struct timespec pause = { 0, 200 * 1000 * 1000 };
        nanosleep(&pause, NULL);
    }
    /* Returning ends this worker; unless the pool is stopping, a new one takes its id. A non-zero
     * return would say the worker failed: procpool logs it and slows down a worker failing in a loop. */
    return 0;
}

static int on_worker_stop(void *userdata, uint32_t worker_id)
{
    struct app *app = userdata;
    printf("[%s] worker %u (pid %d) stopped\n", app->name, worker_id, (int)getpid());
    return 0;
}

static int on_shutdown(void *userdata)
{
    struct app *app = userdata;
    printf("[%s] shutting down\n", app->name);
    return 0;
}

static int fail(const char *what, procpool_result rc)
{
    char msg[256];
    procpool_last_error_message(msg, sizeof msg);
    fprintf(stderr, "%s failed: %s: %s\n", what, procpool_result_name(rc), msg);
    return 1;
}

int main(void)
{
    struct app app = { "hello_pool" };
    setvbuf(stdout, NULL, _IOLBF, 0); /* one line at a time, also when stdout is a file or a pipe */
    /* The library loaded must be the one this program was compiled for. */
    if (procpool_abi_version() != PROCPOOL_ABI_VERSION) {
        fprintf(stderr, "libprocpool %s has ABI %u; this program was built for procpool %d.%d.%d, ABI %d\n",
                procpool_version(), (unsigned)procpool_abi_version(), PROCPOOL_VERSION_MAJOR, PROCPOOL_VERSION_MINOR,
                PROCPOOL_VERSION_PATCH, PROCPOOL_ABI_VERSION);
        return 1;
    }
    procpool_pool *pool = NULL;
    procpool_result rc = procpool_pool_new(WORKERS, PROCPOOL_IPC_NONE, &pool);
    if (rc != PROCPOOL_OK)
        return fail("procpool_pool_new", rc);

    procpool_pool_set_max_wait_time(pool, 5.0);
    procpool_pool_on_start(pool, on_start, &app);
    procpool_pool_on_worker_start(pool, on_worker_start, &app);
    procpool_pool_on_worker_stop(pool, on_worker_stop, &app);
    procpool_pool_on_shutdown(pool, on_shutdown, &app);

    printf("procpool %s\n", procpool_version());
    rc = procpool_pool_start(pool); /* blocks until SIGTERM; workers never return from here */
    if (rc != PROCPOOL_OK) {
        fail("procpool_pool_start", rc);
        procpool_pool_free(pool);
        return 1;
    }
    printf("[%s] pool stopped\n", app.name);
    procpool_pool_free(pool);
    return 0;
}
