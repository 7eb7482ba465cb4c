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
 *
 * The flat-memory rows (section 8) are different: one long run in one child, which reports
 * RSS at its start, after its first batch and at its end instead of a timing distribution.
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
static const char *G6 =
    "6. spawn_many: N tasks in one group, each yields once, then wait for all (ns per task)";
static const char *G7 =
    "7. spawn_many memory: bytes per task at the peak (all N alive), RSS growth";
static const char *G9 = "9. producer/consumer through a queue, 1M items (ns per item)";
static const char *G10 = "10. managed cleanup for C fibers (ns per unwinding; no C peer has one)";

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

    R_TIME("many.step", "corral step: scoped group, 100k x (checkpoint once), exit",
           bc_step_spawn_many, 100000, 150, "many.ev", "many.uv"),
    R_TIME("many.fiber", "corral fiber: scoped group, 10k (10k live stacks), exit",
           bc_fiber_spawn_many, 10000, 150, "many.ev", "many.uv"),
    R_TIME("many.ev", "libevent: event_base_once per task + 1 re-arm, loop runs dry",
           bev_spawn_many, 100000, 0, NULL, NULL),
    R_TIME("many.uv", "libuv: fresh uv_idle per task, runs twice, closes itself", buv_spawn_many,
           100000, 0, NULL, NULL),
    R_TIME("many.step.warm", "corral step, warm heap (pages reused, see README)",
           bc_step_spawn_many_warm, 100000, 150, "many.ev.warm", "many.uv.warm"),
    R_TIME("many.ev.warm", "libevent, warm heap", bev_spawn_many_warm, 100000, 0, NULL, NULL),
    R_TIME("many.uv.warm", "libuv, warm heap", buv_spawn_many_warm, 100000, 0, NULL, NULL),

    R_MEM("many.mem.step", "corral step: 100k step tasks in a scoped group", bc_mem_step_spawn_many,
          100000, 0, "many.mem.ev", "many.mem.uv"),
    R_MEM("many.mem.fiber", "corral fiber: 10k fibers in a scoped group (touched stack)",
          bc_mem_fiber_spawn_many, 10000, 0, "many.mem.ev", "many.mem.uv"),
    R_MEM("many.mem.ev", "libevent: 100k re-armed event_base_once events", bev_mem_spawn_many,
          100000, 0, NULL, NULL),
    R_MEM("many.mem.uv", "libuv: 100k malloc'd uv_idle_t started", buv_mem_spawn_many, 100000, 0,
          NULL, NULL),

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

    R_TIME("cleanup.stack", "corral fiber: exit stack, push 3 callbacks, close, free",
           bc_cleanup_exitstack, 1000000, 0, NULL, NULL),
    R_TIME("cleanup.acm", "corral fiber: acm_enter + acm_exit (one cleanup scope)", bc_cleanup_acm,
           1000000, 0, NULL, NULL),
    R_TIME("cleanup.ctxgroup", "corral fiber: ctxgroup of 3, enter + exit (6 helper fibers)",
           bc_cleanup_ctxgroup, 100000, 0, NULL, NULL),
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
        return G9;
    if (!strncmp(r->id, "cleanup.", 8))
        return G10;
    if (!strncmp(r->id, "many.mem.", 9))
        return G7;
    if (!strncmp(r->id, "many.", 5))
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

/* Fork a child with a pipe back to the parent: returns 0 in the child (which writes to
 * fds[1] and must _exit), the child's pid in the parent (which reads fds[0]), or -1 with
 * `failure` set. The child gets the --timeout alarm. */
