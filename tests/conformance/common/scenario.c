/* scenario.c - see scenario.h. */
#include "scenario.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { H_TASK, H_QUEUE, H_FUTURE, H_GROUP, H_OTHER };

static corral_rt *g_rt;
static struct {
    int kind;
    void *p;
    void (*unref)(void *);
} g_handles[64];
static size_t g_nhandles;

corral_rt *scn_rt(void)
{
    return g_rt;
}

int64_t scn_now(void)
{
    return corral_rt_now(g_rt);
}

static void die(const char *what, const char *file, int line, int64_t rc)
{
    const char *detail = corral_last_error_message();
    fprintf(stderr, "%s:%d: %s -> %" PRId64 " (%s)%s%s\n", file, line, what, rc,
            rc < 0 && rc >= INT32_MIN ? corral_error_name((int)rc) : "?", *detail ? ": " : "",
            detail);
    exit(3);
}

int scn_check(int64_t rc, const char *what, const char *file, int line)
{
    if (rc < 0)
        die(what, file, line, rc);
    return (int)rc;
}

int scn_expect(int64_t rc, int want, const char *what, const char *file, int line)
{
    if (rc != want) {
        fprintf(stderr, "%s:%d: expected %d (%s)\n", file, line, want, corral_error_name(want));
        die(what, file, line, rc);
    }
    return (int)rc;
}

static void *keep(int kind, void *p)
{
    if (g_nhandles == sizeof g_handles / sizeof g_handles[0]) {
        fprintf(stderr, "scenario.c: too many handles\n");
        exit(3);
    }
    g_handles[g_nhandles].kind = kind;
    g_handles[g_nhandles].p = p;
    g_handles[g_nhandles].unref = NULL;
    g_nhandles++;
    return p;
}

void *scn_keep(void *p, void (*unref)(void *))
{
    keep(H_OTHER, p);
    g_handles[g_nhandles - 1].unref = unref;
    return p;
}

corral_task *scn_spawn(corral_group *g, const char *name, corral_fiber_fn fn, void *arg)
{
    corral_task *t = NULL;
    scn_check(corral_spawn_fiber(&t, g_rt, g, name, fn, arg, NULL), "corral_spawn_fiber", __FILE__,
              __LINE__);
    return keep(H_TASK, t);
}

corral_queue *scn_queue(void)
{
    corral_queue *q = NULL;
    CHECK(corral_queue_new(&q, g_rt, 0));
    return keep(H_QUEUE, q);
}

corral_queue *scn_queue_kind(int64_t maxsize, int kind)
{
    corral_queue *q = NULL;
    CHECK(corral_queue_new_kind(&q, g_rt, maxsize, kind));
    return keep(H_QUEUE, q);
}

static void unref_lock(void *p)
{
    corral_lock_unref(p);
}
static void unref_event(void *p)
{
    corral_event_unref(p);
}
static void unref_condition(void *p)
{
    corral_condition_unref(p);
}
static void unref_watch(void *p)
{
    corral_watch_unref(p);
}

corral_lock *scn_lock(void)
{
    corral_lock *l = NULL;
    CHECK(corral_lock_new(&l, g_rt));
    return scn_keep(l, unref_lock);
}

corral_event *scn_event(void)
{
    corral_event *e = NULL;
    CHECK(corral_event_new(&e, g_rt));
    return scn_keep(e, unref_event);
}

corral_condition *scn_condition(void)
{
    corral_condition *c = NULL;
    CHECK(corral_condition_new(&c, g_rt, NULL));
    return scn_keep(c, unref_condition);
}

corral_watch *scn_watch(const corral_value *initial)
{
    corral_watch *w = NULL;
    CHECK(corral_watch_new(&w, g_rt, initial));
    return scn_keep(w, unref_watch);
}

corral_future *scn_future(void)
{
    corral_future *f = NULL;
    CHECK(corral_future_new(&f, g_rt));
    return keep(H_FUTURE, f);
}

corral_group *scn_group(const char *name)
{
    corral_group *g = NULL;
    CHECK(corral_group_new(&g, g_rt, NULL, name));
    return keep(H_GROUP, g);
}

corral_group *scn_subgroup(corral_group *parent, const char *name)
{
    corral_group *g = NULL;
    CHECK(corral_group_new(&g, g_rt, parent, name));
    return keep(H_GROUP, g);
}

corral_task *scn_keep_task(corral_task *t)
{
    return keep(H_TASK, t);
}

