/*
 * bench_main.c - runs the spine benchmarks side by side and prints one table.
 *
 *   corral_bench [--quick] [--runs K] [--filter SUBSTR] [--list]
 *
 * Each row runs in its own child process (a crash or hang in one implementation cannot take the
 * table down): timing rows run one discarded warm-up sample then K samples in that child;
 * memory rows run each sample in a fresh child so no earlier heap reuse hides growth.
 * The table shows the median of the K samples (K = 5 by default), the min and the max, the
 * issue's target next to corral's figures, and the ratio corral / peer for the row's peers.
 * Nothing is asserted: the program only prints.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <uv.h>

#include <corral.h>

#include "bench.h"

enum { KIND_TIME, KIND_MEM };

typedef struct row {
    const char *id;    /* short id, used by --filter and by the peer references */
    const char *label; /* what exactly runs */
    bench_fn fn;
    int64_t n;
    int kind;
    double target;       /* the target for corral rows, 0 = none */
    const char *peer_ev; /* the libevent row this corral row is compared with */
    const char *peer_uv; /* the libuv row */
    /* results */
    double samples[32];
    int nsamples;
    char failure[96];
    double median;
} row;

#define R_TIME(id, label, fn, n, tgt, ev, uv)                                                      \
    {                                                                                              \
        id, label, fn, n, KIND_TIME, tgt, ev, uv, {0}, 0, "", 0                                    \
    }
#define R_MEM(id, label, fn, n, tgt, ev, uv)                                                       \
    {                                                                                              \
        id, label, fn, n, KIND_MEM, tgt, ev, uv, {0}, 0, "", 0                                     \
    }

static const char *G1 = "1. spawn+join of a task that returns at once (ns per task)";
static const char *G2 = "2. switch: one task yields N times (ns per yield)";
static const char *G3 = "3. ping-pong between two tasks (ns per round trip = 2 messages)";
static const char *G4 = "4. parked tasks (bytes per task, from RSS)";
static const char *G5 = "5. timers scheduled then cancelled, 1M (ns per timer add+del)";
static const char *G6 = "6. producer/consumer through a queue, 1M items (ns per item)";

