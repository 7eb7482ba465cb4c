/* trace.c - trace lines "<t_ms> <actor> <event>" (R77) and diagnostics. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* One event, one line: a newline or carriage return inside a detail (an error message, a
 * logged text) is written as the two characters \n or \r, so a trace reader can split on
 * lines. Returns the length of the escaped line in out (at most cap - 1). */
static size_t escape_line(const char *line, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 2 < cap; i++) {
        char c = line[i];
        if (c == '\n' || c == '\r') {
            out[o++] = '\\';
            out[o++] = c == '\n' ? 'n' : 'r';
        } else {
            out[o++] = c;
        }
    }
    return o;
}

static void emit_line(corral_rt *rt, const char *line, size_t len)
{
    char escaped[2048];
    if (memchr(line, '\n', len) || memchr(line, '\r', len)) {
        len = escape_line(line, len, escaped, sizeof escaped);
        line = escaped;
    }
    if (rt->trace_fn)
        rt->trace_fn(line, len, rt->trace_ud);
    if (rt->trace_fd >= 0) {
        char nl = '\n';
        write_all(rt->trace_fd, line, len);
        write_all(rt->trace_fd, &nl, 1);
    }
}

void corral__trace(corral_rt *rt, const char *actor, const char *fmt, ...)
{
    if (!rt->trace_fn && rt->trace_fd < 0)
        return;
    char line[1024];
    int64_t ms = corral__now(rt) / 1000000;
    int n = snprintf(line, sizeof line, "%" PRId64 " %s ", ms, actor);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (size_t)m;
    if (len >= sizeof line)
        len = sizeof line - 1;
    emit_line(rt, line, len);
}

void corral__log_diag(corral_rt *rt, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : ((size_t)n >= sizeof line ? sizeof line - 1 : (size_t)n);
    char escaped[2048];
    const char *text = line;
    if (memchr(line, '\n', len) || memchr(line, '\r', len)) { /* one diagnostic, one line */
        len = escape_line(line, len, escaped, sizeof escaped);
        text = escaped;
    }
    if (rt->log_fn) {
        rt->log_fn(text, len, rt->log_ud);
    } else {
        fprintf(stderr, "corral: %.*s\n", (int)len, text);
    }
}

int corral_rt_set_trace_fd(corral_rt *rt, int fd)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    rt->trace_fd = fd < 0 ? -1 : fd;
    return 0;
}

int corral_rt_set_trace_fn(corral_rt *rt, corral_trace_fn fn, void *ud)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    rt->trace_fn = fn;
    rt->trace_ud = ud;
    return 0;
}

int corral_rt_set_log_fn(corral_rt *rt, corral_trace_fn fn, void *ud)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    rt->log_fn = fn;
    rt->log_ud = ud;
    return 0;
}

int corral_log(corral_rt *rt, const char *actor, const char *text)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!actor || !text)
        return corral__fail(CORRAL_EINVALIDARG, "log: actor and text are required");
    corral__trace(rt, actor, "log %s", text);
    return 0;
}

int corral_trace_emit(corral_rt *rt, const char *actor, const char *event)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!actor || !event)
        return corral__fail(CORRAL_EINVALIDARG, "trace_emit: actor and event are required");
    corral__trace(rt, actor, "%s", event);
    return 0;
}
