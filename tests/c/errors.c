/* Every misuse of the C ABI returns the right code, a useful message, and leaves out-params alone:
 * NULL pointers, bad arguments, context functions outside a pool, a missing WorkerStart, an IPC mode
 * not built yet, changes and re-entrant calls while the pool runs, a second running pool, starting
 * twice, and the last-error buffer rules. Prints one "check" line per fact. */
#define _GNU_SOURCE
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"

static procpool_pool *the_pool;   /* the pool being run, for the checks made inside its callbacks */
static int *worker_runs;          /* shared: WorkerStart runs */

static int noop_pool(void *userdata)
{
    (void)userdata;
    return 0;
}

static int noop_worker(void *userdata, uint32_t id)
{
    (void)userdata;
    (void)id;
    return 0;
}

static void check_outside_pool(const char *when)
{
    char name[128];
    int32_t value = 77;
    uint32_t id = 77;
    snprintf(name, sizeof name, "%s_worker_id_null", when);
    check_result(name, procpool_worker_id(NULL), PROCPOOL_ERR_NULL, "id_out");
    snprintf(name, sizeof name, "%s_worker_id_state", when);
    check_result(name, procpool_worker_id(&id), PROCPOOL_ERR_STATE, "not a worker");
    snprintf(name, sizeof name, "%s_master_pid_state", when);
    check_result(name, procpool_master_pid(&value), PROCPOOL_ERR_STATE, "no pool is running");
    snprintf(name, sizeof name, "%s_master_pid_null", when);
    check_result(name, procpool_master_pid(NULL), PROCPOOL_ERR_NULL, "pid_out");
    snprintf(name, sizeof name, "%s_worker_pid_state", when);
    check_result(name, procpool_worker_pid(0, &value), PROCPOOL_ERR_STATE, "no pool is running");
    snprintf(name, sizeof name, "%s_worker_pid_null", when);
    check_result(name, procpool_worker_pid(0, NULL), PROCPOOL_ERR_NULL, "pid_out");
    snprintf(name, sizeof name, "%s_shutdown_state", when);
    check_result(name, procpool_manager_shutdown(), PROCPOOL_ERR_STATE, "not running");
    snprintf(name, sizeof name, "%s_detach_state", when);
    check_result(name, procpool_worker_detach(), PROCPOOL_ERR_STATE, "not a worker");
    snprintf(name, sizeof name, "%s_stop_state", when);
    check_result(name, procpool_worker_stop(), PROCPOOL_ERR_STATE, "not a worker");
    snprintf(name, sizeof name, "%s_out_params_untouched", when);
    check(name, value == 77 && id == 77);
}

/* In the manager, while the pool runs (before any worker is forked). */
static int on_start(void *userdata)
{
    (void)userdata;
    int32_t value = 77;
    check_result("running_on_start_refused", procpool_pool_on_start(the_pool, noop_pool, NULL),
                 PROCPOOL_ERR_STATE, "running");
    check_result("running_on_worker_stop_refused", procpool_pool_on_worker_stop(the_pool, noop_worker, NULL),
                 PROCPOOL_ERR_STATE, "running");
    check_result("running_set_log_level_refused", procpool_pool_set_log_level(the_pool, PROCPOOL_LOG_INFO),
                 PROCPOOL_ERR_STATE, "running");
    check_result("running_start_again_refused", procpool_pool_start(the_pool), PROCPOOL_ERR_STATE, "running");
    procpool_pool_free(the_pool); /* refused: the pool is running */
    check("running_free_refused_pool_still_usable",
          procpool_last_error_message(NULL, 0) > 0 && procpool_pool_on_start(the_pool, NULL, NULL) == PROCPOOL_ERR_STATE);

    procpool_pool *second = NULL;
    check_result("second_pool_new_ok", procpool_pool_new(1, PROCPOOL_IPC_NONE, &second), PROCPOOL_OK, NULL);
    procpool_pool_on_worker_start(second, noop_worker, NULL);
    check_result("second_pool_start_already_running", procpool_pool_start(second), PROCPOOL_ERR_ALREADY_RUNNING,
                 "already running");
    procpool_pool_free(second);

    uint32_t id = 77;
    check_result("manager_worker_id_state", procpool_worker_id(&id), PROCPOOL_ERR_STATE, "not a worker");
    check_result("manager_detach_state", procpool_worker_detach(), PROCPOOL_ERR_STATE, "not a worker");
    check_result("manager_worker_pid_out_of_range", procpool_worker_pid(1, &value), PROCPOOL_ERR_INVALID_ARGUMENT,
                 "out of range");
    check_result("manager_master_pid_ok", procpool_master_pid(&value), PROCPOOL_OK, NULL);
    check("manager_master_pid_is_self", value == getpid());
    return 0;
}

