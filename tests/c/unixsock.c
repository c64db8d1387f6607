/* PROCPOOL_IPC_UNIXSOCK from C, end to end:
 *   - the API's errors: procpool_pool_set_message_bus on a non-UNIXSOCK pool, procpool_message_send /
 *     procpool_worker_pipe_fd with no pool running;
 *   - pool A (3 workers, no bus): the manager's Start callback sends one message to worker 1 and
 *     tries a bad id; worker 0 sends a message to every worker including itself, tries a bad id and
 *     a message too large for one datagram; each worker checks procpool_worker_pipe_fd; every Message
 *     callback checks its bytes; the worker that sees the last message calls procpool_manager_shutdown;
 *   - pool B (2 workers, bus): worker 0 sends a 1000-byte message to itself, an empty one and a
 *     16 MiB one (checksummed) to worker 1; then the shutdown as above;
 *   - after each run: procpool_pool_start returned OK, WorkerStop ran once per worker, no child is
 *     left (waitpid: ECHILD), procpool_message_send is a state error again.
 * What workers see is recorded in shared memory and checked by the manager after the run, so the
 * "check" lines come in a fixed order. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "check.h"

#define BIG (16u << 20)

struct shared {
    int mode_bus;
    int expected;            /* messages expected in this run */
    int received;            /* messages received so far (all workers) */
    int bad_content;         /* a Message callback got bytes it did not expect */
    int per_worker[3];
    int empty_messages;
    int big_ok;
    int worker_stops;
    int mgr_bad_id, mgr_send_ok;
    int w0_bad_id, w0_too_large, w0_sends_ok;
    char too_large_message[512];
    int pipe_fd_ok;
};

static struct shared *sh;

static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Message bytes: the destination id, then (i * 7 + dst) & 0xff. */
static void fill(uint8_t *p, size_t n, uint32_t dst)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)((i * 7 + dst) & 0xff);
    if (n > 0)
        p[0] = (uint8_t)dst;
}

static uint64_t big_sum;

static int on_start(void *ud)
{
    (void)ud;
    uint8_t msg[100];
    fill(msg, sizeof msg, 1);
    if (!sh->mode_bus) {
        sh->mgr_bad_id = procpool_message_send(msg, sizeof msg, 3) == PROCPOOL_ERR_INVALID_ARGUMENT;
        sh->mgr_send_ok = procpool_message_send(msg, sizeof msg, 1) == PROCPOOL_OK;
    }
    return 0;
}

static int on_worker_start(void *ud, uint32_t id)
{
    (void)ud;
    int32_t own = -1, other = -1;
    int ok = procpool_worker_pipe_fd(id, &own) == PROCPOOL_OK && own >= 0 &&
             procpool_worker_pipe_fd((id + 1) % 2, &other) == PROCPOOL_OK && other >= 0 && other != own &&
             procpool_worker_pipe_fd(99, &own) == PROCPOOL_ERR_INVALID_ARGUMENT;
    if (ok)
        __atomic_add_fetch(&sh->pipe_fd_ok, 1, __ATOMIC_SEQ_CST);
    if (id != 0)
        return 0;
    if (!sh->mode_bus) {
        uint8_t msg[100];
        int sent = 0;
        for (uint32_t dst = 0; dst < 3; dst++) {
            fill(msg, sizeof msg, dst);
            sent += procpool_message_send(msg, sizeof msg, dst) == PROCPOOL_OK;
        }
        sh->w0_sends_ok = sent == 3;
        sh->w0_bad_id = procpool_message_send(msg, sizeof msg, 3) == PROCPOOL_ERR_INVALID_ARGUMENT;
        uint8_t *huge = calloc(1, 4u << 20);
        sh->w0_too_large = procpool_message_send(huge, 4u << 20, 1) == PROCPOOL_ERR_INVALID_ARGUMENT;
        procpool_last_error_message(sh->too_large_message, sizeof sh->too_large_message);
        free(huge);
    } else {
        uint8_t small[1000];
        fill(small, sizeof small, 0);
        uint8_t *big = malloc(BIG);
        fill(big, BIG, 1);
        int sent = procpool_message_send(small, sizeof small, 0) == PROCPOOL_OK;
        sent += procpool_message_send(NULL, 0, 1) == PROCPOOL_OK;
        sent += procpool_message_send(big, BIG, 1) == PROCPOOL_OK;
        free(big);
        sh->w0_sends_ok = sent == 3;
    }
    return 0;
}

static int on_message(void *ud, const uint8_t *data, size_t len)
{
    (void)ud;
    uint32_t id = UINT32_MAX;
    procpool_worker_id(&id);
    if (len == 0) {
        __atomic_add_fetch(&sh->empty_messages, 1, __ATOMIC_SEQ_CST);
    } else if (len == BIG) {
        if (fnv(data, len) == big_sum && id == 1)
            sh->big_ok = 1;
    } else {
        uint8_t want[1000];
        size_t n = len < sizeof want ? len : sizeof want;
        fill(want, n, id);
        if (len != (sh->mode_bus ? 1000u : 100u) || memcmp(want, data, n) != 0)
            __atomic_add_fetch(&sh->bad_content, 1, __ATOMIC_SEQ_CST);
    }
    if (id < 3)
        __atomic_add_fetch(&sh->per_worker[id], 1, __ATOMIC_SEQ_CST);
    if (__atomic_add_fetch(&sh->received, 1, __ATOMIC_SEQ_CST) == sh->expected)
        procpool_manager_shutdown();
    return 0;
}