static row rows[] = {
    R_TIME("spawn.step.seq", "corral step: spawn_step + await JOIN, one at a time",
           bc_step_spawn_join_seq, 1000000, 70, "spawn.ev.seq", "spawn.uv.seq"),
    R_TIME("spawn.step.batch", "corral step: spawn 100k, then JOIN the last", bc_step_spawn_batch,
           100000, 70, "spawn.ev.batch", "spawn.uv.batch"),
    R_TIME("spawn.fiber.seq", "corral fiber: spawn_fiber + corral_join, one at a time",
           bc_fiber_spawn_join_seq, 200000, 120, "spawn.ev.seq", "spawn.uv.seq"),
    R_TIME("spawn.fiber.batch", "corral fiber: spawn 10k (10k live stacks), join last",
           bc_fiber_spawn_batch, 10000, 120, "spawn.ev.batch", "spawn.uv.batch"),
    R_TIME("spawn.ev.seq", "libevent: event_new+event_active child, cb frees+wakes parent",
           bev_spawn_join_seq, 1000000, 0, NULL, NULL),
    R_TIME("spawn.ev.batch", "libevent: 100k event_new+event_active, one dispatch", bev_spawn_batch,
           100000, 0, NULL, NULL),
    R_TIME("spawn.uv.seq", "libuv: fresh uv_idle, cb closes it, close cb = join",
           buv_spawn_join_seq, 1000000, 0, NULL, NULL),
    R_TIME("spawn.uv.batch", "libuv: 100k fresh uv_idle started, one uv_run", buv_spawn_batch,
           100000, 0, NULL, NULL),

    R_TIME("switch.step", "corral step: await CORRAL_OP_CHECKPOINT", bc_step_switch, 2000000, 20,
           "switch.ev", "switch.uv"),
    R_TIME("switch.fiber", "corral fiber: corral_checkpoint()", bc_fiber_switch, 2000000, 30,
           "switch.ev", "switch.uv"),
    R_TIME("switch.ev", "libevent: event re-activates itself", bev_switch, 2000000, 0, NULL, NULL),
    R_TIME("switch.uv", "libuv: idle callback (one loop iteration each)", buv_switch, 2000000, 0,
           NULL, NULL),

    R_TIME("pingpong.step", "corral step: fresh corral_future per message", bc_step_pingpong_future,
           500000, 140, "pingpong.ev", "pingpong.uv"),
    R_TIME("pingpong.fiber", "corral fiber: fresh corral_future per message",
           bc_fiber_pingpong_future, 500000, 140, "pingpong.ev", "pingpong.uv"),
    R_TIME("pingpong.queue", "corral step: two reused queues, QUEUE_GET/put_nowait",
           bc_step_pingpong_queue, 500000, 0, "pingpong.ev", "pingpong.uv"),
    R_TIME("pingpong.ev", "libevent: two events activate each other", bev_pingpong, 500000, 0, NULL,
           NULL),
    R_TIME("pingpong.uv", "libuv: two idle handles hand over (stop self, start other)",
           buv_pingpong, 500000, 0, NULL, NULL),

    R_MEM("park.step", "corral: 100k step tasks parked on own future (task+future)",
          bc_mem_step_parked, 100000, 160, "park.ev", "park.uv"),
    R_MEM("park.future", "corral: 100k pending futures alone (no task)", bc_mem_future_only, 100000,
          0, "park.ev", "park.uv"),
    R_MEM("park.fiber", "corral: 10k fibers parked on own future (256 KiB stacks)",
          bc_mem_fiber_parked, 10000, 0, "park.ev", "park.uv"),
    R_MEM("park.ev", "libevent: 100k event_new+event_add(1 h timeout)", bev_mem_pending, 100000, 0,
          NULL, NULL),
    R_MEM("park.uv", "libuv: 100k malloc'd uv_timer_t started (1 h)", buv_mem_timers, 100000, 0,
          NULL, NULL),

    R_TIME("timer.scope", "corral: move_on_at enter (far deadline) + scope_exit, LIFO",
           bc_timer_scope, 1000000, 100, "timer.ev", "timer.uv"),
    R_TIME("timer.sleep", "corral: 1M step tasks await SLEEP, corral_task_cancel each",
           bc_timer_sleep_cancel, 1000000, 0, "timer.ev", "timer.uv"),
    R_TIME("timer.ev", "libevent: evtimer_add + evtimer_del (LIFO)", bev_timer_add_del, 1000000, 0,
           NULL, NULL),
    R_TIME("timer.uv", "libuv: uv_timer_start + uv_timer_stop (LIFO)", buv_timer_start_stop,
           1000000, 0, NULL, NULL),

    R_TIME("queue.step.1", "corral step: QUEUE_PUT / QUEUE_GET, maxsize 1", bc_step_queue_1,
           1000000, 80, "queue.ev.1", "queue.uv.1"),
    R_TIME("queue.fiber.1", "corral fiber: corral_queue_put / _get, maxsize 1", bc_fiber_queue_1,
           1000000, 80, "queue.ev.1", "queue.uv.1"),
    R_TIME("queue.ev.1", "libevent: ring of 1, two events activate each other", bev_queue_1,
           1000000, 0, NULL, NULL),
    R_TIME("queue.uv.1", "libuv: ring of 1, two idle handles hand over", buv_queue_1, 1000000, 0,
           NULL, NULL),
    R_TIME("queue.step.1024", "corral step: QUEUE_PUT / QUEUE_GET, maxsize 1024",
           bc_step_queue_1024, 1000000, 30, "queue.ev.1024", "queue.uv.1024"),
    R_TIME("queue.fiber.1024", "corral fiber: corral_queue_put / _get, maxsize 1024",
           bc_fiber_queue_1024, 1000000, 30, "queue.ev.1024", "queue.uv.1024"),
    R_TIME("queue.step.batch.1024", "corral step: put_nowait/get_nowait batches, maxsize 1024",
           bc_step_queue_batch_1024, 1000000, 30, "queue.ev.1024", "queue.uv.1024"),
    R_TIME("queue.fiber.batch.1024", "corral fiber: put_nowait/get_nowait batches, maxsize 1024",
           bc_fiber_queue_batch_1024, 1000000, 30, "queue.ev.1024", "queue.uv.1024"),
    R_TIME("queue.ev.1024", "libevent: ring of 1024, fill / drain per callback", bev_queue_1024,
           1000000, 0, NULL, NULL),
    R_TIME("queue.uv.1024", "libuv: ring of 1024, fill / drain per idle callback", buv_queue_1024,
           1000000, 0, NULL, NULL),
};
#define NROWS ((int)(sizeof rows / sizeof rows[0]))

