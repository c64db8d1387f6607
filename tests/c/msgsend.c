/* A System V message producer for the MSGQUEUE example and benchmark (not a check program):
 *
 *   usage: msgsend <key> <count> [size]      sends <count> messages of [size] bytes (default 16,
 *                                            at least 8) with msgsnd(2), types 1..7, to the queue of <key>
 *
 * Waits up to 10 s for the queue to exist, blocks while it is full, exits 0 once all were sent. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s <key> <count> [size]\n", argv[0]);
        return 2;
    }
    key_t key = (key_t)strtoll(argv[1], NULL, 0);
    long count = strtol(argv[2], NULL, 10);
    size_t size = argc > 3 ? strtoul(argv[3], NULL, 10) : 16;
    if (size < 8)
        size = 8;
    int qid = -1;
    for (int i = 0; i < 1000 && (qid = msgget(key, 0)) < 0; i++) {
        struct timespec ts = { 0, 10000000L };
        nanosleep(&ts, NULL);
    }
    if (qid < 0) {
        perror("msgget");
        return 1;
    }
    struct {
        long mtype;
        char mtext[65536];
    } *m = calloc(1, sizeof *m);
    if (m == NULL || size > sizeof m->mtext)
        return 1;
    memset(m->mtext, 'x', size);
    for (long i = 0; i < count; i++) {
        m->mtype = 1 + i % 7;
        snprintf(m->mtext, 8, "%07ld", i % 10000000);
        while (msgsnd(qid, m, size, 0) != 0) {
            if (errno != EINTR) {
                perror("msgsnd");
                return 1;
            }
        }
    }
    return 0;
}
