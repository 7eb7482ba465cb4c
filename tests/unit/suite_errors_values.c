/* errors_values: versions, codes, strerror/error_name/errno, time helpers, values, error
 * objects and corral_error_format. No runtime needed. */
#include "cu.h"

#include <math.h>
#include <stdio.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

/* ---- versions -------------------------------------------------------------------------------- */

START_TEST(test_version)
{
    ck_assert_int_eq(corral_version(), CORRAL_VERSION_NUMBER);
    ck_assert_int_eq(CORRAL_VERSION_NUMBER, 100);
    ck_assert_str_eq(corral_version_string(), CORRAL_VERSION_STRING);
    ck_assert_str_eq(corral_version_string(), "0.1.0");
    ck_assert(CORRAL_VERSION_CHECK(0, 1, 0));
    ck_assert(CORRAL_VERSION_CHECK(0, 0, 9));
    ck_assert(!CORRAL_VERSION_CHECK(0, 1, 1));
    ck_assert(!CORRAL_VERSION_CHECK(1, 0, 0));
    ck_assert_int_eq(CORRAL_SOVERSION, 0);
}
END_TEST

/* ---- codes ------------------------------------------------------------------------------------
 */

static const struct {
    int code;
    const char *name;
    int err; /* expected corral_errno, 0 = not pinned by the header */
} codes[] = {
    {CORRAL_ECANCELLED, "Cancelled", ECANCELED},
    {CORRAL_ETIMEOUT, "Timeout", ETIMEDOUT},
    {CORRAL_ETASKCANCELLED, "TaskCancelled", 0},
    {CORRAL_EFUTURECANCELLED, "FutureCancelled", 0},
    {CORRAL_EINVALIDSTATE, "InvalidState", EINVAL},
    {CORRAL_EINVALIDARG, "InvalidArgument", EINVAL},
    {CORRAL_EGROUPCLOSED, "GroupClosed", EPIPE},
    {CORRAL_EQUEUECLOSED, "QueueClosed", EPIPE},
    {CORRAL_EQUEUEEMPTY, "QueueEmpty", EAGAIN},
    {CORRAL_EQUEUEFULL, "QueueFull", EAGAIN},
    {CORRAL_EERRORGROUP, "ErrorGroup", 0},
    {CORRAL_ESTRAYCANCELLATION, "StrayCancellation", 0},
    {CORRAL_ECLEANUPTIMEOUT, "CleanupTimeout", 0},
    {CORRAL_EDEADLOCK, "Deadlock", 0},
    {CORRAL_EUSER, "User", 0},
    {CORRAL_ECLOSED, NULL, EBADF},
};
#define NCODES (sizeof codes / sizeof codes[0])

START_TEST(test_code_values)
{
    /* The numeric values are ABI. */
    ck_assert_int_eq(CORRAL_OK, 0);
    ck_assert_int_eq(CORRAL_PENDING, 1);
    ck_assert_int_eq(CORRAL_DONE, 2);
    ck_assert_int_eq(CORRAL_ECANCELLED, -1000);
    ck_assert_int_eq(CORRAL_ECLOSED, -1015);
    ck_assert_int_eq(CORRAL_ENOMEM, -ENOMEM);
    for (size_t i = 0; i < NCODES; i++)
        ck_assert_int_eq(codes[i].code, -1000 - (int)i);
}
END_TEST

START_TEST(test_strerror)
{
    for (size_t i = 0; i < NCODES; i++) {
        const char *s = corral_strerror(codes[i].code);
        ck_assert_msg(s != NULL && s[0] != '\0', "strerror(%d) empty", codes[i].code);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(s, corral_strerror(codes[j].code)) != 0,
                          "strerror(%d) == strerror(%d): %s", codes[i].code, codes[j].code, s);
    }
    ck_assert_ptr_nonnull(corral_strerror(0));
    ck_assert_ptr_nonnull(corral_strerror(CORRAL_PENDING));
    ck_assert_ptr_nonnull(corral_strerror(CORRAL_DONE));
    const char *s = corral_strerror(CORRAL_ENOMEM);
    ck_assert(s != NULL && s[0] != '\0');
    s = corral_strerror(-EBADF);
    ck_assert(s != NULL && s[0] != '\0');
    /* unknown codes still give static text */
    ck_assert_ptr_nonnull(corral_strerror(-999999));
    ck_assert_ptr_nonnull(corral_strerror(12345));
    ck_assert_ptr_nonnull(corral_strerror(INT32_MIN));
}
END_TEST

