/* cu.c - shared helpers for the corral Check suites (see cu.h). */
#include "cu.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

cu_state cu;

static pthread_mutex_t cu_fail_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- text --------------------------------------------------------------------------------- */

void cu_text_append(cu_text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *nb = realloc(t->buf, cap);
        if (!nb)
            abort();
        t->buf = nb;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

void cu_text_free(cu_text *t)
{
    free(t->buf);
    t->buf = NULL;
    t->len = t->cap = 0;
}

const char *cu_text_str(const cu_text *t)
{
    return t->buf ? t->buf : "";
}

void cu_capture_fn(const char *line, size_t len, void *ud)
{
    cu_text *t = ud;
    if (line == NULL) {
        cu_fail(__FILE__, __LINE__, "trace/log hook called with a NULL line");
        return;
    }
    if (memchr(line, '\n', len) != NULL)
        cu_fail(__FILE__, __LINE__, "trace/log line contains a newline: %.*s", (int)len, line);
    cu_text_append(t, line, len);
    cu_text_append(t, "\n", 1);
}

/* ---- failures ------------------------------------------------------------------------------- */

void cu_fail(const char *file, int line, const char *fmt, ...)
{
    pthread_mutex_lock(&cu_fail_lock);
    if (!cu.failed) {
        int n = snprintf(cu.failmsg, sizeof cu.failmsg, "%s:%d: ", file, line);
        va_list ap;
        va_start(ap, fmt);
        if (n > 0 && (size_t)n < sizeof cu.failmsg)
            vsnprintf(cu.failmsg + n, sizeof cu.failmsg - (size_t)n, fmt, ap);
        va_end(ap);
        cu.failed = 1;
    }
    pthread_mutex_unlock(&cu_fail_lock);
}

/* ---- keep pool ------------------------------------------------------------------------------ */

enum {
    K_TASK,
    K_FUTURE,
    K_GROUP,
    K_QUEUE,
    K_SCOPE,
    K_ERROR,
    K_RT,
    K_EVENT,
    K_LOCK,
    K_SEM,
    K_COND,
    K_WATCH
};

struct cu_keep {
    int kind;
    void *p;
};

static void *keep(int kind, void *p)
{
    if (p == NULL)
        return NULL;
    if (cu.nkeep == cu.capkeep) {
        size_t cap = cu.capkeep ? cu.capkeep * 2 : 64;
        struct cu_keep *nk = realloc(cu.keep, cap * sizeof *nk);
        if (!nk)
            abort();
        cu.keep = nk;
        cu.capkeep = cap;
    }
    cu.keep[cu.nkeep].kind = kind;
    cu.keep[cu.nkeep].p = p;
    cu.nkeep++;
    return p;
}

corral_task *cu_keep_task(corral_task *t)
{
    return keep(K_TASK, t);
}
corral_future *cu_keep_future(corral_future *f)
{
    return keep(K_FUTURE, f);
}
corral_group *cu_keep_group(corral_group *g)
{
    return keep(K_GROUP, g);
}
corral_queue *cu_keep_queue(corral_queue *q)
{
    return keep(K_QUEUE, q);
}
corral_scope *cu_keep_scope(corral_scope *s)
{
    return keep(K_SCOPE, s);
}
corral_error *cu_keep_error(corral_error *e)
{
    return keep(K_ERROR, e);
}
corral_rt *cu_keep_rt(corral_rt *rt)
{
    return keep(K_RT, rt);
}
corral_event *cu_keep_event(corral_event *e)
{
    return keep(K_EVENT, e);
}
corral_lock *cu_keep_lock(corral_lock *l)
{
    return keep(K_LOCK, l);
}
corral_semaphore *cu_keep_semaphore(corral_semaphore *s)
{
    return keep(K_SEM, s);
}
corral_condition *cu_keep_condition(corral_condition *c)
{
    return keep(K_COND, c);
}
corral_watch *cu_keep_watch(corral_watch *w)
{
    return keep(K_WATCH, w);
}

static void release_pool(void)
{
    while (cu.nkeep > 0) {
        struct cu_keep k = cu.keep[--cu.nkeep];
        switch (k.kind) {
        case K_TASK:
            corral_task_unref(k.p);
            break;
        case K_FUTURE:
            corral_future_unref(k.p);
            break;
        case K_GROUP:
            corral_group_unref(k.p);
            break;
        case K_QUEUE:
            corral_queue_unref(k.p);
            break;
        case K_SCOPE:
            corral_scope_unref(k.p);
            break;
        case K_ERROR:
            corral_error_unref(k.p);
            break;
        case K_RT:
            corral_rt_close(k.p);
            corral_rt_unref(k.p);
            break;
        case K_EVENT:
            corral_event_unref(k.p);
            break;
        case K_LOCK:
            corral_lock_unref(k.p);
            break;
        case K_SEM:
            corral_semaphore_unref(k.p);
            break;
        case K_COND:
            corral_condition_unref(k.p);
            break;
        case K_WATCH:
            corral_watch_unref(k.p);
            break;
        }
    }
    free(cu.keep);
    cu.keep = NULL;
    cu.capkeep = 0;
}

/* ---- fixtures ------------------------------------------------------------------------------- */

void cu_capture(corral_rt *rt)
{
    ck_assert_int_eq(corral_rt_set_trace_fn(rt, cu_capture_fn, &cu.trace), 0);
    ck_assert_int_eq(corral_rt_set_log_fn(rt, cu_capture_fn, &cu.log), 0);
}

void cu_setup_bare(void)
{
    memset(&cu, 0, sizeof cu);
}

void cu_setup(void)
{
    cu_setup_bare();
    ck_assert_int_eq(corral_rt_new(&cu.rt, CORRAL_RT_VIRTUAL_CLOCK), 0);
    ck_assert_ptr_nonnull(cu.rt);
    cu_capture(cu.rt);
}

void cu_replace_rt(uint32_t flags)
{
    if (cu.rt) {
        corral_rt_close(cu.rt);
        corral_rt_unref(cu.rt);
        cu.rt = NULL;
    }
    ck_assert_int_eq(corral_rt_new(&cu.rt, flags), 0);
    cu_capture(cu.rt);
}

void cu_teardown(void)
{
    release_pool();
    if (cu.main) {
        corral_task_unref(cu.main);
        cu.main = NULL;
    }
    if (cu.rt) {
        corral_rt_close(cu.rt);
        corral_rt_unref(cu.rt);
        cu.rt = NULL;
    }
    cu_text_free(&cu.trace);
    cu_text_free(&cu.log);
}

/* ---- conveniences -----------------------------------------------------------------------------
 */

corral_value cu_none(void)
{
    corral_value v;
    memset(&v, 0, sizeof v);
    v.type = CORRAL_VALUE_NONE;
    return v;
}

corral_value cu_int(int64_t i)
{
    corral_value v = cu_none();
    v.type = CORRAL_VALUE_INT;
    v.as.i = i;
    return v;
}

corral_value cu_bytes(const char *s)
{
    corral_value v = cu_none();
    v.type = CORRAL_VALUE_BYTES;
    v.as.p = s;
    v.len = strlen(s);
    return v;
}

corral_value cu_host(uint32_t binding, uint64_t token)
{
    corral_value v = cu_none();
    v.type = CORRAL_VALUE_HOST;
    v.binding = binding;
    v.as.token = token;
    return v;
}

corral_task *cu_spawn_in(corral_group *g, const char *name, corral_fiber_fn fn, void *arg)
{
    corral_task *t = NULL;
    int rc = corral_spawn_fiber(&t, cu.rt, g, name, fn, arg, NULL);
    if (rc != 0 || t == NULL) {
        cu_fail(__FILE__, __LINE__, "spawn_fiber(%s) failed: %d", name ? name : "NULL", rc);
        return NULL;
    }
    return cu_keep_task(t);
}

corral_task *cu_spawn(const char *name, corral_fiber_fn fn, void *arg)
{
    return cu_spawn_in(NULL, name, fn, arg);
}

corral_task *cu_spawn_step(const char *name, corral_step_fn fn, void *arg)
{
    corral_task *t = NULL;
    int rc = corral_spawn_step(&t, cu.rt, NULL, name, fn, arg, NULL);
    if (rc != 0 || t == NULL) {
        cu_fail(__FILE__, __LINE__, "spawn_step(%s) failed: %d", name ? name : "NULL", rc);
        return NULL;
    }
    return cu_keep_task(t);
}

corral_future *cu_future(void)
{
    corral_future *f = NULL;
    int rc = corral_future_new(&f, cu.rt);
    if (rc != 0 || f == NULL) {
        cu_fail(__FILE__, __LINE__, "future_new failed: %d", rc);
        return NULL;
    }
    return cu_keep_future(f);
}

corral_queue *cu_queue(int64_t maxsize)
{
    corral_queue *q = NULL;
    int rc = corral_queue_new(&q, cu.rt, maxsize);
    if (rc != 0 || q == NULL) {
        cu_fail(__FILE__, __LINE__, "queue_new failed: %d", rc);
        return NULL;
    }
    return cu_keep_queue(q);
}

corral_group *cu_group(corral_group *parent, const char *name)
{
    corral_group *g = NULL;
    int rc = corral_group_new(&g, cu.rt, parent, name);
    if (rc != 0 || g == NULL) {
        cu_fail(__FILE__, __LINE__, "group_new failed: %d", rc);
        return NULL;
    }
    return cu_keep_group(g);
}

int cu_run(corral_fiber_fn fn, void *arg)
{
    ck_assert_ptr_null(cu.main);
    ck_assert_int_eq(corral_spawn_fiber(&cu.main, cu.rt, NULL, "main", fn, arg, NULL), 0);
    ck_assert_ptr_nonnull(cu.main);
    int rc = corral_rt_run(cu.rt, cu.main);
    cu_assert_no_failure();
    return rc;
}

static void vlog_as(const char *actor, const char *fmt, va_list ap)
{
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    int rc = corral_log(cu.rt, actor, buf);
    if (rc != 0)
        cu_fail(__FILE__, __LINE__, "corral_log failed: %d", rc);
}

void cu_log(const char *fmt, ...)
{
    corral_task *self = corral_current();
    va_list ap;
    va_start(ap, fmt);
    vlog_as(self ? corral_task_name(self) : "?", fmt, ap);
    va_end(ap);
}

void cu_log_as(const char *actor, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog_as(actor, fmt, ap);
    va_end(ap);
}

int64_t cu_now_ms(void)
{
    return corral_rt_now(cu.rt) / 1000000;
}
int cu_sleep_ms(int64_t n)
{
    return corral_sleep_for(corral_ms(n));
}
int64_t cu_at_ms(int64_t n)
{
    return corral_rt_now(cu.rt) + corral_ms(n);
}

/* ---- traces ------------------------------------------------------------------------------------
 */

const char *cu_trace(void)
{
    return cu_text_str(&cu.trace);
}
const char *cu_log_text(void)
{
    return cu_text_str(&cu.log);
}

static int is_main_terminal(const char *line, size_t len)
{
    /* "<digits> main done...", "<digits> main fail ...", "<digits> main cancelled" */
    size_t i = 0;
    while (i < len && line[i] >= '0' && line[i] <= '9')
        i++;
    if (i == 0 || i >= len || line[i] != ' ')
        return 0;
    i++;
    static const char *const ev[] = {"main done", "main fail", "main cancelled"};
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(ev[k]);
        if (len - i >= n && memcmp(line + i, ev[k], n) == 0 && (len - i == n || line[i + n] == ' '))
            return 1;
    }
    return 0;
}

