/* error.c - error codes, thread-local detail messages and error objects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct corral_error {
    atomic_int refs;
    int code;
    char *kind;
    char *msg;
    corral_value host;
    corral_rt *rt; /* where the host token is released */
    corral_error *context;
    corral_error **children; /* ErrorGroup members (references held) */
    size_t nchildren;
    int fatal; /* R58: escalates through every group */
};

/* initial-exec like the core's other thread-locals: all of them live in static TLS, so a
 * dlopen'ed copy of the library (Lua and Python load it that way) uses no dynamic TLS block,
 * which LeakSanitizer misreads once the module is unloaded. */
static _Thread_local char last_message[256] __attribute__((tls_model("initial-exec")));

int corral__fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    return code;
}

int corral__fail_plain(int code)
{
    last_message[0] = '\0';
    return code;
}

const char *corral_last_error_message(void)
{
    return last_message;
}

int corral_version(void)
{
    return CORRAL_VERSION_NUMBER;
}
const char *corral_version_string(void)
{
    return CORRAL_VERSION_STRING;
}

typedef struct code_info {
    int code;
    const char *name;
    const char *text;
    int err_no;
} code_info;

static const code_info codes[] = {
    {CORRAL_ECANCELLED, "Cancelled", "operation cancelled", ECANCELED},
    {CORRAL_ETIMEOUT, "Timeout", "deadline expired", ETIMEDOUT},
    {CORRAL_ETASKCANCELLED, "TaskCancelled", "joined task was cancelled", ECANCELED},
    {CORRAL_EFUTURECANCELLED, "FutureCancelled", "awaited future was cancelled", ECANCELED},
    {CORRAL_EINVALIDSTATE, "InvalidState", "invalid state for this operation", EINVAL},
    {CORRAL_EINVALIDARG, "InvalidArgument", "invalid argument", EINVAL},
    {CORRAL_EGROUPCLOSED, "GroupClosed", "group is closing or closed", EPIPE},
    {CORRAL_EQUEUECLOSED, "QueueClosed", "queue is closed", EPIPE},
    {CORRAL_EQUEUEEMPTY, "QueueEmpty", "queue is empty", EAGAIN},
    {CORRAL_EQUEUEFULL, "QueueFull", "queue is full", EAGAIN},
    {CORRAL_EERRORGROUP, "ErrorGroup", "several errors", EINVAL},
    {CORRAL_ESTRAYCANCELLATION, "StrayCancellation", "Cancelled raised without a cancellation",
     EINVAL},
    {CORRAL_ECLEANUPTIMEOUT, "CleanupTimeout", "cleanup exceeded its grace period", ETIMEDOUT},
    {CORRAL_EDEADLOCK, "Deadlock", "no task can make progress", EDEADLK},
    {CORRAL_EUSER, "User", "user error", EINVAL},
    {CORRAL_ECLOSED, "Closed", "handle or runtime is closed", EBADF},
    {CORRAL_ESTOPPED, "Stopped", "the loop was stopped", EINTR},
};

static const code_info *find_code(int code)
{
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (codes[i].code == code)
            return &codes[i];
    return NULL;
}

const char *corral_strerror(int code)
{
    if (code >= 0)
        return "success";
    const code_info *c = find_code(code);
    if (c)
        return c->text;
    return code > -4096 ? strerror(-code) : "unknown error";
}

const char *corral_error_name(int code)
{
    if (code >= 0)
        return "OK";
    const code_info *c = find_code(code);
    return c ? c->name : "Errno";
}

int corral_errno(int code)
{
    if (code >= 0)
        return 0;
    const code_info *c = find_code(code);
    if (c)
        return c->err_no;
    return code > -4096 ? -code : EINVAL;
}

int corral_error_new(corral_error **out, int code, const char *kind, const char *msg)
{
    if (!out || code >= 0)
        return corral__fail(CORRAL_EINVALIDARG, "error_new: out is NULL or code is not negative");
    if (code == CORRAL_EUSER && (!kind || !*kind))
        return corral__fail(CORRAL_EINVALIDARG, "error_new: a user error needs a kind");
    corral_error *e = calloc(1, sizeof *e);
    if (!e)
        return CORRAL_ENOMEM;
    atomic_init(&e->refs, 1);
    e->code = code;
    e->kind = strdup(kind && *kind ? kind : corral_error_name(code));
    e->msg = strdup(msg ? msg : "");
    if (!e->kind || !e->msg) {
        free(e->kind);
        free(e->msg);
        free(e);
        return CORRAL_ENOMEM;
    }
    *out = e;
    return 0;
}

corral_error *corral__error_from_code(int code, const char *msg)
{
    corral_error *e = NULL;
    if (corral_error_new(&e, code == CORRAL_EUSER ? CORRAL_EINVALIDSTATE : code, NULL, msg) < 0)
        return NULL;
    return e;
}