START_TEST(test_error_name)
{
    for (size_t i = 0; i < NCODES; i++) {
        const char *n = corral_error_name(codes[i].code);
        ck_assert_msg(n != NULL && n[0] != '\0', "error_name(%d) empty", codes[i].code);
        if (codes[i].name)
            ck_assert_str_eq(n, codes[i].name);
    }
    ck_assert_str_eq(corral_error_name(CORRAL_ENOMEM), "Errno");
    ck_assert_str_eq(corral_error_name(-EIO), "Errno");
    ck_assert_str_eq(corral_error_name(-EBADF), "Errno");
    ck_assert_ptr_nonnull(corral_error_name(0));
    ck_assert_ptr_nonnull(corral_error_name(-999999));
    ck_assert_ptr_nonnull(corral_error_name(INT32_MIN));
}
END_TEST

START_TEST(test_errno_mapping)
{
    for (size_t i = 0; i < NCODES; i++) {
        int e = corral_errno(codes[i].code);
        ck_assert_msg(e > 0, "corral_errno(%d) = %d", codes[i].code, e);
        if (codes[i].err)
            ck_assert_msg(e == codes[i].err, "corral_errno(%s) = %d, want %d",
                          corral_error_name(codes[i].code), e, codes[i].err);
    }
    ck_assert_int_eq(corral_errno(CORRAL_ENOMEM), ENOMEM);
    ck_assert_int_eq(corral_errno(-EIO), EIO);
    ck_assert_int_eq(corral_errno(-EBADF), EBADF);
    ck_assert_int_eq(corral_errno(-EAGAIN), EAGAIN);
}
END_TEST

static void *fresh_thread_message(void *arg)
{
    const char **out = arg;
    *out = corral_last_error_message();
    return NULL;
}

START_TEST(test_last_error_message)
{
    /* A thread that never failed has "" (never NULL). */
    const char *m = NULL;
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, fresh_thread_message, &m), 0);
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(m, "");

    /* After a failure the detail is readable (non-NULL). */
    ck_assert_int_eq(corral_rt_new(NULL, 0), CORRAL_EINVALIDARG);
    ck_assert_ptr_nonnull(corral_last_error_message());
    corral_error *e = (corral_error *)0x1;
    ck_assert_int_eq(corral_error_new(&e, CORRAL_EUSER, NULL, "x"), CORRAL_EINVALIDARG);
    ck_assert_ptr_nonnull(corral_last_error_message());
}
END_TEST

/* ---- time helpers ------------------------------------------------------------------------------
 */

START_TEST(test_time_helpers)
{
    ck_assert_int_eq(corral_ms(0), 0);
    ck_assert_int_eq(corral_ms(1), 1000000);
    ck_assert_int_eq(corral_ms(1500), INT64_C(1500000000));
    ck_assert_int_eq(corral_ms(-1), -1000000);
    ck_assert_int_eq(corral_s(0), 0);
    ck_assert_int_eq(corral_s(1), INT64_C(1000000000));
    ck_assert_int_eq(corral_s(3600), INT64_C(3600000000000));
    ck_assert_int_eq(corral_s(-2), INT64_C(-2000000000));
    /* exact at the edge, saturating past it */
    int64_t max_ms = INT64_MAX / 1000000, max_s = INT64_MAX / 1000000000;
    ck_assert_int_eq(corral_ms(max_ms), max_ms * 1000000);
    ck_assert_int_eq(corral_s(max_s), max_s * 1000000000);
    ck_assert_int_eq(corral_ms(max_ms + 1), INT64_MAX);
    ck_assert_int_eq(corral_s(max_s + 1), INT64_MAX);
    ck_assert_int_eq(corral_ms(INT64_MAX), INT64_MAX);
    ck_assert_int_eq(corral_s(INT64_MAX), INT64_MAX);
    ck_assert_int_eq(corral_ms(INT64_MAX / 2), INT64_MAX);
    ck_assert_int_eq(corral_ms(-max_ms - 1), INT64_MIN);
    ck_assert_int_eq(corral_s(-max_s - 1), INT64_MIN);
    ck_assert_int_eq(corral_ms(INT64_MIN), INT64_MIN);
    ck_assert_int_eq(corral_s(INT64_MIN), INT64_MIN);
}
END_TEST

