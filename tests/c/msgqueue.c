/* PROCPOOL_IPC_MSGQUEUE from C, end to end, checking its own facts:
 *   - the API's errors: procpool_queue_push/procpool_queue_pop outside a worker, NULL arguments, the
 *     msgqueue settings on a non-MSGQUEUE pool, a key that does not fit in key_t, permissions above
 *     0777, starting a MSGQUEUE pool with neither a Message nor a WorkerStart callback;
 *   - a 2-worker pool with a Message callback on a keyed queue: 200 messages are queued by this
 *     program before procpool_pool_start, 200 more are sent by a double-forked producer (not the
 *     manager's child) once the pool runs; each is handled exactly once, then a worker calls
 *     procpool_manager_shutdown; the keyed queue is still there afterwards (and is then removed
 *     here);
 *   - a 2-worker pool on a private queue (key 0) with no Message callback: worker 0 pushes 20
 *     messages with procpool_queue_push and both workers take them with procpool_queue_pop into a
 *     16-byte buffer (each message is 40 bytes: cut to 16); every message is popped exactly once;
 *     SIGTERM at shutdown makes procpool_queue_pop return PROCPOOL_ERR_INTERRUPTED;
 *     procpool_queue_push refuses a message above PROCPOOL_MSGQUEUE_MAX_MESSAGE (and one above the
 *     system's msgmax with PROCPOOL_ERR_SYSTEM); the queue is created with mode 0600 and removed
 *     when the pool ends.
 * Facts are printed as "check ..." lines (stable); other lines are for humans. Every check on what
 * workers saw is made by the main program after procpool_pool_start returned, from shared memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

#define WORKERS 2
#define EARLY 200          /* queued before start */
#define TOTAL 400          /* EARLY + those of the double-forked producer */
#define PUSHED 20
#define PUSH_LEN 40
#define POP_CAP 16

struct shared {
    /* the Message pool */
    int handled[TOTAL];
    int total_handled, bad_messages, starts, stops, write_state;
    /* the push/pop pool */
    int popped[PUSHED];
    int pop_total, pop_bad_len, pop_interrupted, pop_other_error, pushed_flag, push_errors;
    int push_too_big, push_over_msgmax, msgmax;
    int queue_id, queue_perms, queue_found;
};

static struct shared *sh;

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

struct text_msg {
    long mtype;
    char mtext[64];
};

/* msgsnd with IPC_NOWAIT, retried while the queue is full, for at most 10 s. */
static int send_text(int qid, long mtype, const char *text)
{
    struct text_msg m = { mtype, { 0 } };
    size_t len = strlen(text);
    memcpy(m.mtext, text, len);
    for (int i = 0; i < 10000; i++) {
        if (msgsnd(qid, &m, len, IPC_NOWAIT) == 0)
            return 0;
        if (errno != EAGAIN && errno != EINTR)
            return -1;
        sleep_ms(1);
    }
    return -1;
}

/* ---- the Message pool ---- */