static int on_worker_stop(void *ud, uint32_t id)
{
    (void)ud;
    (void)id;
    __atomic_add_fetch(&sh->worker_stops, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static void run(int bus)
{
    const char *p = bus ? "bus" : "nobus";
    char name[128];
#define NAME(s) (snprintf(name, sizeof name, "%s_%s", p, s), name)
    int workers = bus ? 2 : 3;
    memset(sh, 0, sizeof *sh);
    sh->mode_bus = bus;
    sh->expected = bus ? 3 : 4;
    procpool_pool *pool = NULL;
    check_result(NAME("pool_new"), procpool_pool_new((uint32_t)workers, PROCPOOL_IPC_UNIXSOCK, &pool), PROCPOOL_OK,
                 NULL);
    check_result(NAME("set_message_bus"), procpool_pool_set_message_bus(pool, bus), PROCPOOL_OK, NULL);
    procpool_pool_set_max_wait_time(pool, 5);
    procpool_pool_on_start(pool, on_start, NULL);
    procpool_pool_on_worker_start(pool, on_worker_start, NULL);
    procpool_pool_on_worker_stop(pool, on_worker_stop, NULL);
    procpool_pool_on_message(pool, on_message, NULL);
    check_result(NAME("start_returned_ok"), procpool_pool_start(pool), PROCPOOL_OK, NULL);
    check(NAME("all_messages_received"), sh->received == sh->expected);
    check(NAME("message_contents_right"), sh->bad_content == 0);
    check(NAME("worker0_sends_ok"), sh->w0_sends_ok);
    check(NAME("pipe_fd_in_every_worker"), sh->pipe_fd_ok == workers);
    if (!bus) {
        check(NAME("manager_send_ok"), sh->mgr_send_ok);
        check(NAME("manager_bad_id_invalid"), sh->mgr_bad_id);
        check(NAME("worker_bad_id_invalid"), sh->w0_bad_id);
        printf("  message: %s\n", sh->too_large_message);
        check(NAME("too_large_without_bus_invalid_points_to_the_bus"),
              sh->w0_too_large && strstr(sh->too_large_message, "procpool_pool_set_message_bus") != NULL);
        check(NAME("each_worker_got_its_messages"),
              sh->per_worker[0] == 1 && sh->per_worker[1] == 2 && sh->per_worker[2] == 1);
    } else {
        check(NAME("16mib_message_whole_with_checksum"), sh->big_ok);
        check(NAME("empty_message_delivered"), sh->empty_messages == 1);
        check(NAME("each_worker_got_its_messages"), sh->per_worker[0] == 1 && sh->per_worker[1] == 2);
    }
    check(NAME("worker_stop_ran_once_per_worker"), sh->worker_stops == workers);
    errno = 0;
    check(NAME("no_child_left_waitpid_echild"), waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
    check_result(NAME("send_message_after_return_is_state_error"), procpool_message_send((const uint8_t *)"x", 1, 0),
                 PROCPOOL_ERR_STATE, "UNIXSOCK");
    check_result(NAME("set_message_bus_after_start"), procpool_pool_set_message_bus(pool, true), PROCPOOL_ERR_STATE,
                 NULL);
    procpool_pool_free(pool);
#undef NAME
}

int main(void)
{
    check_init();
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return 2;
    {
        uint8_t *big = malloc(BIG);
        fill(big, BIG, 1);
        big_sum = fnv(big, BIG);
        free(big);
    }

    procpool_pool *none = NULL;
    procpool_pool_new(1, PROCPOOL_IPC_NONE, &none);
    check_result("api_set_message_bus_on_ipc_none", procpool_pool_set_message_bus(none, true), PROCPOOL_ERR_STATE,
                 "PROCPOOL_IPC_UNIXSOCK");
    check_result("api_set_message_bus_null_pool", procpool_pool_set_message_bus(NULL, true), PROCPOOL_ERR_NULL, NULL);
    procpool_pool_free(none);
    check_result("api_send_message_outside_pool", procpool_message_send((const uint8_t *)"x", 1, 0),
                 PROCPOOL_ERR_STATE, "UNIXSOCK");
    check_result("api_send_message_null_data", procpool_message_send(NULL, 5, 0), PROCPOOL_ERR_NULL, NULL);
    int32_t fd = 12345;
    check_result("api_pipe_fd_outside_pool", procpool_worker_pipe_fd(0, &fd), PROCPOOL_ERR_STATE, "UNIXSOCK");
    check("api_pipe_fd_out_untouched", fd == 12345);
    check_result("api_pipe_fd_null_out", procpool_worker_pipe_fd(0, NULL), PROCPOOL_ERR_NULL, NULL);

    run(0);
    run(1);
    return check_summary("unixsock");
}