static pid_t start_child(int fds[2], char *failure, size_t cap)
{
    if (pipe(fds) < 0) {
        snprintf(failure, cap, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(failure, cap, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        alarm((unsigned)g_timeout_s);
    } else {
        close(fds[1]);
    }
    return pid;
}

/* Reap the child; a crash, the alarm or a failure exit becomes the row's failure text. */
static void finish_child(pid_t pid, char *failure, size_t cap)
{
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
        snprintf(failure, cap, "FAILED: %s%s", strsignal(WTERMSIG(st)),
                 WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
    else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
        snprintf(failure, cap, "FAILED (see stderr)");
}

/* Run `count` samples of r in one child (plus a warm-up if `warm`), appending to r->samples. */
static void run_child(row *r, int64_t n, int count, int warm)
{
    int fds[2];
    pid_t pid = start_child(fds, r->failure, sizeof r->failure);
    if (pid < 0)
        return;
    if (pid == 0) {
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
    double v;
    ssize_t got;
    while ((got = read(fds[0], &v, sizeof v)) == (ssize_t)sizeof v)
        if (r->nsamples < (int)(sizeof r->samples / sizeof r->samples[0]))
            r->samples[r->nsamples++] = v;
    close(fds[0]);
    finish_child(pid, r->failure, sizeof r->failure);
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

/* 10M, 100k, 999 */
static void fmt_n(char *buf, size_t cap, int64_t n)
{
    if (n >= 1000000 && n % 1000000 == 0)
        snprintf(buf, cap, "%lldM", (long long)(n / 1000000));
    else if (n >= 1000 && n % 1000 == 0)
        snprintf(buf, cap, "%lldk", (long long)(n / 1000));
    else
        snprintf(buf, cap, "%lld", (long long)n);
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
        fmt_n(nbuf, sizeof nbuf, r->n);
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

/* ---- 8. flat memory ----------------------------------------------------------------------- */

/* One long run per row in its own child (a fresh heap): the figures are RSS at the start,
 * after the first batch and at the end, so there is nothing to take a median of. */
typedef struct flat_row {
    const char *id, *label;
    bench_flat_fn fn;
    int64_t n;
    bench_flat res;
    int ran;
    char failure[96];
} flat_row;

static const char *G8 = "8. flat memory: SUPERVISE free group, N short tasks in batches of 10k "
                        "(<= 10k alive), every 100th fails and its exception callback drops it";

static flat_row flats[] = {
    {.id = "flat.step",
     .label = "corral step tasks in a corral_group_new group + C handler",
     .fn = bc_flat_supervise,
     .n = 10000000},
};
#define NFLATS ((int)(sizeof flats / sizeof flats[0]))

static void run_flat(flat_row *f, int quick)
{
    int fds[2];
    if (quick)
        f->n /= 10;
    pid_t pid = start_child(fds, f->failure, sizeof f->failure);
    if (pid < 0)
        return;
    if (pid == 0) {
        bench_flat res;
        if (f->fn(f->n, &res) < 0)
            _exit(3);
        _exit(write(fds[1], &res, sizeof res) == (ssize_t)sizeof res ? 0 : 4);
    }
    f->ran = read(fds[0], &f->res, sizeof f->res) == (ssize_t)sizeof f->res;
    close(fds[0]);
    finish_child(pid, f->failure, sizeof f->failure);
}

static void print_flats(void)
{
    int any = 0;
    for (int i = 0; i < NFLATS; i++)
        any |= flats[i].ran || flats[i].failure[0];
    if (!any)
        return;
    printf("%s\n", G8);
    printf("  %-60s %8s %8s %11s %11s %11s %14s %9s\n", "implementation", "N", "ns/task",
           "RSS start", "RSS 1 batch", "RSS end", "end-1st batch", "handled");
    for (int i = 0; i < NFLATS; i++) {
        const flat_row *f = &flats[i];
        char nbuf[32];
        fmt_n(nbuf, sizeof nbuf, f->n);
        if (!f->ran) {
            if (f->failure[0])
                printf("  %-60s %8s %s\n", f->label, nbuf, f->failure);
            continue;
        }
        const bench_flat *r = &f->res;
        const double mib = 1024.0 * 1024.0;
        printf("  %-60s %8s %8.1f %7.1f MiB %7.1f MiB %7.1f MiB %+10.1f KiB %9.0f\n", f->label,
               nbuf, r->ns_per_task, r->rss_start / mib, r->rss_warm / mib, r->rss_end / mib,
               (r->rss_end - r->rss_warm) / 1024.0, r->handled);
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
        for (int i = 0; i < NFLATS; i++)
            printf("%-18s %s\n", flats[i].id, flats[i].label);
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
    for (int i = 0; i < NFLATS; i++) {
        flat_row *f = &flats[i];
        if (filter && !strstr(f->id, filter))
            continue;
        fprintf(stderr, "running %-18s ...", f->id);
        run_flat(f, quick);
        if (f->ran)
            fprintf(stderr, " RSS %.1f -> %.1f MiB\n", f->res.rss_start / 1048576.0,
                    f->res.rss_end / 1048576.0);
        else
            fprintf(stderr, " %s\n", f->failure);
    }
    print_table();
    print_flats();
    return 0;
}
