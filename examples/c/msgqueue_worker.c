/* A PROCPOOL_IPC_MSGQUEUE consumer: counts the messages its workers take from a System V queue.
 *
 *   usage: msgqueue_worker <key> [workers]      (key: decimal or 0x-hex; 0 = a private queue)
 *
 * Producers are other processes: msgsnd(2) on msgget(key, 0) with any non-zero type (PHP's
 * msg_send()). Prints "ready <manager pid> <key>" once the pool runs; on SIGTERM (or Ctrl-C) to the
 * manager, the workers finish the message in hand and stop, and it prints "handled <count>" and exits 0.
 * The keyed queue stays (with any messages not yet taken); remove it with `ipcrm -Q <key>`.
 * Also the consumer of the MSGQUEUE benchmark. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "procpool.h"

/* One counter per process would be lost with the workers: count in shared memory. */
static unsigned long *handled;
static const char *key_text;

static int on_start(void *userdata)
{
    (void)userdata;
    int pid = 0;
    procpool_master_pid(&pid);
    printf("ready %d %s\n", pid, key_text);
    fflush(stdout);
    return 0;
}

static int on_message(void *userdata, const uint8_t *data, size_t len)
{
    (void)userdata;
    (void)data;
    (void)len;
    __atomic_add_fetch(handled, 1, __ATOMIC_RELAXED);
    return 0;
}

static int fail(const char *what, procpool_result rc)
{
    char msg[512];
    procpool_last_error_message(msg, sizeof msg);
    fprintf(stderr, "msgqueue_worker: %s: %s: %s\n", what, procpool_result_name(rc), msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <key> [workers]\n", argv[0]);
        return 2;
    }
    key_text = argv[1];
    long long key = strtoll(argv[1], NULL, 0);
    unsigned workers = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 4;
    handled = mmap(NULL, sizeof *handled, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (handled == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    *handled = 0;

    procpool_pool *pool = NULL;
    procpool_result rc = procpool_pool_new(workers, PROCPOOL_IPC_MSGQUEUE, &pool);
    if (rc != PROCPOOL_OK)
        return fail("procpool_pool_new", rc);
    if ((rc = procpool_pool_set_msgqueue_key(pool, key)) != PROCPOOL_OK)
        return fail("procpool_pool_set_msgqueue_key", rc);
    procpool_pool_on_start(pool, on_start, NULL);
    procpool_pool_on_message(pool, on_message, NULL);
    rc = procpool_pool_start(pool);
    procpool_pool_free(pool);
    if (rc != PROCPOOL_OK)
        return fail("procpool_pool_start", rc);
    printf("handled %lu\n", __atomic_load_n(handled, __ATOMIC_SEQ_CST));
    return 0;
}