/* ---- values
 * -------------------------------------------------------------------------------------- */

static int dtor_calls;
static void *dtor_last;
static void count_dtor(void *p)
{
    dtor_calls++;
    dtor_last = p;
}

START_TEST(test_value_layout)
{
    /* The ABI struct: fixed field order and types. */
    ck_assert_int_eq(CORRAL_VALUE_NONE, 0);
    ck_assert_int_eq(CORRAL_VALUE_INT, 1);
    ck_assert_int_eq(CORRAL_VALUE_DOUBLE, 2);
    ck_assert_int_eq(CORRAL_VALUE_BYTES, 3);
    ck_assert_int_eq(CORRAL_VALUE_PTR, 4);
    ck_assert_int_eq(CORRAL_VALUE_HOST, 5);
    ck_assert_uint_eq(offsetof(corral_value, type), 0);
    ck_assert_uint_eq(offsetof(corral_value, binding), 4);
    ck_assert_uint_eq(offsetof(corral_value, as), 8);
    ck_assert_uint_eq(offsetof(corral_value, len), 16);
    ck_assert_uint_eq(offsetof(corral_value, dtor), 24);
}
END_TEST

/* The canonical float text of trace lines, the same in every binding: shortest %g that
 * reads back, "nan" whatever its sign bit. */
static int double_body(corral_task *self, void *arg, corral_value *result)
{
    (void)self;
    *result = (corral_value){.type = CORRAL_VALUE_DOUBLE, .as.d = *(const double *)arg};
    return 0;
}

static int doubles_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    static const double xs[] = {1.0, 0.5, -0.0, 1e20, 1e-7, 123456789.0, 1e16};
    static double nan_neg;
    nan_neg = -NAN;
    char name[16];
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        snprintf(name, sizeof name, "d%zu", i);
        FCHECK(cu_spawn(name, double_body, (void *)&xs[i]));
    }
    FCHECK(cu_spawn("dnan", double_body, &nan_neg));
    return 0;
}

START_TEST(test_double_trace_text)
{
    ck_assert_int_eq(cu_run(doubles_main, NULL), 0);
    ck_assert(cu_trace_has("0 d0 done 1"));
    ck_assert(cu_trace_has("0 d1 done 0.5"));
    ck_assert(cu_trace_has("0 d2 done -0"));
    ck_assert(cu_trace_has("0 d3 done 1e+20"));
    ck_assert(cu_trace_has("0 d4 done 1e-07"));
    ck_assert(cu_trace_has("0 d5 done 123456789"));
    ck_assert(cu_trace_has("0 d6 done 1e+16"));
    ck_assert(cu_trace_has("0 dnan done nan"));
}
END_TEST

/* One event, one line: newlines inside a detail are escaped. */
static int newline_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    FCHECK_EQ(corral_log(cu.rt, "main", "two\nlines\r"), 0);
    return corral_task_raise(self, "ValueError", "multi\nline");
}

START_TEST(test_trace_lines_escape_newlines)
{
    cu_run(newline_main, NULL);
    ck_assert(cu_trace_has("0 main log two\\nlines\\r"));
    ck_assert(cu_trace_has("0 main fail ValueError:multi\\nline"));
}
END_TEST

