/* trace.c - trace lines "<t_ms> <actor> <event>" (R77) and diagnostics. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
 * lines. out has room for 2 * len characters. Returns the escaped length. */
static size_t escape_line(const char *line, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
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

/* The line with its newlines escaped: in buf when it fits, else in a buffer the caller
 * frees (*heap); out of memory: the line as it is (still whole, if not one line). */
static const char *one_line(const char *line, size_t *len, char *buf, size_t cap, char **heap)
{
    *heap = NULL;
    if (!memchr(line, '\n', *len) && !memchr(line, '\r', *len))
        return line;
    char *out = buf;
    if (2 * *len > cap && !(out = *heap = malloc(2 * *len)))
        return line;
    *len = escape_line(line, *len, out);
    return out;
}

static void emit_line(corral_rt *rt, const char *line, size_t len)
{
    char buf[2048], *heap;
    line = one_line(line, &len, buf, sizeof buf, &heap);
    if (rt->trace_fn)
        rt->trace_fn(line, len, rt->trace_ud);
    if (rt->trace_fd >= 0) {
        char nl = '\n';
        write_all(rt->trace_fd, line, len);
        write_all(rt->trace_fd, &nl, 1);
    }
    free(heap);
}

/* vsnprintf into buf, or into a heap buffer (*heap, the caller frees it) when the text is
 * longer: trace lines and diagnostics are never cut (out of memory: cut to fit buf). */
static size_t format_whole(char *buf, size_t cap, char **heap, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    *heap = NULL;
    int n = vsnprintf(buf, cap, fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n;
    if (len >= cap) {
        char *big = malloc(len + 1);
        if (big) {
            vsnprintf(big, len + 1, fmt, again);
            *heap = big;
        } else {
            len = cap - 1;
        }
    }
    va_end(again);
    return len;
}

void corral__trace(corral_rt *rt, const char *actor, const char *fmt, ...)
{
    if (!rt->trace_fn && rt->trace_fd < 0)
        return;
    /* "<ms> <actor> <event>" formatted once into a stack buffer; only a line longer than
     * it is formatted again, into the heap (lines are never cut) */
    char line[1024], *heap = NULL;
    const char *l = line;
    int64_t ms = corral__now(rt) / 1000000;
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int p = snprintf(line, sizeof line, "%" PRId64 " %s ", ms, actor);
    size_t used = p < 0 ? 0 : (size_t)p < sizeof line ? (size_t)p : sizeof line - 1;
    int b = vsnprintf(line + used, sizeof line - used, fmt, ap);
    size_t len = (size_t)(p < 0 ? 0 : p) + (size_t)(b < 0 ? 0 : b);
    if (len >= sizeof line) {
        if ((heap = malloc(len + 1))) {
            int q = snprintf(heap, len + 1, "%" PRId64 " %s ", ms, actor);
            vsnprintf(heap + q, len + 1 - (size_t)q, fmt, again);
            l = heap;
        } else {
            len = sizeof line - 1; /* out of memory: as much as fits */
        }
    }
    va_end(again);
    va_end(ap);
    emit_line(rt, l, len);
    free(heap);
}

void corral__log_diag(corral_rt *rt, const char *fmt, ...)
{
    char line[1024], *heap, buf[2048], *eheap;
    va_list ap;
    va_start(ap, fmt);
    size_t len = format_whole(line, sizeof line, &heap, fmt, ap);
    va_end(ap);
    const char *text = one_line(heap ? heap : line, &len, buf, sizeof buf, &eheap);
    if (rt->log_fn) {
        rt->log_fn(text, len, rt->log_ud);
    } else {
        fprintf(stderr, "corral: %.*s\n", (int)len, text);
    }
    free(eheap);
    free(heap);
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