static int on_worker_start(void *userdata, uint32_t id)
{
    (void)userdata;
    (void)id;
    if (__atomic_fetch_add(worker_runs, 1, __ATOMIC_SEQ_CST) > 0) {
        for (;;)
            pause(); /* the replacement of the detached worker: dies of the shutdown's SIGTERM */
    }
    procpool_pool *other = NULL;
    procpool_pool_new(1, PROCPOOL_IPC_NONE, &other);
    procpool_pool_on_worker_start(other, noop_worker, NULL);
    check_result("worker_other_pool_start_already_running", procpool_pool_start(other),
                 PROCPOOL_ERR_ALREADY_RUNNING, "already running");
    procpool_pool_free(other);
    check_result("worker_on_start_refused", procpool_pool_on_start(the_pool, noop_pool, NULL), PROCPOOL_ERR_STATE,
                 "running");
    int32_t value = 77;
    check_result("worker_worker_pid_out_of_range", procpool_worker_pid(3, &value), PROCPOOL_ERR_INVALID_ARGUMENT,
                 "out of range");
    check_result("worker_stop_ok", procpool_worker_stop(), PROCPOOL_OK, NULL);
    check_result("worker_detach_ok", procpool_worker_detach(), PROCPOOL_OK, NULL);
    check_result("worker_detach_twice_state", procpool_worker_detach(), PROCPOOL_ERR_STATE, "already detached");
    check_result("worker_shutdown_ok", procpool_manager_shutdown(), PROCPOOL_OK, NULL);
    check("worker_out_params_untouched", value == 77);
    return 0;
}

