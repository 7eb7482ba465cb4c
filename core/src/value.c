/* value.c - the values that cross languages, and time helpers. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void corral_value_clear(corral_value *v)
{
    if (!v)
        return;
    if (v->type == CORRAL_VALUE_BYTES)
        free((void *)v->as.p);
    else if (v->type == CORRAL_VALUE_PTR && v->dtor)
        v->dtor((void *)v->as.p);
    memset(v, 0, sizeof *v);
}

int corral__value_take(corral_value *dst, const corral_value *src)
{
    if (!src) {
        memset(dst, 0, sizeof *dst);
        return 0;
    }
    if (src->type > CORRAL_VALUE_HOST)
        return corral__fail(CORRAL_EINVALIDARG, "value: unknown type %u", src->type);
    *dst = *src;
    if (src->type == CORRAL_VALUE_BYTES) {
        if (src->len && !src->as.p)
            return corral__fail(CORRAL_EINVALIDARG, "value: BYTES with NULL data");
        char *copy = malloc(src->len + 1); /* NUL-terminated for convenience */
        if (!copy)
            return CORRAL_ENOMEM;
        if (src->len)
            memcpy(copy, src->as.p, src->len);
        copy[src->len] = '\0';
        dst->as.p = copy;
    }
    return 0;
}

void corral__value_drop(corral_rt *rt, corral_value *v)
{
    if (v->type == CORRAL_VALUE_HOST) {
        corral__job *j = rt && !rt->closed ? corral__job_new(rt, CORRAL__ENTRY_RELEASE) : NULL;
        if (j) {
            j->binding = v->binding;
            j->token = v->as.token;
            corral__ready_job(rt, j);
        }
        memset(v, 0, sizeof *v);
        return;
    }
    corral_value_clear(v);
}

/* BYTES as text, snprintf-style (returns the full length): a NUL is written as the two
 * characters \0, as every binding writes one in a text (tests/conformance/README.md). */
static int bytes_text(const char *p, size_t len, char *buf, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        const char *s = p[i] ? &p[i] : "\\0";
        for (size_t k = 0, n = p[i] ? 1 : 2; k < n; k++, o++)
            if (o + 1 < cap)
                buf[o] = s[k];
    }
    if (cap)
        buf[o < cap ? o : cap - 1] = '\0';
    return (int)o;
}

int corral__value_format(const corral_value *v, char *buf, size_t cap)
{
    switch (v ? v->type : CORRAL_VALUE_NONE) {
    case CORRAL_VALUE_NONE:
        if (cap)
            buf[0] = '\0';
        return 0;
    case CORRAL_VALUE_INT:
        return snprintf(buf, cap, "%" PRId64, v->as.i);
    case CORRAL_VALUE_DOUBLE: {
        /* The canonical float text every binding prints (tests/conformance/README.md): the
         * shortest %g form that reads back as the same double ("1", "0.5", "1e+20",
         * "-0", "inf"), and "nan" whatever the NaN's sign bit. */
        if (isnan(v->as.d))
            return snprintf(buf, cap, "nan");
        for (int prec = 1; prec <= 17; prec++) {
            char tmp[64];
            snprintf(tmp, sizeof tmp, "%.*g", prec, v->as.d);
            if (strtod(tmp, NULL) == v->as.d)
                return snprintf(buf, cap, "%s", tmp);
        }
        return snprintf(buf, cap, "%.17g", v->as.d);
    }
    case CORRAL_VALUE_BYTES:
        return bytes_text((const char *)v->as.p, v->len, buf, cap);
    case CORRAL_VALUE_PTR:
        return snprintf(buf, cap, "<ptr>");
    default:
        return snprintf(buf, cap, "<host>");
    }
}

const char *corral__value_text(const corral_value *v, char *buf, size_t cap, char **heap)
{
    *heap = NULL;
    int n = corral__value_format(v, buf, cap);
    if (n < 0 || (size_t)n < cap)
        return buf;
    char *big = malloc((size_t)n + 1);
    if (!big)
        return buf;
    corral__value_format(v, big, (size_t)n + 1);
    return *heap = big;
}

static int64_t saturating_mul(int64_t n, int64_t unit)
{
    if (n > INT64_MAX / unit)
        return INT64_MAX;
    if (n < INT64_MIN / unit)
        return INT64_MIN;
    return n * unit;
}

int64_t corral_ms(int64_t n)
{
    return saturating_mul(n, 1000000);
}
int64_t corral_s(int64_t n)
{
    return saturating_mul(n, 1000000000);
}