START_TEST(test_value_clear)
{
    corral_value_clear(NULL); /* NULL-safe */

    corral_value v = cu_none();
    corral_value_clear(&v);
    ck_assert_uint_eq(v.type, CORRAL_VALUE_NONE);

    v = cu_int(42);
    corral_value_clear(&v);
    ck_assert_uint_eq(v.type, CORRAL_VALUE_NONE);

    v = cu_none();
    v.type = CORRAL_VALUE_DOUBLE;
    v.as.d = 2.5;
    corral_value_clear(&v);
    ck_assert_uint_eq(v.type, CORRAL_VALUE_NONE);

    static int target;
    dtor_calls = 0;
    dtor_last = NULL;
    v = cu_none();
    v.type = CORRAL_VALUE_PTR;
    v.as.p = &target;
    v.dtor = count_dtor;
    corral_value_clear(&v);
    ck_assert_int_eq(dtor_calls, 1);
    ck_assert_ptr_eq(dtor_last, &target);
    ck_assert_uint_eq(v.type, CORRAL_VALUE_NONE);
    corral_value_clear(&v); /* a cleared value is NONE: the dtor never runs twice */
    ck_assert_int_eq(dtor_calls, 1);

    v = cu_none();
    v.type = CORRAL_VALUE_PTR;
    v.as.p = &target;
    v.dtor = NULL;
    corral_value_clear(&v);
    ck_assert_uint_eq(v.type, CORRAL_VALUE_NONE);

    v = cu_host(3, 77);
    corral_value_clear(&v);
    ck_assert_uint_eq(v.type, CORRAL_VALUE_NONE);
}
END_TEST

/* ---- error objects ------------------------------------------------------------------------------
 */