int main(void)
{
    check_init();
    worker_runs = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (worker_runs == MAP_FAILED)
        return 2;
    *worker_runs = 0;

    /* Library facts. */
    check("version_non_empty", procpool_version() != NULL && procpool_version()[0] != '\0');
    {
        char header_version[64];
        snprintf(header_version, sizeof header_version, "%d.%d.%d", PROCPOOL_VERSION_MAJOR, PROCPOOL_VERSION_MINOR,
                 PROCPOOL_VERSION_PATCH);
        printf("  header %s, library %s, ABI %u/%u\n", header_version, procpool_version(),
               (unsigned)PROCPOOL_ABI_VERSION, (unsigned)procpool_abi_version());
        check("version_macros_match_library", strcmp(header_version, procpool_version()) == 0);
    }
    check("abi_version_matches_header", procpool_abi_version() == PROCPOOL_ABI_VERSION && PROCPOOL_ABI_VERSION >= 1);
    check("fixed_width_typedefs", sizeof(procpool_result) == 4 && sizeof(procpool_ipc_mode) == 4 &&
                                      sizeof(procpool_log_level) == 4 && (procpool_result)-1 < 0);
    check("result_name_known", strcmp(procpool_result_name(PROCPOOL_ERR_STATE), "PROCPOOL_ERR_STATE") == 0 &&
                                   strcmp(procpool_result_name(PROCPOOL_OK), "PROCPOOL_OK") == 0);
    check("result_name_unknown", strcmp(procpool_result_name(99), "PROCPOOL_UNKNOWN") == 0 &&
                                     strcmp(procpool_result_name(11), "PROCPOOL_UNKNOWN") == 0 &&
                                     strcmp(procpool_result_name(-1), "PROCPOOL_UNKNOWN") == 0 &&
                                     strcmp(procpool_result_name(INT32_MIN), "PROCPOOL_UNKNOWN") == 0);
    check("result_numbers_stable", PROCPOOL_OK == 0 && PROCPOOL_ERR_NULL == 1 && PROCPOOL_ERR_INVALID_ARGUMENT == 2 &&
                                       PROCPOOL_ERR_STATE == 3 && PROCPOOL_ERR_ALREADY_RUNNING == 4 &&
                                       PROCPOOL_ERR_NOT_SUPPORTED == 5 && PROCPOOL_ERR_SYSTEM == 6 &&
                                       PROCPOOL_ERR_PANIC == 7 && PROCPOOL_ERR_INTERRUPTED == 8 &&
                                       PROCPOOL_ERR_WOULD_BLOCK == 9 && PROCPOOL_ERR_QUEUE_GONE == 10);
    {
        static const struct {
            procpool_result code;
            const char *name;
        } codes[] = {
            { PROCPOOL_OK, "PROCPOOL_OK" },
            { PROCPOOL_ERR_NULL, "PROCPOOL_ERR_NULL" },
            { PROCPOOL_ERR_INVALID_ARGUMENT, "PROCPOOL_ERR_INVALID_ARGUMENT" },
            { PROCPOOL_ERR_STATE, "PROCPOOL_ERR_STATE" },
            { PROCPOOL_ERR_ALREADY_RUNNING, "PROCPOOL_ERR_ALREADY_RUNNING" },
            { PROCPOOL_ERR_NOT_SUPPORTED, "PROCPOOL_ERR_NOT_SUPPORTED" },
            { PROCPOOL_ERR_SYSTEM, "PROCPOOL_ERR_SYSTEM" },
            { PROCPOOL_ERR_PANIC, "PROCPOOL_ERR_PANIC" },
            { PROCPOOL_ERR_INTERRUPTED, "PROCPOOL_ERR_INTERRUPTED" },
            { PROCPOOL_ERR_WOULD_BLOCK, "PROCPOOL_ERR_WOULD_BLOCK" },
            { PROCPOOL_ERR_QUEUE_GONE, "PROCPOOL_ERR_QUEUE_GONE" },
        };
        int named = 1;
        for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
            named = named && strcmp(procpool_result_name(codes[i].code), codes[i].name) == 0;
        check("result_name_of_every_code", named);
    }

    /* procpool_pool_new. */
    procpool_pool *sentinel = (procpool_pool *)&sentinel, *pool = sentinel;
    check_result("new_null_out", procpool_pool_new(2, PROCPOOL_IPC_NONE, NULL), PROCPOOL_ERR_NULL, "pool_out");
    check_result("new_worker_num_0", procpool_pool_new(0, PROCPOOL_IPC_NONE, &pool), PROCPOOL_ERR_INVALID_ARGUMENT,
                 "worker_num");
    check_result("new_worker_num_too_large", procpool_pool_new(1000000, PROCPOOL_IPC_NONE, &pool),
                 PROCPOOL_ERR_INVALID_ARGUMENT, "worker_num");
    check_result("new_ipc_mode_unknown", procpool_pool_new(2, 9, &pool), PROCPOOL_ERR_INVALID_ARGUMENT, "IPC");
    check_result("new_ipc_mode_negative", procpool_pool_new(2, -1, &pool), PROCPOOL_ERR_INVALID_ARGUMENT, "IPC");
    check("new_out_untouched_on_error", pool == sentinel);

    /* The last error message buffer. */
    procpool_pool_new(0, PROCPOOL_IPC_NONE, &pool);
    char small[8];
    memset(small, 'x', sizeof small);
    size_t full = procpool_last_error_message(NULL, 0);
    size_t got = procpool_last_error_message(small, sizeof small);
    check("last_error_truncated_and_terminated", full > 7 && got == full && strlen(small) == 7);
    check("last_error_zero_len_untouched", procpool_last_error_message(small, 0) == full && strlen(small) == 7);
    check_result("last_error_cleared_on_success", procpool_pool_new(2, PROCPOOL_IPC_NONE, &pool), PROCPOOL_OK,
                 NULL);
    check("new_ok_wrote_out", pool != sentinel && pool != NULL);

    /* NULL pool everywhere. */
    check_result("null_set_max_wait_time", procpool_pool_set_max_wait_time(NULL, 1), PROCPOOL_ERR_NULL, "pool");
    check_result("null_set_max_package_size", procpool_pool_set_max_package_size(NULL, 1), PROCPOOL_ERR_NULL,
                 "pool");
    check_result("null_set_log_level", procpool_pool_set_log_level(NULL, 1), PROCPOOL_ERR_NULL, "pool");
    check_result("null_on_start", procpool_pool_on_start(NULL, noop_pool, NULL), PROCPOOL_ERR_NULL, "pool");
    check_result("null_on_worker_start", procpool_pool_on_worker_start(NULL, noop_worker, NULL), PROCPOOL_ERR_NULL,
                 "pool");
    check_result("null_on_worker_stop", procpool_pool_on_worker_stop(NULL, noop_worker, NULL), PROCPOOL_ERR_NULL,
                 "pool");
    check_result("null_on_shutdown", procpool_pool_on_shutdown(NULL, noop_pool, NULL), PROCPOOL_ERR_NULL, "pool");
    check_result("null_start", procpool_pool_start(NULL), PROCPOOL_ERR_NULL, "pool");
    procpool_pool_free(NULL);
    check("null_free_is_noop", 1);

    /* Settings. */
    check_result("max_wait_time_negative", procpool_pool_set_max_wait_time(pool, -1), PROCPOOL_ERR_INVALID_ARGUMENT,
                 "max_wait_time");
    check_result("max_wait_time_nan", procpool_pool_set_max_wait_time(pool, NAN), PROCPOOL_ERR_INVALID_ARGUMENT,
                 "max_wait_time");
    check_result("max_wait_time_infinite", procpool_pool_set_max_wait_time(pool, INFINITY),
                 PROCPOOL_ERR_INVALID_ARGUMENT, "max_wait_time");
    check_result("max_wait_time_zero_ok", procpool_pool_set_max_wait_time(pool, 0), PROCPOOL_OK, NULL);
    check_result("max_wait_time_ok", procpool_pool_set_max_wait_time(pool, 2.5), PROCPOOL_OK, NULL);
    check_result("max_package_size_negative", procpool_pool_set_max_package_size(pool, -5),
                 PROCPOOL_ERR_INVALID_ARGUMENT, "max_package_size");
    check_result("max_package_size_zero", procpool_pool_set_max_package_size(pool, 0), PROCPOOL_ERR_INVALID_ARGUMENT,
                 "max_package_size");
    check_result("max_package_size_ok", procpool_pool_set_max_package_size(pool, 1 << 20), PROCPOOL_OK, NULL);
    check_result("log_level_unknown", procpool_pool_set_log_level(pool, 3), PROCPOOL_ERR_INVALID_ARGUMENT,
                 "log level");
    check_result("log_level_negative", procpool_pool_set_log_level(pool, -1), PROCPOOL_ERR_INVALID_ARGUMENT,
                 "log level");
    check_result("log_level_off_ok", procpool_pool_set_log_level(pool, PROCPOOL_LOG_OFF), PROCPOOL_OK, NULL);

    /* Context functions with no pool running. */
    check_outside_pool("before_start");

    /* Start refused: no WorkerStart (also after one was registered and removed with NULL). */
    check_result("start_without_worker_start", procpool_pool_start(pool), PROCPOOL_ERR_STATE, "WorkerStart");
    procpool_pool_on_worker_start(pool, noop_worker, NULL);
    procpool_pool_on_worker_start(pool, NULL, NULL);
    check_result("start_after_worker_start_removed", procpool_pool_start(pool), PROCPOOL_ERR_STATE, "WorkerStart");

    /* A UNIXSOCK pool needs a Message or a WorkerStart callback. */
    procpool_pool *unixsock = NULL;
    check_result("new_unixsock_ok", procpool_pool_new(2, PROCPOOL_IPC_UNIXSOCK, &unixsock), PROCPOOL_OK, NULL);
    check_result("start_unixsock_without_callbacks", procpool_pool_start(unixsock), PROCPOOL_ERR_STATE,
                 "PROCPOOL_IPC_UNIXSOCK");
    check_result("unixsock_still_configurable", procpool_pool_on_start(unixsock, noop_pool, NULL), PROCPOOL_OK,
                 NULL);
    procpool_pool_free(unixsock);

    /* A real run: misuse from inside the callbacks; a worker detaches and asks for the shutdown. */
    procpool_pool_free(pool);
    pool = NULL;
    procpool_pool_new(1, PROCPOOL_IPC_NONE, &pool);
    procpool_pool_set_log_level(pool, PROCPOOL_LOG_OFF);
    procpool_pool_set_max_wait_time(pool, 5);
    the_pool = pool;
    procpool_pool_on_start(pool, on_start, NULL);
    procpool_pool_on_worker_start(pool, on_worker_start, NULL);
    check_result("run_start_ok", procpool_pool_start(pool), PROCPOOL_OK, NULL);

    /* After start returned: a pool runs once. */
    check_result("after_start_on_start_refused", procpool_pool_on_start(pool, noop_pool, NULL), PROCPOOL_ERR_STATE,
                 "already been started");
    check_result("after_start_on_worker_start_refused", procpool_pool_on_worker_start(pool, noop_worker, NULL),
                 PROCPOOL_ERR_STATE, "already been started");
    check_result("after_start_on_worker_stop_refused", procpool_pool_on_worker_stop(pool, noop_worker, NULL),
                 PROCPOOL_ERR_STATE, "already been started");
    check_result("after_start_on_shutdown_refused", procpool_pool_on_shutdown(pool, noop_pool, NULL),
                 PROCPOOL_ERR_STATE, "already been started");
    check_result("after_start_set_max_wait_time_refused", procpool_pool_set_max_wait_time(pool, 1),
                 PROCPOOL_ERR_STATE, "already been started");
    check_result("start_twice", procpool_pool_start(pool), PROCPOOL_ERR_STATE, "already been started");
    check_outside_pool("after_start");
    procpool_pool_free(pool);

    return check_summary("errors");
}