const char *scn_err(const corral_error *e)
{
    static char buf[512];
    corral_error_format(e, buf, sizeof buf);
    return buf;
}

const char *scn_errors(const corral_error *eg)
{
    static char buf[1024];
    size_t used = 0, n = corral_error_group_size(eg);
    buf[used++] = '[';
    buf[used] = '\0';
    for (size_t i = 0; i < n && used < sizeof buf; i++) {
        char one[256];
        corral_error_format(corral_error_group_get(eg, i), one, sizeof one);
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", i ? ", " : "", one);
    }
    if (used < sizeof buf - 1) {
        buf[used++] = ']';
        buf[used] = '\0';
    }
    return buf;
}

int scn_join_quiet(corral_task *t)
{
    int rc = corral_join(t, NULL, -1);
    if (rc == CORRAL_EINVALIDARG || rc == CORRAL_EINVALIDSTATE || rc == CORRAL_ECLOSED)
        die("corral_join", __FILE__, __LINE__, rc);
    return rc == CORRAL_ECANCELLED ? rc : 0;
}

static void vlog_as(const char *actor, const char *fmt, va_list ap)
{
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    CHECK(corral_log(g_rt, actor, buf));
}

void slog(corral_task *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog_as(corral_task_name(self), fmt, ap);
    va_end(ap);
}

void slog_as(const char *actor, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog_as(actor, fmt, ap);
    va_end(ap);
}

corral_value scn_int(int64_t i)
{
    corral_value v;
    memset(&v, 0, sizeof v);
    v.type = CORRAL_VALUE_INT;
    v.as.i = i;
    return v;
}

corral_value scn_str(const char *s)
{
    corral_value v;
    memset(&v, 0, sizeof v);
    v.type = CORRAL_VALUE_BYTES;
    v.as.p = s;
    v.len = strlen(s);
    return v;
}

const char *scn_text(const corral_value *v)
{
    static char buf[256];
    switch (v->type) {
    case CORRAL_VALUE_NONE:
        buf[0] = '\0';
        break;
    case CORRAL_VALUE_INT:
        snprintf(buf, sizeof buf, "%" PRId64, v->as.i);
        break;
    case CORRAL_VALUE_BYTES:
        snprintf(buf, sizeof buf, "%.*s", (int)v->len, (const char *)v->as.p);
        break;
    case CORRAL_VALUE_DOUBLE: /* the canonical float text (README, "Value text") */
        if (isnan(v->as.d)) {
            snprintf(buf, sizeof buf, "nan");
            break;
        }
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, v->as.d);
            if (strtod(buf, NULL) == v->as.d)
                break;
        }
        break;
    default:
        snprintf(buf, sizeof buf, "<value type %u>", (unsigned)v->type);
        break;
    }
    return buf;
}

const char *scn_bool(int flag)
{
    CHECK(flag);
    return flag ? "true" : "false";
}

int scn_run(corral_fiber_fn main_fn, int want_status)
{
    return scn_run_flags(main_fn, want_status, 0);
}

int scn_run_flags(corral_fiber_fn main_fn, int want_status, uint32_t flags)
{
    corral_task *main_task = NULL;
    int status;

    CHECK(corral_rt_new(&g_rt, CORRAL_RT_VIRTUAL_CLOCK | flags));
    CHECK(corral_rt_set_trace_fd(g_rt, 1));
    CHECK(corral_spawn_fiber(&main_task, g_rt, NULL, "main", main_fn, NULL, NULL));
    status = corral_rt_run(g_rt, main_task);

    corral_task_unref(main_task);
    while (g_nhandles > 0) {
        void *p = g_handles[--g_nhandles].p;
        switch (g_handles[g_nhandles].kind) {
        case H_TASK:
            corral_task_unref(p);
            break;
        case H_QUEUE:
            corral_queue_unref(p);
            break;
        case H_FUTURE:
            corral_future_unref(p);
            break;
        case H_GROUP:
            corral_group_unref(p);
            break;
        case H_OTHER:
            g_handles[g_nhandles].unref(p);
            break;
        }
    }
    CHECK(corral_rt_close(g_rt));
    corral_rt_unref(g_rt);
    g_rt = NULL;

    if (status != want_status) {
        fprintf(stderr, "corral_rt_run returned %d (%s), expected %d (%s)\n", status,
                corral_error_name(status), want_status, corral_error_name(want_status));
        return 1;
    }
    return 0;
}
