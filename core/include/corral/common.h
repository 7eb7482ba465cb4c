/*
 * corral/common.h - export macros, versions, error codes, values and error objects.
 *
 * Conventions used by every corral header:
 *   - Every fallible call returns an int: 0 (or a documented non-negative result) on success,
 *     a negative CORRAL_E* code on failure. No call reports through errno alone.
 *   - Handles are opaque. A function named *_new hands the caller one reference, released
 *     with the type's *_unref. *_ref and *_unref are NULL-safe and atomic.
 *   - *_close is an idempotent state change, distinct from *_unref: after close a handle stays
 *     valid memory, and calls on it return CORRAL_ECLOSED instead of crashing.
 *   - Times are int64_t nanoseconds on the runtime's clock; deadlines are absolute; -1 = none.
 *   - "Thread: loop" means only the thread that runs the object's runtime may call;
 *     "Thread: any" means any thread.
 */
#ifndef CORRAL_COMMON_H
#define CORRAL_COMMON_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#if defined(CORRAL_STATIC)
#define CORRAL_API
#elif defined(__GNUC__)
#define CORRAL_API __attribute__((visibility("default")))
#else
#define CORRAL_API
#endif

#ifdef __cplusplus
#define CORRAL_BEGIN_DECLS extern "C" {
#define CORRAL_END_DECLS }
#else
#define CORRAL_BEGIN_DECLS
#define CORRAL_END_DECLS
#endif

CORRAL_BEGIN_DECLS

/* ---- Versions ------------------------------------------------------------------------ */

#define CORRAL_VERSION_MAJOR 0
#define CORRAL_VERSION_MINOR 1
#define CORRAL_VERSION_PATCH 0
#define CORRAL_VERSION_NUMBER                                                                      \
    (CORRAL_VERSION_MAJOR * 10000 + CORRAL_VERSION_MINOR * 100 + CORRAL_VERSION_PATCH)
#define CORRAL_VERSION_STRING "0.1.0"
/* True when the headers are at least version (M, m, p). */
#define CORRAL_VERSION_CHECK(M, m, p) (CORRAL_VERSION_NUMBER >= ((M)*10000 + (m)*100 + (p)))
/* The shared library's soname is libcorral.so.<CORRAL_SOVERSION>. */
#define CORRAL_SOVERSION 0

/* The library's CORRAL_VERSION_NUMBER, for comparing against the headers. Thread: any. */
CORRAL_API int corral_version(void);
/* The library's version as a static string ("0.1.0"). Thread: any. */
CORRAL_API const char *corral_version_string(void);

/* ---- Status and error codes ------------------------------------------------------------ */

#define CORRAL_OK 0
/* corral_task_await: the operation parked; its outcome arrives with the task's next step. */
#define CORRAL_PENDING 1
/* corral_host_poll: the run is over; read the outcome with corral_rt_run_status. */
#define CORRAL_DONE 2

/* One code per outcome kind of semantics R2. */
#define CORRAL_ECANCELLED (-1000)         /* Cancelled: control flow, never an error value */
#define CORRAL_ETIMEOUT (-1001)           /* Timeout: a fail_* scope or per-call deadline */
#define CORRAL_ETASKCANCELLED (-1002)     /* TaskCancelled: joined task ended CANCELLED */
#define CORRAL_EFUTURECANCELLED (-1003)   /* FutureCancelled: awaited future was cancelled */
#define CORRAL_EINVALIDSTATE (-1004)      /* InvalidState */
#define CORRAL_EINVALIDARG (-1005)        /* InvalidArgument (NULL handle, bad duration...) */
#define CORRAL_EGROUPCLOSED (-1006)       /* GroupClosed */
#define CORRAL_EQUEUECLOSED (-1007)       /* QueueClosed */
#define CORRAL_EQUEUEEMPTY (-1008)        /* QueueEmpty */
#define CORRAL_EQUEUEFULL (-1009)         /* QueueFull */
#define CORRAL_EERRORGROUP (-1010)        /* ErrorGroup */
#define CORRAL_ESTRAYCANCELLATION (-1011) /* StrayCancellation (R14) */
#define CORRAL_ECLEANUPTIMEOUT (-1012)    /* CleanupTimeout (R66) */
#define CORRAL_EDEADLOCK (-1013)          /* Deadlock (R10) */
#define CORRAL_EUSER (-1014)              /* User(kind, message): a host or C user error */
#define CORRAL_ECLOSED (-1015)            /* the handle (or its runtime) was closed */
#define CORRAL_ESTOPPED (-1016)           /* the loop was stopped by corral_rt_stop */
/* System failures are negative errno values. */
#define CORRAL_ENOMEM (-ENOMEM)

/* Static text for a code ("operation cancelled"). Thread: any. */
CORRAL_API const char *corral_strerror(int code);
/* The R2 kind name of a code ("Cancelled", "Timeout", ...); "Errno" for system codes.
 * Thread: any. */
CORRAL_API const char *corral_error_name(int code);
/* The nearest errno for code written in libdill's style (R75): ECANCELED, ETIMEDOUT, EPIPE
 * for QueueClosed/GroupClosed, EAGAIN for QueueEmpty/QueueFull, EINVAL for
 * InvalidState/InvalidArgument, EBADF for Closed; -code for system codes. Thread: any. */
CORRAL_API int corral_errno(int code);
/* Detail of the last failure on this thread ("sleep: negative duration"), or "" if none.
 * Valid until the next corral call on this thread. Thread: any (thread-local). */
CORRAL_API const char *corral_last_error_message(void);

/* ---- Time helpers ------------------------------------------------------------------------ */