const char *cu_trace_main(void)
{
    static char out[1 << 16];
    const char *s = cu_trace();
    size_t o = 0;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        if (is_main_terminal(s, len))
            break;
        if (o + len + 2 < sizeof out) {
            memcpy(out + o, s, len);
            o += len;
            out[o++] = '\n';
        }
        s += len + (nl ? 1 : 0);
    }
    out[o] = '\0';
    return out;
}

int cu_trace_count_prefix(const char *prefix)
{
    const char *s = cu_trace();
    size_t pl = strlen(prefix);
    int n = 0;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        if (len >= pl && memcmp(s, prefix, pl) == 0)
            n++;
        s += len + (nl ? 1 : 0);
    }
    return n;
}

int cu_trace_has(const char *line)
{
    const char *s = cu_trace();
    size_t ll = strlen(line);
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        if (len == ll && memcmp(s, line, ll) == 0)
            return 1;
        s += len + (nl ? 1 : 0);
    }
    return 0;
}

const char *cu_fmt_error(const corral_error *e)
{
    static char buf[512];
    if (!e)
        return "(no error)";
    corral_error_format(e, buf, sizeof buf);
    return buf;
}

int cu_member(corral_task *self, void *arg, corral_value *res)
{
    const cu_member_spec *s = arg;
    int rc = cu_sleep_ms(s->ms);
    if (rc == CORRAL_ECANCELLED) {
        if (s->cleanup_ms) {
            corral_scope *sh = NULL;
            FCHECK_EQ(corral_shield(&sh, self), 0);
            int r2 = corral_scope_exit(sh, cu_sleep_ms(s->cleanup_ms));
            corral_scope_unref(sh);
            FCHECK_EQ(r2, 0);
            cu_log("cleanup");
        }
        if (s->fail_on_cancel)
            return corral_task_raise(self, "ValueError", s->fail_on_cancel);
        if (s->value_on_cancel) {
            *res = cu_int(s->value_on_cancel);
            return 0;
        }
        return rc;
    }
    if (rc < 0)
        return rc;
    if (s->fail)
        return corral_task_raise(self, "ValueError", s->fail);
    *res = cu_int(s->value);
    return 0;
}

corral_task *cu_spawn_member(corral_group *g, const char *name, cu_member_spec spec)
{
    cu_member_spec *copy = malloc(sizeof *copy);
    corral_task *t = NULL;
    if (!copy)
        abort();
    *copy = spec;
    int rc = corral_spawn_fiber(&t, cu.rt, g, name, cu_member, copy, free);
    if (rc != 0) {
        free(copy);
        cu_fail(__FILE__, __LINE__, "spawn %s failed: %d", name, rc);
        return NULL;
    }
    return cu_keep_task(t);
}

int cu_raise_fatal(corral_task *self, const char *kind, const char *msg)
{
    corral_error *e = NULL;
    int rc = corral_error_new(&e, CORRAL_EUSER, kind, msg);
    if (rc < 0)
        return rc;
    corral_error_set_fatal(e, 1);
    rc = corral_task_set_error(self, e);
    corral_error_unref(e);
    return rc;
}