int corral_error_new_group(corral_error **out, corral_error *const *errors, size_t n)
{
    if (!out || (n && !errors))
        return corral__fail(CORRAL_EINVALIDARG, "error_new_group: out and errors are required");
    for (size_t i = 0; i < n; i++)
        if (!errors[i] || errors[i]->code == CORRAL_ECANCELLED)
            return corral__fail(CORRAL_EINVALIDARG,
                                "error_new_group: members must be errors, never Cancelled");
    /* The message is the members' canonical list, "[ValueError:a, ValueError:b]" (R77). */
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += (size_t)corral_error_format(errors[i], NULL, 0) + 2;
    char *msg = malloc(len);
    corral_error **children = n ? malloc(n * sizeof *children) : NULL;
    if (!msg || (n && !children)) {
        free(msg);
        free(children);
        return CORRAL_ENOMEM;
    }
    size_t used = 0;
    msg[used++] = '[';
    for (size_t i = 0; i < n; i++) {
        if (i) {
            msg[used++] = ',';
            msg[used++] = ' ';
        }
        used += (size_t)corral_error_format(errors[i], msg + used, len - used);
        children[i] = corral_error_ref(errors[i]);
    }
    msg[used++] = ']';
    msg[used] = '\0';
    int rc = corral_error_new(out, CORRAL_EERRORGROUP, NULL, msg);
    free(msg);
    if (rc < 0) {
        for (size_t i = 0; i < n; i++)
            corral_error_unref(children[i]);
        free(children);
        return rc;
    }
    (*out)->children = children;
    (*out)->nchildren = n;
    return 0;
}

size_t corral_error_group_size(const corral_error *e)
{
    return e ? e->nchildren : 0;
}

corral_error *corral_error_group_get(const corral_error *e, size_t i)
{
    return e && i < e->nchildren ? e->children[i] : NULL;
}

int corral_error_set_host(corral_error *e, corral_rt *rt, const corral_value *host)
{
    if (!e || !host || host->type != CORRAL_VALUE_HOST || e->rt)
        return corral__fail(CORRAL_EINVALIDARG,
                            "error_set_host: needs an error without host and a HOST value");
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    e->host = *host;
    e->rt = rt;
    corral__rt_obj_ref(rt);
    return 0;
}

int corral_error_set_context(corral_error *e, corral_error *context)
{
    if (!e || context == e)
        return corral__fail(CORRAL_EINVALIDARG, "error_set_context: bad error");
    corral_error_ref(context);
    corral_error_unref(e->context);
    e->context = context;
    return 0;
}

int corral_error_code(const corral_error *e)
{
    return e ? e->code : 0;
}
const char *corral_error_kind(const corral_error *e)
{
    return e ? e->kind : "";
}
const char *corral_error_message(const corral_error *e)
{
    return e ? e->msg : "";
}
const corral_value *corral_error_host(const corral_error *e)
{
    return e && e->host.type == CORRAL_VALUE_HOST ? &e->host : NULL;
}
corral_error *corral_error_context(const corral_error *e)
{
    return e ? e->context : NULL;
}

int corral_error_format(const corral_error *e, char *buf, size_t cap)
{
    size_t used = 0;
    int total = 0;
    for (const corral_error *x = e; x; x = x->context) {
        const char *sep = x == e ? "" : " <- ", *colon = *x->msg ? ":" : "";
        /* measure when there is no room left, so snprintf never sees a NULL destination */
        int n = buf && used < cap
                    ? snprintf(buf + used, cap - used, "%s%s%s%s", sep, x->kind, colon, x->msg)
                    : (int)(strlen(sep) + strlen(x->kind) + strlen(colon) + strlen(x->msg));
        if (n < 0)
            return n;
        total += n;
        used = (size_t)total < cap ? (size_t)total : cap;
    }
    if (buf && cap && !e)
        buf[0] = '\0';
    return total;
}

const char *corral__error_text(const corral_error *e, char *buf, size_t cap, char **heap)
{
    *heap = NULL;
    int n = corral_error_format(e, buf, cap);
    if (n < 0 || (size_t)n < cap)
        return buf;
    char *big = malloc((size_t)n + 1);
    if (!big)
        return buf;
    corral_error_format(e, big, (size_t)n + 1);
    return *heap = big;
}

corral_error *corral_error_ref(corral_error *e)
{
    if (e)
        atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
    return e;
}

void corral_error_unref(corral_error *e)
{
    while (e && atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1) {
        corral_error *next = e->context;
        for (size_t i = 0; i < e->nchildren; i++)
            corral_error_unref(e->children[i]);
        free(e->children);
        if (e->rt) {
            corral__value_drop(e->rt, &e->host); /* a RELEASE record for the binding */
            corral__rt_obj_unref(e->rt);
        }
        free(e->kind);
        free(e->msg);
        free(e);
        e = next;
    }
}

int corral_error_set_fatal(corral_error *e, int fatal)
{
    if (!e)
        return corral__fail(CORRAL_EINVALIDARG, "error_set_fatal: error is NULL");
    if (e->code == CORRAL_ECANCELLED)
        return corral__fail(CORRAL_EINVALIDARG, "error_set_fatal: Cancelled cannot be fatal");
    e->fatal = fatal != 0;
    return 0;
}

int corral_error_is_fatal(const corral_error *e)
{
    return e ? e->fatal : 0;
}