/* n milliseconds in nanoseconds, saturating. Thread: any. */
CORRAL_API int64_t corral_ms(int64_t n);
/* n seconds in nanoseconds, saturating. Thread: any. */
CORRAL_API int64_t corral_s(int64_t n);

/* ---- Values ------------------------------------------------------------------------------ */

/* The values that may cross languages (design.md, "Values and errors across the ABI").
 * One of the three transparent structs of the ABI (with corral_op and corral_record); its
 * layout never changes. */
#define CORRAL_VALUE_NONE 0   /* no value (None / nil / unit) */
#define CORRAL_VALUE_INT 1    /* as.i */
#define CORRAL_VALUE_DOUBLE 2 /* as.d */
#define CORRAL_VALUE_BYTES 3  /* as.p, len bytes; the core copies them when it takes a value */
#define CORRAL_VALUE_PTR 4    /* as.p; dtor (may be NULL) runs once when the value is dropped */
#define CORRAL_VALUE_HOST 5   /* as.token of binding `binding`; released by a RELEASE record */

typedef struct corral_value {
    uint32_t type;    /* CORRAL_VALUE_* */
    uint32_t binding; /* HOST: the binding that owns the token (any non-zero id it chose) */
    union {
        int64_t i;
        double d;
        const void *p;
        uint64_t token;
    } as;
    uint64_t len;          /* BYTES: length in bytes */
    void (*dtor)(void *p); /* PTR: destructor, or NULL */
} corral_value;

/* Drop a value the caller owns: frees BYTES copies made by the core, runs a PTR's dtor, and
 * leaves a NONE value. HOST tokens are the binding's own business (nothing to do).
 * NULL-safe. Thread: any. */
CORRAL_API void corral_value_clear(corral_value *v);

/* ---- Error objects ------------------------------------------------------------------------ */

/* An error that travels through the core: a code, a kind name, a message, an optional host
 * payload (so the same language gets its own exception object back) and an optional
 * context error (printed "Kind:msg <- Context:msg" in traces). Refcounted, immutable after
 * creation apart from set_context/set_host. */
typedef struct corral_error corral_error;

/* Create an error. `code` is a CORRAL_E* kind code; for CORRAL_EUSER `kind` names the host
 * kind ("ValueError"), otherwise `kind` may be NULL (the R2 name is used). `msg` may be NULL.
 * Strings are copied. Errors: CORRAL_EINVALIDARG (out NULL, code >= 0, EUSER without kind),
 * CORRAL_ENOMEM. Thread: any. */
CORRAL_API int corral_error_new(corral_error **out, int code, const char *kind, const char *msg);
/* Create an ErrorGroup (R54) holding `n` errors in order (a reference to each is taken; none
 * may be Cancelled). Its message is the members' canonical list, "[ValueError:a, ...]".
 * Errors: CORRAL_EINVALIDARG, CORRAL_ENOMEM. Thread: any. */
CORRAL_API int corral_error_new_group(corral_error **out, corral_error *const *errors, size_t n);
/* Members of an ErrorGroup: the count (0 for other errors and NULL), and member i
 * (borrowed; NULL when out of range). Thread: any. */
CORRAL_API size_t corral_error_group_size(const corral_error *e);
CORRAL_API corral_error *corral_error_group_get(const corral_error *e, size_t i);

/* Attach the host object behind this error (a HOST value): the token then belongs to the
 * error, and when the error's last reference goes, runtime `rt` hands it back to its binding
 * as a RELEASE record (nothing is delivered if rt is closed by then). The error keeps rt's
 * memory alive. Errors: CORRAL_EINVALIDARG (NULL, not a HOST value, host already set),
 * CORRAL_ECLOSED. Thread: the loop thread of rt, as for the error's last unref. */
struct corral_rt;
CORRAL_API int corral_error_set_host(corral_error *e, struct corral_rt *rt,
                                     const corral_value *host);
/* Attach `context` (the error that was being handled); takes a reference. Thread: any. */
CORRAL_API int corral_error_set_context(corral_error *e, corral_error *context);
/* Mark an error fatal (R58: Python KeyboardInterrupt/SystemExit, a Rust panic the binding
 * treats as fatal). A task failing with a fatal error behaves as FAIL_FAST in every group: the
 * group is closed with cancellation and a scoped group's exit raises that error itself (not
 * wrapped; so is a fatal error raised by the group's body); in a free group it also goes to
 * the root, which cancels main, and the run ends with it after cleanup. Handlers never see it.
 * Thread: any, before the error is shared. */
CORRAL_API int corral_error_set_fatal(corral_error *e, int fatal);
CORRAL_API int corral_error_is_fatal(const corral_error *e);
/* Accessors; all borrowed and valid while `e` is referenced. NULL-safe (0 / "" / NULL). */
CORRAL_API int corral_error_code(const corral_error *e);
CORRAL_API const char *corral_error_kind(const corral_error *e);
CORRAL_API const char *corral_error_message(const corral_error *e);
CORRAL_API const corral_value *corral_error_host(const corral_error *e);
CORRAL_API corral_error *corral_error_context(const corral_error *e);
/* Canonical trace text "Kind[:msg][ <- context]" into buf (always NUL-terminated if cap > 0).
 * Returns the full length (like snprintf). Thread: any. */
CORRAL_API int corral_error_format(const corral_error *e, char *buf, size_t cap);
CORRAL_API corral_error *corral_error_ref(corral_error *e);
CORRAL_API void corral_error_unref(corral_error *e);

CORRAL_END_DECLS

#endif /* CORRAL_COMMON_H */