static int on_worker_start(void *userdata, uint32_t id)
{
    (void)userdata;
    (void)id;
    __atomic_add_fetch(&sh->starts, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static int on_worker_stop(void *userdata, uint32_t id)
{
    (void)userdata;
    (void)id;
    __atomic_add_fetch(&sh->stops, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static int on_message(void *userdata, const uint8_t *data, size_t len)
{
    (void)userdata;
    char text[16] = { 0 };
    int index = -1;
    if (len > 1 && len < sizeof text) {
        memcpy(text, data, len);
        if (text[0] == 'm')
            index = atoi(text + 1);
    }
    if (index < 0 || index >= TOTAL) {
        __atomic_add_fetch(&sh->bad_messages, 1, __ATOMIC_SEQ_CST);
        return 0;
    }
    /* procpool_request_write is for SOCKET requests only. */
    if (procpool_request_write(data, len) == PROCPOOL_ERR_STATE)
        __atomic_store_n(&sh->write_state, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&sh->handled[index], 1, __ATOMIC_SEQ_CST);
    if (__atomic_add_fetch(&sh->total_handled, 1, __ATOMIC_SEQ_CST) == TOTAL)
        procpool_manager_shutdown();
    return 0;
}

/* The producer: forked twice so that it is not the manager's child; sends m200 .. m399. */
static void spawn_producer(int qid)
{
    pid_t child = fork();
    if (child == 0) {
        if (fork() == 0) {
            sleep_ms(200);
            for (int i = EARLY; i < TOTAL; i++) {
                char text[16];
                snprintf(text, sizeof text, "m%d", i);
                if (send_text(qid, 1 + i % 4, text) != 0)
                    _exit(1);
            }
            _exit(0);
        }
        _exit(0);
    }
    waitpid(child, NULL, 0);
}

static void message_pool(void)
{
    key_t key = (key_t)(0x52000000 | ((getpid() & 0xffff) << 4));
    int stale = msgget(key, 0);
    if (stale >= 0)
        msgctl(stale, IPC_RMID, NULL);
    int qid = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
    check("keyed_queue_created_by_the_test", qid >= 0);
    int sent = 0;
    for (int i = 0; i < EARLY; i++) {
        char text[16];
        snprintf(text, sizeof text, "m%d", i);
        sent += send_text(qid, 1 + i % 3, text) == 0;
    }
    check("early_messages_queued", sent == EARLY);

    procpool_pool *pool = NULL;
    check_result("msgqueue_new", procpool_pool_new(WORKERS, PROCPOOL_IPC_MSGQUEUE, &pool), PROCPOOL_OK, NULL);
    check_result("set_msgqueue_key", procpool_pool_set_msgqueue_key(pool, key), PROCPOOL_OK, NULL);
    check_result("set_max_wait_time", procpool_pool_set_max_wait_time(pool, 3), PROCPOOL_OK, NULL);
    procpool_pool_on_worker_start(pool, on_worker_start, NULL);
    procpool_pool_on_worker_stop(pool, on_worker_stop, NULL);
    procpool_pool_on_message(pool, on_message, NULL);
    spawn_producer(qid);
    procpool_result rc = procpool_pool_start(pool);
    check_result("message_pool_start_returns_ok", rc, PROCPOOL_OK, NULL);
    procpool_pool_free(pool);

    int once = 1;
    for (int i = 0; i < TOTAL; i++)
        if (sh->handled[i] != 1) {
            if (once)
                printf("  message m%d handled %d times\n", i, sh->handled[i]);
            once = 0;
        }
    printf("event handled %d messages\n", sh->total_handled);
    check("every_message_handled_exactly_once", once && sh->total_handled == TOTAL && sh->bad_messages == 0);
    check("worker_start_and_stop_once_per_worker", sh->starts == WORKERS && sh->stops == WORKERS);
    check("write_in_msgqueue_message_is_state", sh->write_state == 1);
    struct msqid_ds ds;
    check("keyed_queue_survives_the_pool", msgget(key, 0) == qid && msgctl(qid, IPC_STAT, &ds) == 0 && ds.msg_qnum == 0);
    msgctl(qid, IPC_RMID, NULL);
}

/* ---- the push/pop pool (private queue, no Message callback) ---- */

/* The key-0 queue whose last sender is this process, from /proc/sysvipc/msg. */
static void find_own_queue(void)
{
    FILE *f = fopen("/proc/sysvipc/msg", "r");
    if (f == NULL)
        return;
    char line[512];
    if (fgets(line, sizeof line, f) == NULL) {
        fclose(f);
        return;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        long key;
        int msqid, lspid, lrpid;
        unsigned perms;
        unsigned long cbytes, qnum;
        if (sscanf(line, "%ld %d %o %lu %lu %d %d", &key, &msqid, &perms, &cbytes, &qnum, &lspid, &lrpid) == 7 &&
            key == 0 && lspid == getpid()) {
            sh->queue_id = msqid;
            sh->queue_perms = (int)perms;
            sh->queue_found = 1;
        }
    }
    fclose(f);
}

static int pop_worker_start(void *userdata, uint32_t id)
{
    (void)userdata;
    if (id == 0 && __atomic_exchange_n(&sh->pushed_flag, 1, __ATOMIC_SEQ_CST) == 0) {
        static uint8_t big[PROCPOOL_MSGQUEUE_MAX_MESSAGE + 1];
        sh->push_too_big = procpool_queue_push(big, sizeof big);
        if (sh->msgmax > 0 && sh->msgmax < PROCPOOL_MSGQUEUE_MAX_MESSAGE)
            sh->push_over_msgmax = procpool_queue_push(big, (size_t)sh->msgmax + 1);
        for (int i = 0; i < PUSHED; i++) {
            char text[PUSH_LEN + 1];
            snprintf(text, sizeof text, "p%03d-%035d", i, 0);
            if (procpool_queue_push((const uint8_t *)text, PUSH_LEN) != PROCPOOL_OK)
                __atomic_add_fetch(&sh->push_errors, 1, __ATOMIC_SEQ_CST);
        }
        find_own_queue();
    }
    for (;;) {
        uint8_t buf[POP_CAP];
        size_t len = 12345;
        procpool_result rc = procpool_queue_pop(buf, sizeof buf, &len);
        if (rc == PROCPOOL_ERR_INTERRUPTED) {
            __atomic_add_fetch(&sh->pop_interrupted, 1, __ATOMIC_SEQ_CST);
            return 0;
        }
        if (rc != PROCPOOL_OK) {
            __atomic_add_fetch(&sh->pop_other_error, 1, __ATOMIC_SEQ_CST);
            return 0;
        }
        int index = -1;
        if (len == POP_CAP && buf[0] == 'p' && buf[4] == '-')
            index = (buf[1] - '0') * 100 + (buf[2] - '0') * 10 + (buf[3] - '0');
        if (index < 0 || index >= PUSHED) {
            __atomic_add_fetch(&sh->pop_bad_len, 1, __ATOMIC_SEQ_CST);
            continue;
        }
        __atomic_add_fetch(&sh->popped[index], 1, __ATOMIC_SEQ_CST);
        if (__atomic_add_fetch(&sh->pop_total, 1, __ATOMIC_SEQ_CST) == PUSHED)
            procpool_manager_shutdown();
    }
    return 0;
}

static void pop_pool(void)
{
    FILE *f = fopen("/proc/sys/kernel/msgmax", "r");
    if (f != NULL) {
        if (fscanf(f, "%d", &sh->msgmax) != 1)
            sh->msgmax = 0;
        fclose(f);
    }
    procpool_pool *pool = NULL;
    check_result("pop_pool_new", procpool_pool_new(WORKERS, PROCPOOL_IPC_MSGQUEUE, &pool), PROCPOOL_OK, NULL);
    check_result("set_msgqueue_key_private", procpool_pool_set_msgqueue_key(pool, 0), PROCPOOL_OK, NULL);
    procpool_pool_set_max_wait_time(pool, 2);
    procpool_pool_on_worker_start(pool, pop_worker_start, NULL);
    check_result("pop_pool_start_returns_ok", procpool_pool_start(pool), PROCPOOL_OK, NULL);
    procpool_pool_free(pool);

    int once = 1;
    for (int i = 0; i < PUSHED; i++)
        once = once && sh->popped[i] == 1;
    printf("event popped %d, interrupted %d, bad %d, errors %d\n", sh->pop_total, sh->pop_interrupted,
           sh->pop_bad_len, sh->pop_other_error);
    check("push_ok", sh->push_errors == 0);
    check("push_above_max_message_is_invalid", sh->push_too_big == PROCPOOL_ERR_INVALID_ARGUMENT);
    check("push_above_msgmax_is_system_error",
          sh->msgmax >= PROCPOOL_MSGQUEUE_MAX_MESSAGE || sh->push_over_msgmax == PROCPOOL_ERR_SYSTEM);
    check("every_pushed_message_popped_once_cut_to_cap", once && sh->pop_total == PUSHED && sh->pop_bad_len == 0);
    check("pop_interrupted_by_sigterm", sh->pop_interrupted >= 1 && sh->pop_other_error == 0);
    check("private_queue_found_with_mode_0600", sh->queue_found && sh->queue_perms == 0600);
    struct msqid_ds ds;
    check("private_queue_removed", sh->queue_found && msgctl(sh->queue_id, IPC_STAT, &ds) == -1 &&
                                       (errno == EINVAL || errno == EIDRM));
}

/* ---- the API's errors ---- */

static void errors(void)
{
    uint8_t buf[8];
    size_t len = 0;
    check_result("push_outside_worker", procpool_queue_push((const uint8_t *)"x", 1), PROCPOOL_ERR_STATE, "worker");
    check_result("pop_outside_worker", procpool_queue_pop(buf, sizeof buf, &len), PROCPOOL_ERR_STATE, "worker");
    check_result("pop_null_len_out", procpool_queue_pop(buf, sizeof buf, NULL), PROCPOOL_ERR_NULL, "len_out");
    check_result("pop_null_buf", procpool_queue_pop(NULL, 8, &len), PROCPOOL_ERR_NULL, "buf");
    check("interrupted_code_name", PROCPOOL_ERR_INTERRUPTED == 8 &&
                                       strcmp(procpool_result_name(8), "PROCPOOL_ERR_INTERRUPTED") == 0);

    procpool_pool *none = NULL;
    procpool_pool_new(1, PROCPOOL_IPC_NONE, &none);
    check_result("key_on_none_pool", procpool_pool_set_msgqueue_key(none, 1234), PROCPOOL_ERR_STATE, "MSGQUEUE");
    check_result("permissions_on_none_pool", procpool_pool_set_msgqueue_permissions(none, 0600), PROCPOOL_ERR_STATE,
                 "MSGQUEUE");
    procpool_pool_free(none);

    procpool_pool *pool = NULL;
    procpool_pool_new(1, PROCPOOL_IPC_MSGQUEUE, &pool);
    check_result("key_null_pool", procpool_pool_set_msgqueue_key(NULL, 1), PROCPOOL_ERR_NULL, NULL);
    check_result("key_too_large", procpool_pool_set_msgqueue_key(pool, 1LL << 40), PROCPOOL_ERR_INVALID_ARGUMENT,
                 "key");
    check_result("key_32_bit_pattern", procpool_pool_set_msgqueue_key(pool, 0xDEADBEEFLL), PROCPOOL_OK, NULL);
    check_result("permissions_above_0777", procpool_pool_set_msgqueue_permissions(pool, 01000),
                 PROCPOOL_ERR_INVALID_ARGUMENT, "0777");
    check_result("permissions_0660", procpool_pool_set_msgqueue_permissions(pool, 0660), PROCPOOL_OK, NULL);
    check_result("start_without_callbacks", procpool_pool_start(pool), PROCPOOL_ERR_STATE, "Message");
    procpool_pool_free(pool);
}

int main(void)
{
    check_init();
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    memset(sh, 0, sizeof *sh);
    errors();
    message_pool();
    pop_pool();
    /* No child is left (the producer exited; every worker was reaped). */
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    return check_summary("msgqueue");
}