START_TEST(test_error_new_bad_args)
{
    corral_error *e = NULL;
    ck_assert_int_eq(corral_error_new(NULL, CORRAL_ETIMEOUT, NULL, "x"), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_error_new(&e, 0, NULL, "x"), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(e);
    ck_assert_int_eq(corral_error_new(&e, 5, NULL, "x"), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(e);
    ck_assert_int_eq(corral_error_new(&e, CORRAL_EUSER, NULL, "x"), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(e);
}
END_TEST

static int msg_empty(const char *m)
{
    return m == NULL || m[0] == '\0';
}

START_TEST(test_error_basic)
{
    corral_error *e = NULL;
    ck_assert_int_eq(corral_error_new(&e, CORRAL_ETIMEOUT, NULL, "too slow"), 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(corral_error_code(e), CORRAL_ETIMEOUT);
    ck_assert_str_eq(corral_error_kind(e), "Timeout");
    ck_assert_str_eq(corral_error_message(e), "too slow");
    ck_assert_ptr_null(corral_error_host(e));
    ck_assert_ptr_null(corral_error_context(e));
    char buf[64];
    ck_assert_int_eq(corral_error_format(e, buf, sizeof buf), (int)strlen("Timeout:too slow"));
    ck_assert_str_eq(buf, "Timeout:too slow");
    corral_error_unref(e);

    /* message NULL: "Kind" alone */
    ck_assert_int_eq(corral_error_new(&e, CORRAL_ECLEANUPTIMEOUT, NULL, NULL), 0);
    ck_assert_str_eq(corral_error_kind(e), "CleanupTimeout");
    ck_assert(msg_empty(corral_error_message(e)));
    ck_assert_int_eq(corral_error_format(e, buf, sizeof buf), (int)strlen("CleanupTimeout"));
    ck_assert_str_eq(buf, "CleanupTimeout");
    corral_error_unref(e);

    /* empty message: ":" omitted too */
    ck_assert_int_eq(corral_error_new(&e, CORRAL_EQUEUECLOSED, NULL, ""), 0);
    corral_error_format(e, buf, sizeof buf);
    ck_assert_str_eq(buf, "QueueClosed");
    corral_error_unref(e);

    /* User kind; strings are copied */
    char kind[16] = "ValueError", msg[16] = "boom";
    ck_assert_int_eq(corral_error_new(&e, CORRAL_EUSER, kind, msg), 0);
    memset(kind, 'X', sizeof kind - 1);
    memset(msg, 'Y', sizeof msg - 1);
    ck_assert_int_eq(corral_error_code(e), CORRAL_EUSER);
    ck_assert_str_eq(corral_error_kind(e), "ValueError");
    ck_assert_str_eq(corral_error_message(e), "boom");
    corral_error_format(e, buf, sizeof buf);
    ck_assert_str_eq(buf, "ValueError:boom");

    /* ref/unref: same object, freed after the last unref */
    ck_assert_ptr_eq(corral_error_ref(e), e);
    corral_error_unref(e);
    ck_assert_str_eq(corral_error_kind(e), "ValueError");
    corral_error_unref(e);

    /* system codes are allowed */
    ck_assert_int_eq(corral_error_new(&e, CORRAL_ENOMEM, NULL, "oom"), 0);
    ck_assert_int_eq(corral_error_code(e), CORRAL_ENOMEM);
    corral_error_unref(e);
}
END_TEST

START_TEST(test_error_null_accessors)
{
    ck_assert_int_eq(corral_error_code(NULL), 0);
    ck_assert_str_eq(corral_error_kind(NULL), "");
    ck_assert_str_eq(corral_error_message(NULL), "");
    ck_assert_ptr_null(corral_error_host(NULL));
    ck_assert_ptr_null(corral_error_context(NULL));
    ck_assert_ptr_null(corral_error_ref(NULL));
    corral_error_unref(NULL);
    char buf[8] = "zzzz";
    int n = corral_error_format(NULL, buf, sizeof buf);
    ck_assert_int_ge(n, 0);
    ck_assert_ptr_nonnull(memchr(buf, '\0', sizeof buf));
    ck_assert_int_eq(corral_error_set_context(NULL, NULL), CORRAL_EINVALIDARG);
}
END_TEST

START_TEST(test_error_context_chain)
{
    corral_error *e1, *e2, *e3;
    ck_assert_int_eq(corral_error_new(&e1, CORRAL_EUSER, "ValueError", "x"), 0);
    ck_assert_int_eq(corral_error_new(&e2, CORRAL_EUSER, "RuntimeError", "cb"), 0);
    ck_assert_int_eq(corral_error_new(&e3, CORRAL_ETIMEOUT, NULL, NULL), 0);

    ck_assert_int_eq(corral_error_set_context(e2, e1), 0);
    /* set_context took a reference: dropping ours keeps e1 alive through e2 */
    corral_error_unref(e1);
    ck_assert_ptr_eq(corral_error_context(e2), e1);
    ck_assert_str_eq(corral_error_kind(corral_error_context(e2)), "ValueError");

    char buf[128];
    const char *want2 = "RuntimeError:cb <- ValueError:x";
    ck_assert_int_eq(corral_error_format(e2, buf, sizeof buf), (int)strlen(want2));
    ck_assert_str_eq(buf, want2);

    ck_assert_int_eq(corral_error_set_context(e3, e2), 0);
    const char *want3 = "Timeout <- RuntimeError:cb <- ValueError:x";
    ck_assert_int_eq(corral_error_format(e3, buf, sizeof buf), (int)strlen(want3));
    ck_assert_str_eq(buf, want3);
    corral_error_unref(e2);

    /* snprintf-like truncation: always terminated, returns the full length */
    char small[8];
    memset(small, 'Q', sizeof small);
    ck_assert_int_eq(corral_error_format(e3, small, sizeof small), (int)strlen(want3));
    ck_assert_uint_eq(strlen(small), sizeof small - 1);
    ck_assert(strncmp(small, want3, sizeof small - 1) == 0);
    char one[1] = {'Q'};
    ck_assert_int_eq(corral_error_format(e3, one, 1), (int)strlen(want3));
    ck_assert_int_eq(one[0], '\0');
    ck_assert_int_eq(corral_error_format(e3, NULL, 0), (int)strlen(want3));

    corral_error_unref(e3);
}
END_TEST

START_TEST(test_error_context_replace)
{
    corral_error *a, *b, *c;
    ck_assert_int_eq(corral_error_new(&a, CORRAL_EUSER, "A", "a"), 0);
    ck_assert_int_eq(corral_error_new(&b, CORRAL_EUSER, "B", "b"), 0);
    ck_assert_int_eq(corral_error_new(&c, CORRAL_EUSER, "C", "c"), 0);
    ck_assert_int_eq(corral_error_set_context(a, b), 0);
    ck_assert_int_eq(corral_error_set_context(a, c), 0); /* replaces; b's reference dropped */
    ck_assert_ptr_eq(corral_error_context(a), c);
    char buf[64];
    corral_error_format(a, buf, sizeof buf);
    ck_assert_str_eq(buf, "A:a <- C:c");
    corral_error_unref(a);
    corral_error_unref(b);
    corral_error_unref(c);
}
END_TEST

START_TEST(test_error_host)
{
    corral_rt *rt = NULL;
    ck_assert_int_eq(corral_rt_new(&rt, CORRAL_RT_VIRTUAL_CLOCK), 0);
    corral_error *e;
    ck_assert_int_eq(corral_error_new(&e, CORRAL_EUSER, "KeyError", "k"), 0);
    corral_value h = cu_host(7, 0xfeedULL);
    ck_assert_int_eq(corral_error_set_host(e, rt, &h), 0);
    h.as.token = 1; /* the error keeps its own copy */
    const corral_value *got = corral_error_host(e);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(got->type, CORRAL_VALUE_HOST);
    ck_assert_uint_eq(got->binding, 7);
    ck_assert_uint_eq(got->as.token, 0xfeedULL);
    /* the host payload does not change the trace text */
    char buf[64];
    corral_error_format(e, buf, sizeof buf);
    ck_assert_str_eq(buf, "KeyError:k");
    /* host already set; NULL; not a HOST value */
    ck_assert_int_eq(corral_error_set_host(e, rt, &h), CORRAL_EINVALIDARG);
    corral_error *e2;
    ck_assert_int_eq(corral_error_new(&e2, CORRAL_EUSER, "KeyError", "k2"), 0);
    ck_assert_int_eq(corral_error_set_host(e2, rt, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_error_set_host(e2, NULL, &h), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_error_set_host(NULL, rt, &h), CORRAL_EINVALIDARG);
    corral_value i = cu_int(3);
    ck_assert_int_eq(corral_error_set_host(e2, rt, &i), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(corral_error_host(e2));
    /* the error keeps the runtime's memory alive; a closed runtime refuses */
    corral_rt_unref(rt); /* closes rt: the last user reference */
    ck_assert_int_eq(corral_error_set_host(e2, rt, &h), CORRAL_ECLOSED);
    corral_error_unref(e2);
    corral_error_unref(e); /* nothing delivered: rt is closed; memory goes now (valgrind) */
}
END_TEST

START_TEST(test_cause_names)
{
    static const char *const names[] = {"NONE",      "EXPLICIT", "DEADLINE", "GROUP_CLOSE",
                                        "FAIL_FAST", "PARENT",   "SIGNAL",   "SHUTDOWN"};
    ck_assert_int_eq(CORRAL_CAUSE_NONE, 0);
    ck_assert_int_eq(CORRAL_CAUSE_SHUTDOWN, 7);
    for (int i = 0; i < 8; i++)
        ck_assert_str_eq(corral_cause_name(i), names[i]);
    ck_assert_ptr_nonnull(corral_cause_name(99));
    ck_assert_ptr_nonnull(corral_cause_name(-1));
}
END_TEST

Suite *cu_suite_errors_values(void)
{
    Suite *s = suite_create("errors_values");
    TCase *tc = tcase_create("codes");
    tcase_add_checked_fixture(tc, cu_setup_bare, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_version);
    tcase_add_test(tc, test_code_values);
    tcase_add_test(tc, test_strerror);
    tcase_add_test(tc, test_error_name);
    tcase_add_test(tc, test_errno_mapping);
    tcase_add_test(tc, test_last_error_message);
    tcase_add_test(tc, test_time_helpers);
    tcase_add_test(tc, test_cause_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("values");
    tcase_add_checked_fixture(tc, cu_setup_bare, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_value_layout);
    tcase_add_test(tc, test_value_clear);
    suite_add_tcase(s, tc);

    tc = tcase_create("value_text");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_double_trace_text);
    tcase_add_test(tc, test_trace_lines_escape_newlines);
    suite_add_tcase(s, tc);

    tc = tcase_create("error_objects");
    tcase_add_checked_fixture(tc, cu_setup_bare, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_error_new_bad_args);
    tcase_add_test(tc, test_error_basic);
    tcase_add_test(tc, test_error_null_accessors);
    tcase_add_test(tc, test_error_context_chain);
    tcase_add_test(tc, test_error_context_replace);
    tcase_add_test(tc, test_error_host);
    suite_add_tcase(s, tc);
    return s;
}
