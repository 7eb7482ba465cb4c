/*
 * resource_pool.c - a pool of connections whose members are closed on cancellation (REAL
 * clock, about 50 ms).
 *
 * Each connection is a real socket pair. A context group (aiotools actxgroup) opens the three
 * members concurrently: the enter makes the pair and waits 5 ms for a "handshake". A worker
 * pings every member every 10 ms. At 35 ms the main task cancels the worker; the pool's exit
 * then says goodbye on every member - an await that still works although the worker is
 * cancelled, because exits run as managed cleanup (R66) - and closes its sockets. The
 * program checks that every descriptor is closed and exits non-zero otherwise.
 */
#define _POSIX_C_SOURCE 200809L
#include <corral.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define POOL_SIZE 3

typedef struct connection {
    char name[8];
    int fd[2];     /* [0] our end, [1] the peer's; -1 once closed */
    int opened[2]; /* the descriptors as opened, to check they are closed at the end */
} connection;

static void say(const char *fmt, ...)
{
    corral_task *self = corral_current();
    char text[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    corral_log(corral_task_rt(self), corral_task_name(self), text);
}

static int open_connection(corral_task *self, void *ud, corral_value *value)
{
    connection *c = ud;
    (void)value;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->fd) < 0)
        return corral_task_raise(self, "OSError", strerror(errno));
    c->opened[0] = c->fd[0];
    c->opened[1] = c->fd[1];
    int rc = corral_sleep_for(corral_ms(5)); /* the handshake */
    if (rc < 0) {
        close(c->fd[0]); /* an enter that fails cleans up after itself: it is never exited */
        close(c->fd[1]);
        c->fd[0] = c->fd[1] = -1;
        return rc;
    }
    say("%s open", c->name);
    return 0;
}

static int close_connection(corral_task *self, void *ud, int status, corral_error *current)
{
    connection *c = ud;
    (void)self, (void)current;
    ssize_t n = write(c->fd[0], "bye", 3);
    /* Shielded: this sleep completes although the worker was cancelled (R66). */
    int rc = corral_sleep_for(corral_ms(2));
    close(c->fd[0]);
    close(c->fd[1]);
    c->fd[0] = c->fd[1] = -1;
    say("%s closed (%s, goodbye %s)", c->name, status == CORRAL_ECANCELLED ? "cancelled" : "done",
        n == 3 ? "sent" : "lost");
    return rc;
}

static const corral_acm connection_cm = {open_connection, close_connection};

/* One round trip on a member: ping to the peer end, read it back. */
static int ping(connection *c)
{
    char buf[8];
    if (write(c->fd[0], "ping", 4) != 4 || read(c->fd[1], buf, sizeof buf) != 4)
        return corral_task_raise(corral_current(), "OSError", "ping failed");
    return 0;
}

static int worker(corral_task *self, void *arg, corral_value *result)
{
    connection *pool = arg;
    corral_ctxgroup *g;
    int rc;
    (void)self, (void)result;

    if ((rc = corral_ctxgroup_new(&g, corral_task_rt(self))) < 0)
        return rc;
    for (int i = 0; i < POOL_SIZE && rc == 0; i++)
        rc = corral_ctxgroup_add(g, &connection_cm, &pool[i]);
    if (rc == 0)
        rc = corral_ctxgroup_enter(g, 0); /* all members open concurrently */
    if (rc == 0)
        say("pool ready");
    for (int round = 1; rc == 0; round++) {
        for (int i = 0; i < POOL_SIZE && rc == 0; i++)
            rc = ping(&pool[i]);
        if (rc == 0) {
            say("round %d: %d pings", round, POOL_SIZE);
            rc = corral_sleep_for(corral_ms(10));
        }
    }
    rc = corral_ctxgroup_exit(g, rc); /* every member closed, on every path */
    corral_ctxgroup_unref(g);
    return rc;
}

static int main_task(corral_task *self, void *arg, corral_value *result)
{
    connection *pool = arg;
    corral_task *w;
    (void)result;

    int rc = corral_spawn_fiber(&w, corral_task_rt(self), NULL, "worker", worker, pool, NULL);
    if (rc < 0)
        return rc;
    if ((rc = corral_sleep_for(corral_ms(35))) == 0) {
        say("cancelling the worker");
        corral_task_cancel(w);
        rc = corral_join(w, NULL, -1);
        say("worker ended: %s", corral_error_name(rc));
    }
    corral_task_unref(w);
    return rc == CORRAL_ETASKCANCELLED ? 0 : rc;
}

static void print_line(const char *line, size_t len, void *ud)
{
    (void)ud;
    printf("  %.*s\n", (int)len, line);
}

int main(void)
{
    connection pool[POOL_SIZE];
    int left_open = 0;
    corral_rt *rt = NULL;
    corral_task *main_t = NULL;
    int rc;

    for (int i = 0; i < POOL_SIZE; i++) {
        snprintf(pool[i].name, sizeof pool[i].name, "conn%d", i + 1);
        pool[i].fd[0] = pool[i].fd[1] = pool[i].opened[0] = pool[i].opened[1] = -1;
    }
    if ((rc = corral_rt_new(&rt, 0)) < 0 ||
        (rc = corral_rt_set_trace_fn(rt, print_line, NULL)) < 0 ||
        (rc = corral_spawn_fiber(&main_t, rt, NULL, "main", main_task, pool, NULL)) < 0 ||
        (rc = corral_rt_run(rt, main_t)) < 0) {
        fprintf(stderr, "resource_pool: %s\n", corral_strerror(rc));
    }
    corral_task_unref(main_t);
    corral_rt_close(rt);
    corral_rt_unref(rt);
    /* Every descriptor the pool opened must be closed now. */
    for (int i = 0; i < POOL_SIZE; i++)
        for (int k = 0; k < 2; k++)
            if (pool[i].opened[k] < 0 || fcntl(pool[i].opened[k], F_GETFD) != -1 || errno != EBADF)
                left_open++; /* never opened, or still open */
    if (rc < 0 || left_open > 0) {
        fprintf(stderr, "resource_pool: %d descriptor(s) not opened and closed\n", left_open);
        return 1;
    }
    printf("all %d connections closed\n", POOL_SIZE);
    return 0;
}