static const char *group_of(const row *r)
{
    if (!strncmp(r->id, "spawn.", 6))
        return G1;
    if (!strncmp(r->id, "switch.", 7))
        return G2;
    if (!strncmp(r->id, "pingpong.", 9))
        return G3;
    if (!strncmp(r->id, "park.", 5))
        return G4;
    if (!strncmp(r->id, "queue.", 6))
        return G6;
    return G5;
}

static row *find_row(const char *id)
{
    for (int i = 0; id && i < NROWS; i++)
        if (!strcmp(rows[i].id, id))
            return &rows[i];
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int g_runs = 5;
static int g_timeout_s = 300;

/* Run `count` samples of r in one child (plus a warm-up if `warm`), appending to r->samples. */
static void run_child(row *r, int64_t n, int count, int warm)
{
    int fds[2];
    if (pipe(fds) < 0) {
        snprintf(r->failure, sizeof r->failure, "pipe: %s", strerror(errno));
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(r->failure, sizeof r->failure, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        alarm((unsigned)g_timeout_s);
        if (warm && r->fn(n / 10 > 0 ? n / 10 : 1) < 0)
            _exit(3);
        for (int k = 0; k < count; k++) {
            double v = r->fn(n);
            if (v < 0)
                _exit(3);
            if (write(fds[1], &v, sizeof v) != (ssize_t)sizeof v)
                _exit(4);
        }
        _exit(0);
    }
    close(fds[1]);
    double v;
    ssize_t got;
    while ((got = read(fds[0], &v, sizeof v)) == (ssize_t)sizeof v)
        if (r->nsamples < (int)(sizeof r->samples / sizeof r->samples[0]))
            r->samples[r->nsamples++] = v;
    close(fds[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
        snprintf(r->failure, sizeof r->failure, "FAILED: %s%s", strsignal(WTERMSIG(st)),
                 WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
    else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
        snprintf(r->failure, sizeof r->failure, "FAILED (see stderr)");
}

static void run_row(row *r, int quick)
{
    int64_t n = quick ? (r->n / 10 > 0 ? r->n / 10 : 1) : r->n;
    r->n = n;
    if (r->kind == KIND_TIME) {
        run_child(r, n, g_runs, 1);
    } else {
        for (int k = 0; k < g_runs && !r->failure[0]; k++)
            run_child(r, n, 1, 0);
    }
    if (!r->failure[0] && r->nsamples == 0)
        snprintf(r->failure, sizeof r->failure, "FAILED: no sample");
    if (r->nsamples > 0) {
        double s[32];
        memcpy(s, r->samples, sizeof(double) * (size_t)r->nsamples);
        qsort(s, (size_t)r->nsamples, sizeof s[0], cmp_double);
        r->median = s[r->nsamples / 2];
        if (r->nsamples % 2 == 0)
            r->median = (s[r->nsamples / 2 - 1] + s[r->nsamples / 2]) / 2;
    }
}

static void fmt_ratio(char *buf, size_t cap, const row *r, const char *peer_id)
{
    const row *p = find_row(peer_id);
    if (!p || p->nsamples == 0 || r->nsamples == 0 || p->median <= 0)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%.2fx", r->median / p->median);
}

static void print_header(int quick)
{
    struct utsname u;
    char cpu[128] = "?";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10)) {
                char *p = strchr(line, ':');
                if (p) {
                    snprintf(cpu, sizeof cpu, "%s", p + 2);
                    cpu[strcspn(cpu, "\n")] = 0;
                }
                break;
            }
        fclose(f);
    }
    uname(&u);
    printf("corral spine benchmarks: corral %s, libevent %s, libuv %s\n", corral_version_string(),
           event_get_version(), uv_version_string());
    printf("machine: %s %s, %s, %ld cpus\n", u.sysname, u.release, cpu,
           sysconf(_SC_NPROCESSORS_ONLN));
    printf(
        "median of %d runs%s; ratio = corral median / peer median (< 1 means corral is faster)\n\n",
        g_runs, quick ? " (--quick: N/10)" : "");
}

static void print_table(void)
{
    const char *last_group = NULL;
    printf("%-62s %8s %10s %10s %10s %8s %10s %10s\n", "implementation", "N", "median", "min",
           "max", "target", "/libevent", "/libuv");
    for (int i = 0; i < NROWS; i++) {
        row *r = &rows[i];
        if (r->nsamples == 0 && !r->failure[0])
            continue; /* filtered out */
        const char *g = group_of(r);
        if (g != last_group) {
            printf("\n%s\n", g);
            last_group = g;
        }
        char nbuf[32], tbuf[16], ev[16], uv[16];
        int64_t n = r->n;
        if (n >= 1000000 && n % 1000000 == 0)
            snprintf(nbuf, sizeof nbuf, "%lldM", (long long)(n / 1000000));
        else if (n >= 1000 && n % 1000 == 0)
            snprintf(nbuf, sizeof nbuf, "%lldk", (long long)(n / 1000));
        else
            snprintf(nbuf, sizeof nbuf, "%lld", (long long)n);
        if (r->target > 0)
            snprintf(tbuf, sizeof tbuf, "<= %.0f", r->target);
        else
            snprintf(tbuf, sizeof tbuf, "-");
        fmt_ratio(ev, sizeof ev, r, r->peer_ev);
        fmt_ratio(uv, sizeof uv, r, r->peer_uv);
        if (r->nsamples == 0) {
            printf("  %-60s %8s %s\n", r->label, nbuf, r->failure);
            continue;
        }
        double mn = r->samples[0], mx = r->samples[0];
        for (int k = 1; k < r->nsamples; k++) {
            if (r->samples[k] < mn)
                mn = r->samples[k];
            if (r->samples[k] > mx)
                mx = r->samples[k];
        }
        printf("  %-60s %8s %10.1f %10.1f %10.1f %8s %10s %10s%s%s\n", r->label, nbuf, r->median,
               mn, mx, tbuf, ev, uv, r->failure[0] ? "  " : "", r->failure);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    int quick = 0, list = 0;
    const char *filter = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--list"))
            list = 1;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            g_runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--filter") && i + 1 < argc)
            filter = argv[++i];
        else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
            g_timeout_s = atoi(argv[++i]);
        else {
            fprintf(stderr,
                    "usage: %s [--quick] [--runs K] [--filter SUBSTR] [--timeout S] [--list]\n",
                    argv[0]);
            return 2;
        }
    }
    if (g_runs < 1 || g_runs > 31)
        g_runs = 5;
    if (list) {
        for (int i = 0; i < NROWS; i++)
            printf("%-18s %s\n", rows[i].id, rows[i].label);
        return 0;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    print_header(quick);
    for (int i = 0; i < NROWS; i++) {
        row *r = &rows[i];
        if (filter && !strstr(r->id, filter))
            continue;
        fprintf(stderr, "running %-18s ...", r->id);
        run_row(r, quick);
        if (r->nsamples)
            fprintf(stderr, " %.1f%s\n", r->median, r->failure[0] ? " (partial)" : "");
        else
            fprintf(stderr, " %s\n", r->failure);
    }
    print_table();
    return 0;
}
