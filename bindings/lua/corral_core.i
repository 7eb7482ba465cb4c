/*
 * corral_core.i - SWIG 4.1 interface for the low-level Lua module `corral.core`.
 *
 *   swig -lua -nomoduleglobal -I<core/include> -o corral_core_wrap.c corral_core.i
 *   -> luaopen_corral_core, loaded with require "corral.core" from corral/core.so
 *
 * What it generates from the public header (core/include/corral.h):
 *   - every corral_* function that makes sense from Lua, under its C name without the
 *     prefix (core.rt_new, core.task_cancel, core.future_set_result, ...), constants without
 *     the CORRAL_ prefix (core.ECANCELLED, core.OP_SLEEP, ...);
 *   - opaque handles as SWIG classes whose __gc calls the type's *_unref (corral_rt,
 *     corral_task, corral_future, corral_scope, corral_group, corral_queue, corral_error,
 *     corral_event, corral_lock, corral_semaphore, corral_condition, corral_watch);
 *     *_ref/*_unref themselves are not exported: the garbage collector owns the references;
 *   - `T **out` parameters become extra results: `rc, obj = core.queue_new(rt, 0)`;
 *   - borrowed handle results (root group, task_rt, *_error, error_context) take their own
 *     reference, so a Lua value never dangles;
 *   - every C integer (int, int32_t, uint32_t, int64_t, uint64_t, size_t) arrives as a Lua
 *     integer on 5.3+ (SWIG's default would push floats) and only integral numbers are
 *     accepted for integer parameters;
 *   - corral_value parameters are converted from and to Lua values (nil, integers, floats,
 *     strings; any other Lua value travels as a HOST token of the running host driver);
 *   - groups (issue 6): GROUP_COLLECT, OP_GROUP_NEXT_DONE (host_await resumes with the
 *     member's spawn index), SCOPE_CLEANUP; group_member (a task handle, == the spawned one),
 *     task_current_group and group_scope (borrowed results with their own reference; the
 *     group scope lives as long as its group: keep the group's handle), group_set_cleanup_timeout,
 *     group_cleanup_timeout, cleanup_enter, error_set_fatal/error_is_fatal (a Lua error table
 *     with fatal = true becomes a fatal error, and a fatal error without a Lua value comes
 *     back with fatal = true); core.handle_key(handle) names the C object behind a handle;
 *   - queues and sync (issue 7): queue kinds and priorities, Event, Lock, Semaphore, Condition
 *     and the watch cell as handles (lock_owner -> a task handle or nil, condition_lock -> a
 *     lock handle with its own reference, watch_get -> rc, value, version); host_await takes
 *     CORRAL_OP_EVENT_WAIT ... WATCH_PUT and a QUEUE_PUT priority (corral_op.arg). Queue
 *     handles carry the "corral.Queue" metatable with C methods for the per-item path
 *     (put_nowait, get_nowait, try_put, try_get, get_nowait_until_empty, qsize); handle_ptr /
 *     queue_from_ptr hand queues to and from C code in the same process; queue_fn_ptrs and
 *     take_value serve LuaJIT's FFI path (corral/queue_jit.lua).
 *
 * Functions that take C callbacks or block a C fiber are not wrapped (spawn_fiber, sleep,
 * join, group_exit, group_next_done, the C fiber helpers of helpers.h, ...), nor group_wrap
 * (C values only: the Lua layer wraps in Lua), nor those only a host driver calls
 * (task_await, task_finish, task_abandon, host_poll, host_poll_submit). rt_run_cause and
 * rt_report_error are wrapped as they are: `core.rt_run_cause(rt)` -> CORRAL_CAUSE_* (or a
 * negative code), and `core.rt_report_error(rt, group|nil, actor, err)` with err from
 * core.host_error. Host tasks are driven by the hand-written native functions at the end of
 * this file (core.host_*): the pull-style driver of host.h, with batched records, so that no
 * Lua function is ever called from C and no lua_error crosses libevent's frames.
 */
%module corral_core

%{
#include <corral.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if LUA_VERSION_NUM < 502
#define lua_objlen_compat(L, i) lua_objlen(L, i)
#else
#define lua_objlen_compat(L, i) lua_rawlen(L, i)
#endif
%}

/* ---------------------------------------------------------------------------------------
 * Text in: a Lua string may hold a NUL, a C string ends there. Every text that goes to the
 * core (names, log lines, value texts, error kinds and messages) is written with each NUL
 * as the two characters \0, the rule of every binding (tests/conformance/README.md).
 * ------------------------------------------------------------------------------------- */
%{
/* The string at idx with its NULs escaped: the string itself when it has none, else an
 * escaped copy that replaces it at idx (so it lives as long as the argument). NULL for a
 * value that is not a string or a number. */
static const char *lcorral_text(lua_State *L, int idx)
{
    size_t len, i;
    const char *s = lua_tolstring(L, idx, &len);
    luaL_Buffer b;
    if (!s || strlen(s) == len)
        return s;
    if (idx < 0 && idx > LUA_REGISTRYINDEX)
        idx = lua_gettop(L) + idx + 1;
    luaL_buffinit(L, &b);
    for (i = 0; i < len; i++) {
        if (s[i])
            luaL_addchar(&b, s[i]);
        else
            luaL_addlstring(&b, "\\0", 2);
    }
    luaL_pushresult(&b);
    lua_replace(L, idx);
    return lua_tostring(L, idx);
}
%}
%typemap(in, checkfn="SWIG_lua_isnilstring") const char *
%{ $1 = ($1_ltype)lcorral_text(L, $input); %}

/* ---------------------------------------------------------------------------------------
 * Integers: Lua integers in and out.
 * ------------------------------------------------------------------------------------- */
%{
#if LUA_VERSION_NUM >= 503
#define LCORRAL_PUSHINT(L, x) lua_pushinteger(L, (lua_Integer)(x))
#else
#define LCORRAL_PUSHINT(L, x) lua_pushnumber(L, (lua_Number)(x))
#endif

/* A number with an integral value (floats such as 3.0 are accepted, 3.5 and "3" are not).
 * 2^63 is accepted and saturates to INT64_MAX (lcorral_d2i): LuaJIT numbers cannot hold
 * INT64_MAX, and the Lua layer saturates huge times to it (R3). */
static int lcorral_isinteger(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TNUMBER)
        return 0;
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, idx))
        return 1;
#endif
    {
        lua_Number d = lua_tonumber(L, idx);
        return d == floor(d) && d >= -9223372036854775808.0 && d <= 9223372036854775808.0;
    }
}

static int lcorral_isuinteger(lua_State *L, int idx)
{
    if (!lcorral_isinteger(L, idx))
        return 0;
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, idx))
        return lua_tointeger(L, idx) >= 0;
#endif
    return lua_tonumber(L, idx) >= 0;
}

/* A double as int64_t, saturating (a plain cast of 2^63 or more is undefined). */
static int64_t lcorral_d2i(double d)
{
    if (d != d)
        return 0;
    if (d >= 9223372036854775807.0)
        return INT64_MAX;
    if (d <= -9223372036854775807.0)
        return INT64_MIN;
    return (int64_t)d;
}

static int64_t lcorral_tointeger(lua_State *L, int idx)
{
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, idx))
        return (int64_t)lua_tointeger(L, idx);
#endif
    return lcorral_d2i((double)lua_tonumber(L, idx));
}
%}

%typemap(in, checkfn="lcorral_isinteger") int, int32_t, int64_t, long, long long
%{ $1 = ($1_ltype)lcorral_tointeger(L, $input); %}
%typemap(in, checkfn="lcorral_isuinteger") unsigned int, uint32_t, uint64_t, size_t,
    unsigned long, unsigned long long
%{ $1 = ($1_ltype)lcorral_tointeger(L, $input); %}
%typemap(out) int, int32_t, int64_t, long, long long, unsigned int, uint32_t, uint64_t, size_t,
    unsigned long, unsigned long long
%{ LCORRAL_PUSHINT(L, $1); SWIG_arg++; %}
%typemap(typecheck) int, int32_t, int64_t = long;

/* ---------------------------------------------------------------------------------------
 * Opaque handles: SWIG classes with a destructor that drops the reference.
 * ------------------------------------------------------------------------------------- */
%define CORRAL_HANDLE(TYPE, UNREF)
%nodefaultctor TYPE;
struct TYPE {};
%extend TYPE {
    ~TYPE() { UNREF($self); }
}
/* T **out: an extra result, owned by Lua (nil when the call failed). */
%typemap(in, numinputs=0) TYPE **out (TYPE *temp = NULL) %{ $1 = &temp; %}
%typemap(argout) TYPE **out
%{ if (temp$argnum) SWIG_NewPointerObj(L, temp$argnum, $*descriptor, 1); else lua_pushnil(L);
   SWIG_arg++; %}
%enddef

CORRAL_HANDLE(corral_rt, corral_rt_unref)
CORRAL_HANDLE(corral_task, corral_task_unref)
CORRAL_HANDLE(corral_future, corral_future_unref)
CORRAL_HANDLE(corral_scope, corral_scope_unref)
CORRAL_HANDLE(corral_group, corral_group_unref)
CORRAL_HANDLE(corral_queue, corral_queue_unref)
CORRAL_HANDLE(corral_error, corral_error_unref)
/* Queues and synchronization (issue 7) */
CORRAL_HANDLE(corral_event, corral_event_unref)
CORRAL_HANDLE(corral_lock, corral_lock_unref)
CORRAL_HANDLE(corral_semaphore, corral_semaphore_unref)
CORRAL_HANDLE(corral_condition, corral_condition_unref)
CORRAL_HANDLE(corral_watch, corral_watch_unref)

/* Queue handles are the Lua layer's corral.Queue objects: SWIG's layout (every wrapper taking
 * a corral_queue* accepts them) with the "corral.Queue" metatable, whose __gc drops the
 * reference and whose C methods (put_nowait, get_nowait, try_put, try_get, qsize) make the
 * per-item path one C call; the Lua layer (corral/queue.lua) adds the others. */
%{
static void lcorral_push_queue(lua_State *L, corral_queue *q);
%}
%typemap(argout) corral_queue **out
%{ if (temp$argnum) lcorral_push_queue(L, temp$argnum); else lua_pushnil(L); SWIG_arg++; %}

/* Borrowed results: take a reference so that Lua owns what it holds. */
%typemap(out) corral_group *corral_rt_root_group
%{ SWIG_NewPointerObj(L, corral_group_ref($1), $descriptor, 1); SWIG_arg++; %}
%typemap(out) corral_rt *corral_task_rt
%{ SWIG_NewPointerObj(L, corral_rt_ref($1), $descriptor, 1); SWIG_arg++; %}
/* Borrowed group results (groups, issue 6): a group's cancel scope (trio's
 * nursery.cancel_scope) and the group code in a task spawns into by default
 * (current_taskgroup); nil for NULL. */
%typemap(out) corral_scope *corral_group_scope
%{ if ($1) SWIG_NewPointerObj(L, corral_scope_ref($1), $descriptor, 1); else lua_pushnil(L);
   SWIG_arg++; %}
%typemap(out) corral_group *corral_task_current_group
%{ if ($1) SWIG_NewPointerObj(L, corral_group_ref($1), $descriptor, 1); else lua_pushnil(L);
   SWIG_arg++; %}
/* A COLLECT group's member by spawn index: a task handle (the corral.Task metatable, so it
 * compares equal to the handle spawn returned), or nil out of range. */
%typemap(out) corral_task *corral_group_member
%{ if ($1) lcorral_push_task_handle(L, corral_task_ref($1)); else lua_pushnil(L);
   SWIG_arg++; %}
/* The owner of a lock (a task handle, == the spawned one) or nil; the lock of a condition
 * (borrowed: a reference is taken). */
%typemap(out) corral_task *corral_lock_owner
%{ if ($1) lcorral_push_task_handle(L, corral_task_ref($1)); else lua_pushnil(L);
   SWIG_arg++; %}
%typemap(out) corral_lock *corral_condition_lock
%{ if ($1) SWIG_NewPointerObj(L, corral_lock_ref($1), $descriptor, 1); else lua_pushnil(L);
   SWIG_arg++; %}
/* corral_watch_get(w, out, version) -> rc, value (borrowed: copied), version */
%typemap(in, numinputs=0) uint64_t *version (uint64_t temp = 0) %{ $1 = &temp; %}
%typemap(argout) uint64_t *version %{ LCORRAL_PUSHINT(L, temp$argnum); SWIG_arg++; %}
%typemap(out) corral_error *corral_task_error, corral_error *corral_task_last_error,
    corral_error *corral_future_error, corral_error *corral_error_context,
    corral_error *corral_rt_run_error, corral_error *corral_error_group_get
%{ SWIG_NewPointerObj(L, corral_error_ref($1), $descriptor, 1); SWIG_arg++; %}

/* corral_error_new_group(out, errors, n): `errors` is a Lua sequence of corral_error
 * handles -> rc, group_error */
%{
static int lcorral_istable(lua_State *L, int idx) { return lua_istable(L, idx); }
%}
%typemap(in, checkfn="lcorral_istable") (corral_error *const *errors, size_t n)
%{ {
     size_t i, cnt = (size_t)lua_objlen_compat(L, $input);
     $1 = (corral_error **)calloc(cnt ? cnt : 1, sizeof(corral_error *));
     if (!$1) { SWIG_Lua_pushferrstring(L, "Error in $symname: out of memory"); SWIG_fail; }
     $2 = cnt;
     for (i = 0; i < cnt; i++) {
       void *p = NULL;
       lua_rawgeti(L, $input, (int)(i + 1));
       if (!SWIG_IsOK(SWIG_ConvertPtr(L, -1, &p, SWIGTYPE_p_corral_error, 0)) || !p) {
         lua_pop(L, 1);
         free($1);
         $1 = NULL;
         SWIG_Lua_pushferrstring(L, "Error in $symname (arg $argnum), element %d is not a corral_error", (int)(i + 1));
         SWIG_fail;
       }
       lua_pop(L, 1);
       $1[i] = (corral_error *)p;
     }
   } %}
%typemap(freearg) (corral_error *const *errors, size_t n) %{ free((void *)$1); %}

/* corral_error_format(e, buf, cap) -> length, text */
%typemap(in, numinputs=0) (char *buf, size_t cap) (char temp[1024])
%{ $1 = temp; $2 = sizeof temp; temp[0] = '\0'; %}
%typemap(argout) (char *buf, size_t cap)
%{ lua_pushstring(L, temp$argnum); SWIG_arg++; %}

/* ---------------------------------------------------------------------------------------
 * Values: Lua values in and out (see the host driver below for HOST tokens).
 * ------------------------------------------------------------------------------------- */
%{
typedef struct lcorral_host lcorral_host;
static lcorral_host *lcorral_current(lua_State *L);
static const char *lcorral_to_value(lua_State *L, lcorral_host *h, int idx, corral_value *v);
static void lcorral_release_value(lua_State *L, lcorral_host *h, corral_value *v);
static void lcorral_push_value(lua_State *L, lcorral_host *h, corral_value *v, int owned);
static int lcorral_anyvalue(lua_State *L, int idx) { (void)L; (void)idx; return 1; }
%}

%typemap(in, checkfn="lcorral_anyvalue") const corral_value *v (corral_value temp, lcorral_host *host)
%{ host = lcorral_current(L);
   {
     const char *why = lcorral_to_value(L, host, $input, &temp);
     if (why) { SWIG_Lua_pushferrstring(L, "Error in $symname (arg $argnum), %s", why); SWIG_fail; }
   }
   $1 = &temp; %}
/* The callee takes the value only on success: give a HOST token back otherwise. */
%typemap(argout) const corral_value *v
%{ if (result < 0) lcorral_release_value(L, host$argnum, &temp$argnum); %}
%apply const corral_value *v { const corral_value *initial };

/* corral_value *out: an extra result. Borrowed for task/future results, owned for queues. */
%typemap(in, numinputs=0) corral_value *out (corral_value temp)
%{ memset(&temp, 0, sizeof temp); $1 = &temp; %}
%typemap(argout) corral_value *out
%{ if (result >= 0)
     lcorral_push_value(L, lcorral_current(L), &temp$argnum,
                        strcmp("$symname", "queue_get_nowait") == 0 ||
                        strcmp("$symname", "queue_get_nowait_until_empty") == 0);
   else
     lua_pushnil(L);
   SWIG_arg++; %}

/* ---------------------------------------------------------------------------------------
 * Names: corral_x -> x, CORRAL_X -> X. The handle classes keep their C names.
 * ------------------------------------------------------------------------------------- */
%rename("%(strip:[corral_])s", %$isfunction) "";
%rename("%(strip:[CORRAL_])s", %$isconstant) "";

/* Not wrapped: reference counting (the GC owns references), C callbacks, fiber-blocking
 * calls, raw records/ops/values (the host driver below handles them), thread-only words. */
%ignore corral_value;
%ignore corral_value::as;
%ignore corral_value_as;
%ignore corral_value::dtor;
%ignore corral_record;
%ignore corral_op;
%ignore corral_value_clear;
%ignore corral_error_set_host;
%ignore corral_error_host;
%ignore corral_error_ref;
%ignore corral_error_unref;
%ignore corral_rt_ref;
%ignore corral_rt_unref;
%ignore corral_rt_run;
%ignore corral_rt_post_threadsafe;
%ignore corral_rt_set_trace_fn;
%ignore corral_rt_set_log_fn;
%ignore corral_spawn_fiber;
%ignore corral_spawn_step;
%ignore corral_task_ref;
%ignore corral_task_unref;
%ignore corral_current;
%ignore corral_task_cancel_flag;
%ignore corral_task_await;
%ignore corral_task_await_many;
%ignore corral_task_finish;
%ignore corral_await;
%ignore corral_checkpoint;
%ignore corral_sleep;
%ignore corral_sleep_for;
%ignore corral_join;
%ignore corral_task_set_local;
%ignore corral_task_get_local;
%ignore corral_future_ref;
%ignore corral_future_unref;
%ignore corral_future_add_callback;
%ignore corral_future_await;
%ignore corral_scope_ref;
%ignore corral_scope_unref;
%ignore corral_uncancellable;
%ignore corral_group_ref;
%ignore corral_group_unref;
%ignore corral_group_set_handler;
%ignore corral_group_wait_closing;
%ignore corral_group_wait_closed;
%ignore corral_group_async_close;
%ignore corral_group_exit; /* fiber only: Lua tasks await CORRAL_OP_GROUP_EXIT (host_await) */
%ignore corral_group_next_done; /* fiber only: Lua tasks await CORRAL_OP_GROUP_NEXT_DONE */
/* Wraps C values only (a HOST value fails the wrapper): the Lua layer's Group:wrap is a Lua
 * member task that awaits the Lua future or task, so Lua values come back unchanged. */
%ignore corral_group_wrap;
%ignore corral_queue_ref;
%ignore corral_queue_unref;
%ignore corral_queue_get;
%ignore corral_queue_put;
/* Issue 7: fiber-only shorthands (host tasks await CORRAL_OP_QUEUE_PUT with op.arg = the
 * priority, CORRAL_OP_EVENT_WAIT ... CORRAL_OP_WATCH_PUT through host_await) and the
 * references the garbage collector owns. */
%ignore corral_queue_put_priority;
%ignore corral_queue_unget; /* for a host that drops a received outcome (Rust); a Lua task
                             * always observes what it received */
%ignore corral_queue_get_until_empty; /* Lua: Queue:get, then queue_get_nowait_until_empty */
%ignore corral_event_ref;
%ignore corral_event_unref;
%ignore corral_event_wait;
%ignore corral_lock_ref;
%ignore corral_lock_unref;
%ignore corral_lock_acquire;
%ignore corral_semaphore_ref;
%ignore corral_semaphore_unref;
%ignore corral_semaphore_acquire;
%ignore corral_condition_ref;
%ignore corral_condition_unref;
%ignore corral_condition_wait;
%ignore corral_watch_ref;
%ignore corral_watch_unref;
%ignore corral_watch_next;
%ignore corral_watch_put;
/* For C step tasks, which receive owned values borrowed for the step; host records carry
 * CORRAL_RECORD_OWNED instead, and a Lua task is never inside a C step. */
%ignore corral_task_take_value;
%ignore corral_host_poll;
/* HANDLER records never reach Lua as corral_record: host_poll turns them into tables and
 * host_handler_raised names them by their index in the batch. */
%ignore corral_group_handler_raised;
/* Batched host calls: raw arrays of C structs holding borrowed task pointers and operations;
 * the hand-written driver below owns every await/finish of Lua tasks, so Lua never queues
 * commands itself. */
%ignore corral_host_poll_submit;
%ignore corral_host_cmd;
/* Withdraw an await because the host dropped what awaited it (a Rust future in a select!).
 * A Lua coroutine cannot drop a pending operation: it stays suspended until its RESUME
 * record, and abandoning it behind the Lua layer's back would leave that coroutine waiting
 * for a record that never comes. */
%ignore corral_task_abandon;
%ignore corral_fiber_fn;
%ignore corral_step_fn;
%ignore corral_future_cb;
%ignore corral_group_handler_fn;
%ignore corral_trace_fn;
/* exitstack.h is for C fibers (corral_exitstack_close runs in a fiber); it is not included,
 * and its functions are named here so the declaration check sees them handled. */
%ignore corral_exitstack_new;
%ignore corral_exitstack_ref;
%ignore corral_exitstack_unref;
%ignore corral_exitstack_set_cleanup_timeout;
%ignore corral_exitstack_cleanup_timeout;
%ignore corral_exitstack_push;
%ignore corral_exitstack_push_fiber;
%ignore corral_exitstack_size;
%ignore corral_exitstack_pop_all;
%ignore corral_exitstack_close;
%ignore corral_exitstack_closed;
%ignore corral_exitstack_enter;
/* context.h likewise (enter and exit run in a C fiber); the Lua layer drives its own context
 * managers under the same rules (R66-R69). */
%ignore corral_acm_enter;
%ignore corral_acm_exit;
%ignore corral_ctxgroup_new;
%ignore corral_ctxgroup_ref;
%ignore corral_ctxgroup_unref;
%ignore corral_ctxgroup_set_task_names;
%ignore corral_ctxgroup_add;
%ignore corral_ctxgroup_size;
%ignore corral_ctxgroup_enter;
%ignore corral_ctxgroup_value;
%ignore corral_ctxgroup_enter_error;
%ignore corral_ctxgroup_exit;
%ignore corral_ctxgroup_exit_state;
%ignore CORRAL_API;

#define CORRAL_API
#define CORRAL_BEGIN_DECLS
#define CORRAL_END_DECLS
/* helpers.h (corral_race, corral_gather_safe, ...) is for C fibers: it is not included. The
 * Lua layer builds the same helpers on COLLECT groups and CORRAL_OP_GROUP_NEXT_DONE. */
%include "corral/common.h"
%include "corral/runtime.h"
%include "corral/task.h"
%include "corral/future.h"
%include "corral/scope.h"
%include "corral/group.h"
%include "corral/queue.h"
%include "corral/sync.h"
%include "corral/host.h"

/* ---------------------------------------------------------------------------------------
 * The host driver (hand-written Lua C API; registered as core.host_*).
 *
 * A host object belongs to one runtime. It owns a table token -> Lua value for the HOST
 * values it gave the core (task results, future and queue items, error payloads, callback
 * tokens) and drops entries when RELEASE records arrive. host_poll runs the core until host
 * work is due and writes the records into a Lua array as pairs (tag, value):
 *   tag = token > 0: START (value nil) or RESUME with status 0 (value = the result);
 *   tag = -token:    RESUME with an error (value = the Lua error value);
 *   tag = 0:         CALLBACK (value = the Lua value registered for the callback's token)
 *                    or HANDLER (value = a fresh table {handler = the Lua value registered
 *                    with corral_group_set_host_handler (nil if no longer registered),
 *                    err = the Lua error value, task = a handle of the failed member or nil,
 *                    i = the record's index for host_handler_raised}).
 * Task tokens are positive (the Lua layer's slots); START and RESUME are told apart by the
 * Lua layer (a task that has no coroutine yet is starting). RELEASE records are handled
 * inside host_poll and never reach Lua.
 * ------------------------------------------------------------------------------------- */
%{
#define LCORRAL_VAL_BINDING 0x4C554101u  /* "LUA" 1: Lua values */
#define LCORRAL_TASK_BINDING 0x4C554102u /* "LUA" 2: task tokens (the Lua layer's) */
#define LCORRAL_CAP 256
#define LCORRAL_HOST_MT "corral.core.host"
#define LCORRAL_CURRENT "corral.core.current"
#define LCORRAL_TASK_MT "corral.Task"
#define LCORRAL_OP_SLEEP_FOR 101 /* host_await only: SLEEP with a relative duration */

struct lcorral_host {
    corral_rt *rt;       /* a reference */
    int convert_budget;  /* errors left to make for one Lua error value (lcorral_make_error) */
    int href;            /* registry ref: token -> Lua value */
    int errmt;           /* registry ref: metatable of error tables, or LUA_NOREF */
    int taskmt;          /* registry ref: metatable of task handles */
    size_t n;            /* records handed to Lua in the last batch */
    int closed;
    int logmode;         /* 0: the core's default (stderr), 1: discard, 2: collect */
    char *log;           /* collected diagnostics (mode 2) */
    size_t loglen, logcap;
    unsigned short idx[LCORRAL_CAP]; /* Lua record i -> recs[idx[i - 1]] */
    /* Parked puts (QUEUE_PUT, WATCH_PUT) of HOST values, by task token (the Lua layer's slot):
     * a put that fails leaves its item with the caller (queue.h), so the token is dropped when
     * the task's RESUME record brings an error, and forgotten when the item was taken. */
    uint64_t *puttok;
    size_t nputtok;
    corral_record recs[LCORRAL_CAP];
};

static int lcorral_abs(lua_State *L, int idx)
{
    return idx > 0 || idx <= LUA_REGISTRYINDEX ? idx : lua_gettop(L) + idx + 1;
}

/* t[k] for an integer key k (t an absolute index). */
static void lcorral_geti(lua_State *L, int t, uint64_t k)
{
#if LUA_VERSION_NUM >= 503
    lua_rawgeti(L, t, (lua_Integer)k);
#else
    lua_pushnumber(L, (lua_Number)k);
    lua_rawget(L, t);
#endif
}

/* t[k] = top (popped). */
static void lcorral_seti(lua_State *L, int t, uint64_t k)
{
#if LUA_VERSION_NUM >= 503
    lua_rawseti(L, t, (lua_Integer)k);
#else
    lua_pushnumber(L, (lua_Number)k);
    lua_insert(L, -2);
    lua_rawset(L, t);
#endif
}

/* t[k] = nil (t an absolute index). */
static void lcorral_seti_nil(lua_State *L, int t, uint64_t k)
{
    lua_pushnil(L);
    lcorral_seti(L, t, k);
}

/* The current host of this Lua state: cached per OS thread (checked against the state's
 * allocator data, which identifies the Lua state), else read from the registry. */
/* initial-exec: static TLS, so the dlopen'ed module needs no dynamic TLS block (which
 * LeakSanitizer misreads after Lua unloads the module at exit). */
#define LCORRAL_TLS __thread __attribute__((tls_model("initial-exec")))
static LCORRAL_TLS lcorral_host *lcorral_cache_host;
static LCORRAL_TLS void *lcorral_cache_state;

static void *lcorral_state_id(lua_State *L)
{
    void *ud = NULL;
    lua_Alloc f = lua_getallocf(L, &ud);
    return ud ? ud : (void *)f;
}

static lcorral_host *lcorral_current(lua_State *L)
{
    lcorral_host *h;
    if (lcorral_cache_host && lcorral_cache_state == lcorral_state_id(L))
        return lcorral_cache_host->closed ? NULL : lcorral_cache_host;
    lua_getfield(L, LUA_REGISTRYINDEX, LCORRAL_CURRENT);
    h = (lcorral_host *)lua_touserdata(L, -1);
    lua_pop(L, 1);
    return h && !h->closed ? h : NULL;
}

static lcorral_host *lcorral_check_host(lua_State *L, int idx)
{
    lcorral_host *h = (lcorral_host *)luaL_checkudata(L, idx, LCORRAL_HOST_MT);
    if (h->closed)
        luaL_error(L, "corral.core: the host driver is closed");
    return h;
}

/* Tokens are unique in the process, so a token of an old host never finds a value of a
 * newer one. */
static uint64_t lcorral_next_token;

/* Store a Lua value under a fresh token. */
static uint64_t lcorral_ref(lua_State *L, lcorral_host *h, int idx)
{
    uint64_t tok = ++lcorral_next_token;
    idx = lcorral_abs(L, idx);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->href);
    lua_pushvalue(L, idx);
    lcorral_seti(L, lua_gettop(L) - 1, tok);
    lua_pop(L, 1);
    return tok;
}

static void lcorral_unref(lua_State *L, lcorral_host *h, uint64_t tok)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->href);
    lua_pushnil(L);
    lcorral_seti(L, lua_gettop(L) - 1, tok);
    lua_pop(L, 1);
}

/* Push the value of token (nil if unknown); with take, the token is dropped. */
static void lcorral_push_token(lua_State *L, lcorral_host *h, uint64_t tok, int take)
{
    int t;
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->href);
    t = lua_gettop(L);
    lcorral_geti(L, t, tok);
    if (take) {
        lua_pushnil(L);
        lcorral_seti(L, t, tok);
    }
    lua_remove(L, t);
}

/* Lua value -> corral_value. Returns NULL or a reason. Strings are borrowed from the
 * stack (the core copies them when it takes the value). */
static const char *lcorral_to_value(lua_State *L, lcorral_host *h, int idx, corral_value *v)
{
    memset(v, 0, sizeof *v);
    switch (lua_type(L, idx)) {
    case LUA_TNONE:
    case LUA_TNIL:
        v->type = CORRAL_VALUE_NONE;
        return NULL;
    case LUA_TNUMBER:
#if LUA_VERSION_NUM >= 503
        if (lua_isinteger(L, idx)) {
            v->type = CORRAL_VALUE_INT;
            v->as.i = (int64_t)lua_tointeger(L, idx);
            return NULL;
        }
        v->type = CORRAL_VALUE_DOUBLE;
        v->as.d = (double)lua_tonumber(L, idx);
#else
        {
            lua_Number d = lua_tonumber(L, idx);
            /* an integral double crosses as an integer (LuaJIT has no integer subtype),
             * except -0, whose sign the canonical text keeps ("-0") */
            if (d == floor(d) && d > -9007199254740992.0 && d < 9007199254740992.0 &&
                !(d == 0 && signbit(d))) {
                v->type = CORRAL_VALUE_INT;
                v->as.i = (int64_t)d;
            } else {
                v->type = CORRAL_VALUE_DOUBLE;
                v->as.d = (double)d;
            }
        }
#endif
        return NULL;
    case LUA_TSTRING: {
        size_t len;
        v->type = CORRAL_VALUE_BYTES;
        v->as.p = lua_tolstring(L, idx, &len);
        v->len = len;
        return NULL;
    }
    default:
        if (!h)
            return "a Lua value of this type needs a running corral host";
        v->type = CORRAL_VALUE_HOST;
        v->binding = LCORRAL_VAL_BINDING;
        v->as.token = lcorral_ref(L, h, idx);
        return NULL;
    }
}

/* A value the core did not take: drop its HOST token. */
static void lcorral_release_value(lua_State *L, lcorral_host *h, corral_value *v)
{
    if (h && !h->closed && v->type == CORRAL_VALUE_HOST && v->binding == LCORRAL_VAL_BINDING)
        lcorral_unref(L, h, v->as.token);
    memset(v, 0, sizeof *v);
}

/* corral_value -> Lua value. With owned, the value is ours: BYTES/PTR copies are freed and
 * HOST tokens dropped after pushing. */
static void lcorral_push_value(lua_State *L, lcorral_host *h, corral_value *v, int owned)
{
    switch (v->type) {
    case CORRAL_VALUE_INT:
        LCORRAL_PUSHINT(L, v->as.i);
        break;
    case CORRAL_VALUE_DOUBLE:
        lua_pushnumber(L, (lua_Number)v->as.d);
        break;
    case CORRAL_VALUE_BYTES:
        lua_pushlstring(L, (const char *)v->as.p, (size_t)v->len);
        break;
    case CORRAL_VALUE_PTR:
        lua_pushlightuserdata(L, (void *)v->as.p);
        break;
    case CORRAL_VALUE_HOST:
        if (h && v->binding == LCORRAL_VAL_BINDING) {
            lcorral_push_token(L, h, v->as.token, owned);
            return;
        }
        lua_pushnil(L);
        break;
    default:
        lua_pushnil(L);
        break;
    }
    if (owned)
        corral_value_clear(v);
}

/* corral_error -> Lua error value: the host's own value when it came from Lua, otherwise a
 * table {kind=, msg=, code=, context=} with the error metatable. */
static void lcorral_push_error(lua_State *L, lcorral_host *h, corral_error *e, int status,
                               int depth)
{
    corral_error *ctx;
    if (e && h) {
        const corral_value *hv = corral_error_host(e);
        if (hv && hv->binding == LCORRAL_VAL_BINDING) {
            lcorral_push_token(L, h, hv->as.token, 0);
            if (!lua_isnil(L, -1))
                return;
            lua_pop(L, 1);
        }
    }
    lua_createtable(L, 0, 4);
    lua_pushstring(L, e ? corral_error_kind(e) : corral_error_name(status));
    lua_setfield(L, -2, "kind");
    lua_pushstring(L, e ? corral_error_message(e) : "");
    lua_setfield(L, -2, "msg");
    LCORRAL_PUSHINT(L, e ? corral_error_code(e) : status);
    lua_setfield(L, -2, "code");
    if (e && corral_error_group_size(e) > 0 && depth < 32) {
        /* ErrorGroup (R54): errors = the members, each as its own Lua value */
        size_t i, n = corral_error_group_size(e);
        lua_createtable(L, (int)n, 0);
        for (i = 0; i < n; i++) {
            lcorral_push_error(L, h, corral_error_group_get(e, i), CORRAL_EUSER, depth + 1);
            lua_rawseti(L, -2, (int)(i + 1));
        }
        lua_setfield(L, -2, "errors");
    }
    if (e && corral_error_is_fatal(e)) { /* R58, from another binding or C */
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "fatal");
    }
    ctx = e ? corral_error_context(e) : NULL;
    if (ctx && depth < 32) {
        lcorral_push_error(L, h, ctx, 0, depth + 1);
        lua_setfield(L, -2, "context");
    }
    if (h && h->errmt != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, h->errmt);
        lua_setmetatable(L, -2);
    }
}

/* The code of an R2 kind name ("Timeout" -> CORRAL_ETIMEOUT), CORRAL_EUSER otherwise. */
static int lcorral_code_of_kind(const char *kind)
{
    int code;
    for (code = CORRAL_ECANCELLED; code >= CORRAL_ECLOSED; code--)
        if (code != CORRAL_EUSER && strcmp(corral_error_name(code), kind) == 0)
            return code;
    return CORRAL_EUSER;
}

/* Push t[name] of the table at absolute index idx without metamethods. */
static void lcorral_rawfield(lua_State *L, int idx, const char *name)
{
    lua_pushstring(L, name);
    lua_rawget(L, idx);
}

/* Kind and message of a Lua error value, NULs escaped (lcorral_text). The value stays at
 * idx (a string may be replaced there by its escaped copy); strings are borrowed; a table's
 * fields are left on the stack, which the caller resets. */
static void lcorral_describe(lua_State *L, int idx, const char **kind, const char **msg)
{
    idx = lcorral_abs(L, idx);
    *kind = "LuaError";
    *msg = "";
    switch (lua_type(L, idx)) {
    case LUA_TTABLE: /* raw fields: no metamethod runs (it could raise past our cleanup) */
        lcorral_rawfield(L, idx, "kind");
        if (lua_type(L, -1) == LUA_TSTRING && lua_objlen_compat(L, -1) > 0)
            *kind = lcorral_text(L, -1);
        lcorral_rawfield(L, idx, "msg");
        if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)
            *msg = lcorral_text(L, -1);
        break; /* kind and msg stay on the stack: an escaped copy lives there */
    case LUA_TSTRING:
        *msg = lcorral_text(L, idx);
        break;
    case LUA_TNUMBER:
        lua_pushvalue(L, idx);
        *msg = lua_tostring(L, -1);
        lua_replace(L, idx); /* keep the string alive at idx */
        break;
    case LUA_TBOOLEAN:
        *msg = lua_toboolean(L, idx) ? "true" : "false";
        break;
    default:
        *msg = lua_typename(L, lua_type(L, idx));
        break;
    }
}

/* 1 when the Lua error value at idx is a Cancelled error table. */
static int lcorral_is_cancelled(lua_State *L, int idx)
{
    int yes = 0;
    if (lua_type(L, idx) != LUA_TTABLE)
        return 0;
    lcorral_rawfield(L, lcorral_abs(L, idx), "kind");
    if (lua_type(L, -1) == LUA_TSTRING) {
        size_t len;
        const char *k = lua_tolstring(L, -1, &len);
        yes = len == 9 && memcmp(k, "Cancelled", 9) == 0; /* "Cancelled\0x" is not */
    }
    lua_pop(L, 1);
    return yes;
}

/* Lua error value -> corral_error carrying the value as its HOST payload (and its context
 * chain). Returns NULL on allocation failure. *code gets the error's code. */
static corral_error *lcorral_make_error(lua_State *L, lcorral_host *h, int idx, int *code,
                                        int depth);

/* An ErrorGroup table with members (errors = {e1, e2, ...}, as corral's own groups have):
 * a group in the core too, so it is traced "ErrorGroup:[Kind:msg, ...]" as in every language
 * (with no members, *out stays NULL and a plain error is made). Returns 0 or -1 (no memory). */
static int lcorral_group_members(lua_State *L, lcorral_host *h, int idx, corral_error **out,
                                 int depth)
{
    corral_error **members;
    size_t count = 0, n = 0, i;
    int rc = 0, errs;
    if (lua_type(L, idx) != LUA_TTABLE)
        return 0;
    lcorral_rawfield(L, idx, "errors");
    errs = lua_gettop(L);
    if (lua_type(L, errs) == LUA_TTABLE) {
        for (;;) { /* the members are errors[1..count] (up to the first nil) */
            lua_rawgeti(L, errs, (int)count + 1);
            if (lua_isnil(L, -1))
                break;
            lua_pop(L, 1);
            count++;
        }
        lua_pop(L, 1);
    }
    if (count == 0 || !(members = (corral_error **)malloc(count * sizeof *members))) {
        lua_pop(L, 1);
        return count == 0 ? 0 : -1;
    }
    for (i = 1; i <= count && h->convert_budget > 0; i++) {
        int c;
        lua_rawgeti(L, errs, (int)i);
        /* a Cancelled member is control flow, never an error: left out (as in Python) */
        members[n] = lcorral_is_cancelled(L, -1) ? NULL
                                                 : lcorral_make_error(L, h, -1, &c, depth + 1);
        lua_pop(L, 1);
        if (members[n])
            n++; /* (one that cannot be made, out of memory, is left out too) */
    }
    if (n > 0 && corral_error_new_group(out, members, n) < 0)
        *out = NULL; /* a plain error then */
    for (i = 0; i < n; i++)
        corral_error_unref(members[i]);
    free(members);
    lua_pop(L, 1);
    return rc;
}

static corral_error *lcorral_make_error(lua_State *L, lcorral_host *h, int idx, int *code,
                                        int depth)
{
    const char *kind, *msg;
    corral_error *e = NULL;
    corral_value hv;
    int top = lua_gettop(L);
    idx = lcorral_abs(L, idx);
    /* this level leaves up to four values on the stack until its end (the copy, kind, msg,
     * context) and the context chain recurses: make room each time */
    if (!lua_checkstack(L, 8))
        return NULL;
    if (depth == 0) /* a bound on the errors made for one value: shared members, cycles */
        h->convert_budget = 256;
    h->convert_budget--;
    lua_pushvalue(L, idx); /* a working copy: describe may replace it with a string */
    lcorral_describe(L, top + 1, &kind, &msg);
    *code = lcorral_code_of_kind(kind);
    if (*code == CORRAL_EERRORGROUP && depth < 32 && h->convert_budget > 0 &&
        lcorral_group_members(L, h, idx, &e, depth) < 0) {
        lua_settop(L, top);
        return NULL;
    }
    if (!e && corral_error_new(&e, *code, kind, msg) < 0) {
        lua_settop(L, top);
        return NULL;
    }
    memset(&hv, 0, sizeof hv);
    hv.type = CORRAL_VALUE_HOST;
    hv.binding = LCORRAL_VAL_BINDING;
    hv.as.token = lcorral_ref(L, h, idx);
    if (corral_error_set_host(e, h->rt, &hv) < 0)
        lcorral_unref(L, h, hv.as.token);
    if (lua_type(L, idx) == LUA_TTABLE && *code != CORRAL_ECANCELLED) {
        /* R58: an error table with fatal = true (corral.fatal) escalates through groups */
        lcorral_rawfield(L, idx, "fatal");
        if (lua_toboolean(L, -1))
            corral_error_set_fatal(e, 1);
        lua_pop(L, 1);
    }
    if (lua_type(L, idx) == LUA_TTABLE && depth < 32 && h->convert_budget > 0) {
        lcorral_rawfield(L, idx, "context");
        if (!lua_isnil(L, -1)) {
            int c;
            corral_error *ctx = lcorral_make_error(L, h, -1, &c, depth + 1);
            if (ctx) {
                corral_error_set_context(e, ctx);
                corral_error_unref(ctx);
            }
        }
    }
    lua_settop(L, top);
    return e;
}

/* A full userdata wrapping exactly SWIG type ty (no lightuserdata, no nil). */
static void *lcorral_unwrap(lua_State *L, int idx, swig_type_info *ty)
{
    swig_lua_userdata *u;
    if (lua_type(L, idx) != LUA_TUSERDATA)
        return NULL;
    u = (swig_lua_userdata *)lua_touserdata(L, idx);
    return u && u->type == ty ? u->ptr : NULL;
}

static corral_task *lcorral_record_task(lua_State *L, lcorral_host *h, int arg)
{
    lua_Integer i = lua_tointeger(L, arg);
    if (i < 1 || (size_t)i > h->n)
        luaL_argerror(L, arg, "no such record in the current batch");
    return h->recs[h->idx[i - 1]].task;
}

/* core.host_new(rt [, error_metatable]) -> host. The new host becomes the current one
 * (the one whose tokens corral_value parameters use). */
static int lcorral_host_new(lua_State *L)
{
    corral_rt *rt = (corral_rt *)lcorral_unwrap(L, 1, SWIGTYPE_p_corral_rt);
    lcorral_host *h;
    if (!rt)
        return luaL_argerror(L, 1, "corral_rt expected");
    h = (lcorral_host *)lua_newuserdata(L, sizeof *h);
    memset(h, 0, sizeof *h);
    h->href = LUA_NOREF;
    h->errmt = LUA_NOREF;
    h->taskmt = LUA_NOREF;
    h->rt = corral_rt_ref(rt);
    luaL_getmetatable(L, LCORRAL_HOST_MT);
    lua_setmetatable(L, -2);
    lua_newtable(L);
    h->href = luaL_ref(L, LUA_REGISTRYINDEX);
    if (lua_istable(L, 2)) {
        lua_pushvalue(L, 2);
        h->errmt = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    luaL_getmetatable(L, LCORRAL_TASK_MT);
    h->taskmt = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushlightuserdata(L, h);
    lua_setfield(L, LUA_REGISTRYINDEX, LCORRAL_CURRENT);
    lcorral_cache_host = h;
    lcorral_cache_state = lcorral_state_id(L);
    return 1;
}

static void lcorral_host_release(lua_State *L, lcorral_host *h)
{
    if (h->closed)
        return;
    h->closed = 1;
    lua_getfield(L, LUA_REGISTRYINDEX, LCORRAL_CURRENT);
    if (lua_touserdata(L, -1) == (void *)h) {
        lua_pushnil(L);
        lua_setfield(L, LUA_REGISTRYINDEX, LCORRAL_CURRENT);
    }
    lua_pop(L, 1);
    if (lcorral_cache_host == h)
        lcorral_cache_host = NULL;
    luaL_unref(L, LUA_REGISTRYINDEX, h->href);
    luaL_unref(L, LUA_REGISTRYINDEX, h->errmt);
    luaL_unref(L, LUA_REGISTRYINDEX, h->taskmt);
    h->href = h->errmt = h->taskmt = LUA_NOREF;
    if (h->logmode && h->rt)
        corral_rt_set_log_fn(h->rt, NULL, NULL);
    corral_rt_unref(h->rt);
    h->rt = NULL;
    h->n = 0;
    free(h->log);
    h->log = NULL;
    free(h->puttok);
    h->puttok = NULL;
    h->nputtok = 0;
    h->loglen = h->logcap = 0;
}

/* The runtime's diagnostics hook (R57's "unhandled error in task ..." lines): C only. */
static void lcorral_log_fn(const char *line, size_t len, void *ud)
{
    lcorral_host *h = (lcorral_host *)ud;
    if (h->logmode != 2)
        return;
    if (h->loglen + len + 1 > h->logcap) {
        size_t cap = h->logcap ? h->logcap : 256;
        char *p;
        while (cap < h->loglen + len + 1)
            cap *= 2;
        p = (char *)realloc(h->log, cap);
        if (!p)
            return;
        h->log = p;
        h->logcap = cap;
    }
    memcpy(h->log + h->loglen, line, len);
    h->loglen += len;
    h->log[h->loglen++] = '\n';
}

/* core.host_set_log(host, mode): "stderr" (the core's default), "discard" or "collect" */
static int lcorral_host_set_log(lua_State *L)
{
    lcorral_host *h = lcorral_check_host(L, 1);
    static const char *const modes[] = {"stderr", "discard", "collect", NULL};
    int mode = luaL_checkoption(L, 2, NULL, modes);
    h->logmode = mode;
    corral_rt_set_log_fn(h->rt, mode ? lcorral_log_fn : NULL, mode ? h : NULL);
    return 0;
}

/* core.host_take_log(host) -> the diagnostics collected so far (then cleared) */
static int lcorral_host_take_log(lua_State *L)
{
    lcorral_host *h = lcorral_check_host(L, 1);
    lua_pushlstring(L, h->log ? h->log : "", h->loglen);
    h->loglen = 0;
    return 1;
}

/* core.host_close(host): drop every token and the runtime reference. Idempotent. */
static int lcorral_host_close(lua_State *L)
{
    lcorral_host *h = (lcorral_host *)luaL_checkudata(L, 1, LCORRAL_HOST_MT);
    lcorral_host_release(L, h);
    return 0;
}

/* A task handle: a userdata with SWIG's layout (so every SWIG wrapper taking a corral_task*
 * accepts it) and the "corral.Task" metatable, whose __gc drops the reference. */
static void lcorral_push_task(lua_State *L, lcorral_host *h, corral_task *t)
{
    swig_lua_userdata *u = (swig_lua_userdata *)lua_newuserdata(L, sizeof *u);
    u->type = SWIGTYPE_p_corral_task;
    u->own = 1;
    u->ptr = t;
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->taskmt);
    lua_setmetatable(L, -2);
}

static int lcorral_task_gc(lua_State *L)
{
    swig_lua_userdata *u = (swig_lua_userdata *)lua_touserdata(L, 1);
    if (u && u->own && u->ptr) {
        corral_task_unref((corral_task *)u->ptr);
        u->ptr = NULL;
        u->own = 0;
    }
    return 0;
}

/* The host of a bound closure (upvalue 1) or of argument 1. */
static lcorral_host *lcorral_bound(lua_State *L, int *base)
{
    /* only host_bind's closures have an upvalue, and it is the host (a full userdata) */
    lcorral_host *h = (lcorral_host *)lua_touserdata(L, lua_upvalueindex(1));
    if (h) {
        if (h->closed)
            luaL_error(L, "corral.core: the host driver is closed");
        *base = 1;
        return h;
    }
    *base = 2;
    return lcorral_check_host(L, 1);
}

/* spawn(group|nil, name|nil, token) -> task | nil, code */
static int lcorral_host_spawn(lua_State *L)
{
    int b;
    lcorral_host *h = lcorral_bound(L, &b);
    corral_group *g = NULL;
    const char *name = lua_type(L, b + 1) == LUA_TSTRING ? lcorral_text(L, b + 1) : NULL;
    uint64_t token;
    corral_task *t = NULL;
    int rc;
    if (!lua_isnoneornil(L, b) && !(g = (corral_group *)lcorral_unwrap(L, b, SWIGTYPE_p_corral_group)))
        return luaL_argerror(L, b, "corral_group or nil expected");
    if (!name && !lua_isnoneornil(L, b + 1))
        return luaL_argerror(L, b + 1, "string or nil expected");
    token = (uint64_t)luaL_checkinteger(L, b + 2);
    rc = corral_spawn_host(&t, h->rt, g, name, LCORRAL_TASK_BINDING, token);
    if (rc < 0) {
        lua_pushnil(L);
        LCORRAL_PUSHINT(L, rc);
        return 2;
    }
    lcorral_push_task(L, h, t);
    return 1;
}

/* poll(main_task, R) -> n | -1 (run over) | nil, code */
static int lcorral_host_poll(lua_State *L)
{
    int b;
    lcorral_host *h = lcorral_bound(L, &b);
    corral_task *main_task = (corral_task *)lcorral_unwrap(L, b, SWIGTYPE_p_corral_task);
    int R = b + 1, H;
    if (!main_task)
        return luaL_argerror(L, b, "corral_task expected");
    luaL_checktype(L, R, LUA_TTABLE);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->href);
    H = lua_gettop(L);
    for (;;) {
        size_t n = 0, i;
        int out = 0;
        int rc = corral_host_poll(h->rt, main_task, h->recs, LCORRAL_CAP, sizeof(corral_record), &n);
        h->n = 0;
        if (rc == CORRAL_DONE) {
            LCORRAL_PUSHINT(L, -1);
            return 1;
        }
        if (rc < 0) {
            lua_pushnil(L);
            LCORRAL_PUSHINT(L, rc);
            return 2;
        }
        for (i = 0; i < n; i++) {
            corral_record *r = &h->recs[i];
            lua_Integer tag;
            switch (r->kind) {
            case CORRAL_RECORD_RELEASE:
                if (r->binding == LCORRAL_VAL_BINDING) {
                    lua_pushnil(L);
                    lcorral_seti(L, H, r->token);
                }
                continue;
            case CORRAL_RECORD_START:
                tag = (lua_Integer)r->token;
                lua_pushnil(L);
                break;
            case CORRAL_RECORD_RESUME:
                tag = (lua_Integer)r->token;
                if (r->token < h->nputtok && h->puttok[r->token]) { /* a parked put ended */
                    if (r->status != 0) /* not taken: the item is the caller's again */
                        lcorral_seti_nil(L, H, h->puttok[r->token]);
                    h->puttok[r->token] = 0;
                }
                if (r->status == 0) {
                    lcorral_push_value(L, h, &r->value, (r->flags & CORRAL_RECORD_OWNED) != 0);
                } else {
                    lcorral_push_error(L, h, r->error, r->status, 0);
                    tag = -tag;
                }
                break;
            case CORRAL_RECORD_CALLBACK:
                tag = 0;
                lcorral_geti(L, H, r->token); /* one-shot: the token is dropped */
                lua_pushnil(L);
                lcorral_seti(L, H, r->token);
                break;
            case CORRAL_RECORD_HANDLER:
                /* a group's exception callback: the token stays (the group keeps it) */
                tag = 0;
                lua_createtable(L, 0, 4);
                if (r->binding == LCORRAL_VAL_BINDING) {
                    lcorral_geti(L, H, r->token);
                    lua_setfield(L, -2, "handler");
                }
                lcorral_push_error(L, h, r->error, CORRAL_EUSER, 0);
                lua_setfield(L, -2, "err");
                if (r->task) {
                    lcorral_push_task(L, h, corral_task_ref(r->task));
                    lua_setfield(L, -2, "task");
                }
                LCORRAL_PUSHINT(L, out + 1);
                lua_setfield(L, -2, "i");
                break;
            default:
                continue;
            }
            h->idx[out] = (unsigned short)i;
            out++;
            lua_rawseti(L, R, 2 * out); /* the value pushed above */
            LCORRAL_PUSHINT(L, tag);
            lua_rawseti(L, R, 2 * out - 1);
        }
        if (out) {
            h->n = (size_t)out;
            LCORRAL_PUSHINT(L, out);
            return 1;
        }
    }
}

/* await(i, kind, target|nil, deadline_or_duration_ns [, value [, arg]]) -> rc [, why]
 * rc: PENDING (1), ECANCELLED (the cancel point fired: nothing was performed) or another
 * negative code with a reason (a bad operation: nothing was performed). Never raises for a
 * bad operation: the caller resumes the coroutine with the error instead.
 * value: QUEUE_PUT / WATCH_PUT: the item; WATCH_NEXT: the version seen (an integer);
 * GROUP_EXIT: the body's outcome. arg: QUEUE_PUT: the priority (an int32, corral_op.arg). */
static int lcorral_await_fail(lua_State *L, int code, const char *why)
{
    LCORRAL_PUSHINT(L, code);
    lua_pushstring(L, why);
    return 2;
}

/* Remember the HOST token of a parked put by the token of the task of record arg (the Lua
 * layer's slot; see lcorral_host.puttok). Returns 0 when out of memory. */
static int lcorral_note_put(lua_State *L, lcorral_host *h, int arg, uint64_t token)
{
    uint64_t slot = h->recs[h->idx[lua_tointeger(L, arg) - 1]].token;
    if (slot >= h->nputtok) {
        size_t n = h->nputtok ? h->nputtok : 64;
        uint64_t *p;
        while (n <= slot)
            n *= 2;
        p = (uint64_t *)realloc(h->puttok, n * sizeof *p);
        if (!p)
            return 0;
        memset(p + h->nputtok, 0, (n - h->nputtok) * sizeof *p);
        h->puttok = p;
        h->nputtok = n;
    }
    h->puttok[slot] = token;
    return 1;
}

static int lcorral_host_await(lua_State *L)
{
    int b;
    lcorral_host *h = lcorral_bound(L, &b);
    corral_task *t = lcorral_record_task(L, h, b);
    int kind = (int)lua_tointeger(L, b + 1);
    corral_op op;
    swig_type_info *ty = NULL;
    int rc;
    memset(&op, 0, sizeof op);
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, b + 3))
        op.deadline = (int64_t)lua_tointeger(L, b + 3);
    else
#endif
    if (lua_type(L, b + 3) == LUA_TNUMBER)
        op.deadline = lcorral_d2i((double)lua_tonumber(L, b + 3));
    else
        op.deadline = -1;
    switch (kind) {
    case CORRAL_OP_CHECKPOINT:
    case CORRAL_OP_SLEEP:
        break;
    case LCORRAL_OP_SLEEP_FOR: {
        int64_t now = corral_rt_now(h->rt), d = op.deadline;
        if (d < 0)
            return lcorral_await_fail(L, CORRAL_EINVALIDARG, "sleep: negative duration");
        kind = CORRAL_OP_SLEEP; /* (forever is an OP_SLEEP without a deadline, from Lua) */
        op.deadline = now < 0 ? 0 : (d > INT64_MAX - now ? INT64_MAX : now + d); /* R3 */
        break;
    }
    case CORRAL_OP_FUTURE:
        ty = SWIGTYPE_p_corral_future;
        break;
    case CORRAL_OP_JOIN:
        ty = SWIGTYPE_p_corral_task;
        break;
    case CORRAL_OP_QUEUE_GET:
    case CORRAL_OP_QUEUE_PUT:
        ty = SWIGTYPE_p_corral_queue;
        break;
    case CORRAL_OP_EVENT_WAIT:
        ty = SWIGTYPE_p_corral_event;
        break;
    case CORRAL_OP_LOCK_ACQUIRE: /* the task becomes the owner */
        ty = SWIGTYPE_p_corral_lock;
        break;
    case CORRAL_OP_SEM_ACQUIRE:
        ty = SWIGTYPE_p_corral_semaphore;
        break;
    case CORRAL_OP_COND_WAIT: /* resumes owning the lock again, whatever ended the wait */
        ty = SWIGTYPE_p_corral_condition;
        break;
    case CORRAL_OP_WATCH_NEXT: /* resumes with the version that woke it (an integer) */
    case CORRAL_OP_WATCH_PUT:
        ty = SWIGTYPE_p_corral_watch;
        break;
    case CORRAL_OP_GROUP_WAIT_CLOSING:
    case CORRAL_OP_GROUP_WAIT_CLOSED:
    case CORRAL_OP_GROUP_EXIT:
    case CORRAL_OP_GROUP_NEXT_DONE: /* resumes with the member's spawn index (an integer) */
        ty = SWIGTYPE_p_corral_group;
        break;
    default:
        return lcorral_await_fail(L, CORRAL_EINVALIDARG, "await: unknown operation");
    }
    op.kind = (uint32_t)kind;
    if (ty && !(op.target = lcorral_unwrap(L, b + 2, ty)))
        return lcorral_await_fail(L, CORRAL_EINVALIDARG, "await: the target has the wrong type");
    if (kind == CORRAL_OP_QUEUE_PUT || kind == CORRAL_OP_WATCH_PUT) {
        const char *why;
        if (kind == CORRAL_OP_QUEUE_PUT && !lua_isnoneornil(L, b + 5)) {
            lua_Integer prio;
            if (!lcorral_isinteger(L, b + 5))
                return lcorral_await_fail(L, CORRAL_EINVALIDARG, "the priority is not an integer");
            prio = (lua_Integer)lcorral_tointeger(L, b + 5);
            if (prio < INT32_MIN || prio > INT32_MAX)
                return lcorral_await_fail(L, CORRAL_EINVALIDARG,
                                          "the priority is out of range (int32)");
            op.arg = (int32_t)prio;
        }
        why = lcorral_to_value(L, h, b + 4, &op.value);
        if (why)
            return lcorral_await_fail(L, CORRAL_EINVALIDARG, why);
    } else if (kind == CORRAL_OP_WATCH_NEXT) {
        if (!lcorral_isinteger(L, b + 4))
            return lcorral_await_fail(L, CORRAL_EINVALIDARG, "the version seen is not an integer");
        op.value.type = CORRAL_VALUE_INT;
        op.value.as.i = lcorral_tointeger(L, b + 4);
    } else if (kind == CORRAL_OP_GROUP_EXIT) {
        /* value: nil = the body returned; a Cancelled table = it was cancelled; any other
         * Lua value = the error it raised (recorded first, carrying the value) */
        op.value.type = CORRAL_VALUE_INT;
        op.value.as.i = 0;
        if (lcorral_is_cancelled(L, b + 4)) {
            op.value.as.i = CORRAL_ECANCELLED;
        } else if (!lua_isnoneornil(L, b + 4)) {
            int code;
            corral_error *e = lcorral_make_error(L, h, b + 4, &code, 0);
            if (!e)
                return luaL_error(L, "corral.core: out of memory");
            op.value.as.i = corral_task_set_error(t, e);
            corral_error_unref(e);
        }
    }
    rc = corral_task_await(t, &op);
    if (kind == CORRAL_OP_QUEUE_PUT || kind == CORRAL_OP_WATCH_PUT) {
        if (rc != CORRAL_PENDING)
            lcorral_release_value(L, h, &op.value);
        else if (op.value.type == CORRAL_VALUE_HOST)
            (void)lcorral_note_put(L, h, b, op.value.as.token); /* no memory: the token leaks */
    }
    if (rc < 0 && rc != CORRAL_ECANCELLED)
        return lcorral_await_fail(L, rc, corral_last_error_message());
    LCORRAL_PUSHINT(L, rc);
    return 1;
}

/* finish(i, ok, value_or_error [, repr]) -> rc
 * ok: finish with the value (repr = its trace text, nil = the core formats it).
 * not ok: a Cancelled error table finishes with Cancelled (R14 decides CANCELLED or
 * StrayCancellation); any other Lua value becomes an error carrying it as HOST payload. */
static int lcorral_host_finish(lua_State *L)
{
    int b;
    lcorral_host *h = lcorral_bound(L, &b);
    corral_task *t = lcorral_record_task(L, h, b);
    int ok = lua_toboolean(L, b + 1);
    int rc;
    if (ok) {
        corral_value v;
        const char *repr = lua_type(L, b + 3) == LUA_TSTRING ? lcorral_text(L, b + 3) : NULL;
        const char *why = lcorral_to_value(L, h, b + 2, &v);
        if (why)
            return luaL_argerror(L, b + 2, why);
        rc = corral_task_finish(t, 0, &v, repr, NULL);
        if (rc < 0)
            lcorral_release_value(L, h, &v);
    } else if (lcorral_is_cancelled(L, b + 2)) {
        rc = corral_task_finish(t, CORRAL_ECANCELLED, NULL, NULL, NULL);
    } else {
        int code;
        corral_error *e = lcorral_make_error(L, h, b + 2, &code, 0);
        if (!e)
            return luaL_error(L, "corral.core: out of memory");
        rc = corral_task_finish(t, code, NULL, NULL, e);
        corral_error_unref(e);
    }
    LCORRAL_PUSHINT(L, rc);
    return 1;
}

/* core.host_handler_raised(host, i, lua_error_value) -> rc: the exception callback of HANDLER
 * record i of the current batch raised that value (not Cancelled: the Lua layer makes that a
 * StrayCancellation first); the chain goes on at the group's parent with the original error
 * as context (corral_group_handler_raised, R56). Call it while handling that record. */
static int lcorral_host_handler_raised(lua_State *L)
{
    lcorral_host *h = lcorral_check_host(L, 1);
    lua_Integer i = luaL_checkinteger(L, 2);
    const corral_record *r;
    corral_error *e;
    int code, rc;
    luaL_checkany(L, 3);
    if (i < 1 || (size_t)i > h->n)
        return luaL_argerror(L, 2, "no such record in the current batch");
    r = &h->recs[h->idx[i - 1]];
    if (r->kind != CORRAL_RECORD_HANDLER)
        return luaL_argerror(L, 2, "not a HANDLER record");
    e = lcorral_make_error(L, h, 3, &code, 0);
    if (!e)
        return luaL_error(L, "corral.core: out of memory");
    rc = corral_group_handler_raised(r, e);
    corral_error_unref(e);
    LCORRAL_PUSHINT(L, rc);
    return 1;
}

/* A task handle for a typemap (no host needed): takes over the reference in t. */
static void lcorral_push_task_handle(lua_State *L, corral_task *t)
{
    swig_lua_userdata *u = (swig_lua_userdata *)lua_newuserdata(L, sizeof *u);
    u->type = SWIGTYPE_p_corral_task;
    u->own = 1;
    u->ptr = t;
    luaL_getmetatable(L, LCORRAL_TASK_MT);
    lua_setmetatable(L, -2);
}

/* core.handle_key(handle) -> an integer naming the C object behind a handle (its address),
 * or nil: lets the Lua layer map a group the core returns (task_current_group) back to its
 * own object. Two handles of one object give the same key. */
static void *lcorral_handle_ptr(lua_State *L, int idx)
{
    static swig_type_info **const types[] = {
        &SWIGTYPE_p_corral_group,     &SWIGTYPE_p_corral_task,      &SWIGTYPE_p_corral_future,
        &SWIGTYPE_p_corral_scope,     &SWIGTYPE_p_corral_queue,     &SWIGTYPE_p_corral_error,
        &SWIGTYPE_p_corral_rt,        &SWIGTYPE_p_corral_event,     &SWIGTYPE_p_corral_lock,
        &SWIGTYPE_p_corral_semaphore, &SWIGTYPE_p_corral_condition, &SWIGTYPE_p_corral_watch};
    size_t i;
    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
        void *p = lcorral_unwrap(L, idx, *types[i]);
        if (p)
            return p;
    }
    return NULL;
}

static int lcorral_handle_key(lua_State *L)
{
    void *p = lcorral_handle_ptr(L, 1);
    if (p)
        LCORRAL_PUSHINT(L, (intptr_t)p);
    else
        lua_pushnil(L);
    return 1;
}

/* core.handle_ptr(handle) -> the C object behind a handle as a light userdata (borrowed: the
 * handle keeps it alive), or nil: how a Lua program hands a corral object to C code loaded
 * in the same process (a C producer filling a Lua-made queue, R60, cross-language). */
static int lcorral_handle_ptr_fn(lua_State *L)
{
    void *p = lcorral_handle_ptr(L, 1);
    if (p)
        lua_pushlightuserdata(L, p);
    else
        lua_pushnil(L);
    return 1;
}

/* core.queue_from_ptr(light userdata) -> a queue handle with its own reference: the other
 * direction (a queue made by C code, consumed in Lua). The pointer must be a corral_queue*. */
static int lcorral_queue_from_ptr(lua_State *L)
{
    corral_queue *q;
    luaL_checktype(L, 1, LUA_TLIGHTUSERDATA);
    q = (corral_queue *)lua_touserdata(L, 1);
    if (!q)
        return luaL_argerror(L, 1, "NULL pointer");
    lcorral_push_queue(L, corral_queue_ref(q));
    return 1;
}

/* ---- corral.Queue: queue handles with C methods for the per-item path -------------------- */
#define LCORRAL_QUEUE_MT "corral.Queue"
#define LCORRAL_ERRMT "corral.core.errmt"

static void lcorral_push_queue(lua_State *L, corral_queue *q)
{
    swig_lua_userdata *u = (swig_lua_userdata *)lua_newuserdata(L, sizeof *u);
    u->type = SWIGTYPE_p_corral_queue;
    u->own = 1;
    u->ptr = q;
    luaL_getmetatable(L, LCORRAL_QUEUE_MT);
    lua_setmetatable(L, -2);
}

static int lcorral_queue_gc(lua_State *L)
{
    swig_lua_userdata *u = (swig_lua_userdata *)lua_touserdata(L, 1);
    if (u && u->own && u->ptr) {
        corral_queue_unref((corral_queue *)u->ptr);
        u->ptr = NULL;
        u->own = 0;
    }
    return 0;
}

/* The Lua layer's name for the type of a value ("integer"/"float" for numbers on 5.3+). */
static const char *lcorral_typename(lua_State *L, int idx)
{
#if LUA_VERSION_NUM >= 503
    if (lua_type(L, idx) == LUA_TNUMBER)
        return lua_isinteger(L, idx) ? "integer" : "float";
#endif
    return luaL_typename(L, idx);
}

/* Raise a corral error table {kind = <code's kind>, msg = "<fname>: <why>", code = code} with
 * the Lua layer's Error metatable (core.set_error_metatable). */
static int lcorral_raise(lua_State *L, int code, const char *fname, const char *why)
{
    lua_createtable(L, 0, 3);
    lua_pushstring(L, corral_error_name(code));
    lua_setfield(L, -2, "kind");
    if (why && *why)
        lua_pushfstring(L, "%s: %s", fname, why);
    else
        lua_pushstring(L, fname);
    lua_setfield(L, -2, "msg");
    LCORRAL_PUSHINT(L, code);
    lua_setfield(L, -2, "code");
    lua_getfield(L, LUA_REGISTRYINDEX, LCORRAL_ERRMT);
    if (lua_istable(L, -1))
        lua_setmetatable(L, -2);
    else
        lua_pop(L, 1);
    return lua_error(L);
}

static int lcorral_raise_arg(lua_State *L, const char *fname, int i, const char *name,
                             const char *expected, int idx)
{
    char why[160];
    snprintf(why, sizeof why, "bad argument #%d '%s' (%s expected, got %s)", i, name, expected,
             lcorral_typename(L, idx));
    return lcorral_raise(L, CORRAL_EINVALIDARG, fname, why);
}

static corral_queue *lcorral_self_queue(lua_State *L, const char *fname)
{
    swig_lua_userdata *u = lua_type(L, 1) == LUA_TUSERDATA ? (swig_lua_userdata *)lua_touserdata(L, 1)
                                                             : NULL;
    if (!u || u->type != SWIGTYPE_p_corral_queue || !u->ptr)
        lcorral_raise_arg(L, fname, 1, "self", "corral.Queue", 1);
    return (corral_queue *)u->ptr;
}

/* Argument idx as a corral_value for a put; a Lua value that travels as a HOST token needs
 * the running host (else: Closed, the queue's run is over or none is in progress). */
static void lcorral_put_value(lua_State *L, const char *fname, int idx, corral_value *v,
                              lcorral_host **hp)
{
    int t = lua_type(L, idx);
    lcorral_host *h = NULL;
    const char *why;
    if (t != LUA_TNUMBER && t != LUA_TSTRING && t > LUA_TNIL) {
        h = lcorral_current(L);
        if (!h)
            lcorral_raise(L, CORRAL_ECLOSED, fname, "no corral run in progress");
    }
    why = lcorral_to_value(L, h, idx, v);
    if (why)
        lcorral_raise(L, CORRAL_EINVALIDARG, fname, why);
    *hp = h;
}

/* The optional priority argument (an int32; nil: none). Returns 1 when given. */
static int lcorral_priority(lua_State *L, const char *fname, int idx, int32_t *prio)
{
    lua_Integer p;
    if (lua_isnoneornil(L, idx))
        return 0;
    if (!lcorral_isinteger(L, idx))
        lcorral_raise_arg(L, fname, idx - 1, "priority", "integer", idx);
    p = (lua_Integer)lcorral_tointeger(L, idx);
    if (p < INT32_MIN || p > INT32_MAX)
        lcorral_raise(L, CORRAL_EINVALIDARG, fname,
                      "bad argument #2 'priority' (out of the int32 range)");
    *prio = (int32_t)p;
    return 1;
}

/* The put of put_nowait / try_put: 0 or a negative code (the value is released on failure).
 * The per-item path: an integer item without a priority costs five Lua API calls. */
static int lcorral_queue_put_common(lua_State *L, const char *fname, corral_queue **qp)
{
    corral_queue *q = lcorral_self_queue(L, fname);
    corral_value v;
    lcorral_host *h = NULL;
    int32_t prio = 0;
    int rc, has_prio = lua_gettop(L) >= 3 && lcorral_priority(L, fname, 3, &prio);
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, 2)) {
        memset(&v, 0, sizeof v);
        v.type = CORRAL_VALUE_INT;
        v.as.i = (int64_t)lua_tointeger(L, 2);
    } else
#endif
        lcorral_put_value(L, fname, 2, &v, &h);
    rc = has_prio ? corral_queue_put_nowait_priority(q, &v, prio) : corral_queue_put_nowait(q, &v);
    if (rc < 0)
        lcorral_release_value(L, h, &v);
    *qp = q;
    return rc;
}

/* q:put_nowait(item [, priority]): hands the item to the first parked getter or buffers it
 * (R60, R62); raises QueueFull, QueueClosed, Closed, InvalidArgument. */
static int lcorral_q_put_nowait(lua_State *L)
{
    corral_queue *q;
    int rc = lcorral_queue_put_common(L, "Queue:put_nowait", &q);
    if (rc < 0)
        return lcorral_raise(L, rc, "Queue:put_nowait", corral_last_error_message());
    return 0;
}

/* q:try_put(item [, priority]) -> true, or false when the queue is full (the non-raising
 * put_nowait; QueueClosed and the other errors are raised). */
static int lcorral_q_try_put(lua_State *L)
{
    corral_queue *q;
    int rc = lcorral_queue_put_common(L, "Queue:try_put", &q);
    if (rc == CORRAL_EQUEUEFULL) {
        lua_pushboolean(L, 0);
        return 1;
    }
    if (rc < 0)
        return lcorral_raise(L, rc, "Queue:try_put", corral_last_error_message());
    lua_pushboolean(L, 1);
    return 1;
}

/* An owned item: pushed (a HOST token of this binding is taken from the running host). */
static void lcorral_push_item(lua_State *L, corral_value *v)
{
    lcorral_push_value(L, v->type == CORRAL_VALUE_HOST ? lcorral_current(L) : NULL, v, 1);
}

/* q:get_nowait() -> item; raises QueueEmpty (also when closed and empty, R62). */
static int lcorral_q_get_nowait(lua_State *L)
{
    corral_queue *q = lcorral_self_queue(L, "Queue:get_nowait");
    corral_value v;
    int rc;
    memset(&v, 0, sizeof v);
    rc = corral_queue_get_nowait(q, &v);
    if (rc < 0)
        return lcorral_raise(L, rc, "Queue:get_nowait", corral_last_error_message());
    lcorral_push_item(L, &v);
    return 1;
}

/* q:try_get() -> true, item | false when the queue is empty (closed or not: is_closed tells). */
static int lcorral_q_try_get(lua_State *L)
{
    corral_queue *q = lcorral_self_queue(L, "Queue:try_get");
    corral_value v;
    int rc;
    memset(&v, 0, sizeof v);
    rc = corral_queue_get_nowait(q, &v);
    if (rc == CORRAL_EQUEUEEMPTY) {
        lua_pushboolean(L, 0);
        return 1;
    }
    if (rc < 0)
        return lcorral_raise(L, rc, "Queue:try_get", corral_last_error_message());
    lua_pushboolean(L, 1);
    lcorral_push_item(L, &v);
    return 2;
}

/* q:get_nowait_until_empty() -> the last item, after dropping the earlier ones (hat). */
static int lcorral_q_get_nowait_until_empty(lua_State *L)
{
    corral_queue *q = lcorral_self_queue(L, "Queue:get_nowait_until_empty");
    corral_value v;
    int rc;
    memset(&v, 0, sizeof v);
    rc = corral_queue_get_nowait_until_empty(q, &v);
    if (rc < 0)
        return lcorral_raise(L, rc, "Queue:get_nowait_until_empty", corral_last_error_message());
    lcorral_push_item(L, &v);
    return 1;
}

/* q:qsize() and #q */
static int lcorral_q_qsize(lua_State *L)
{
    corral_queue *q = lcorral_self_queue(L, "Queue:qsize");
    LCORRAL_PUSHINT(L, corral_queue_size(q));
    return 1;
}

/* LuaJIT's FFI path for queues (corral/queue_jit.lua): JIT-compiled code calls the core's
 * put_nowait / get_nowait through these function pointers, with a corral_value cdata.
 * core.queue_fn_ptrs() -> put_nowait, get_nowait (light userdata). */
static int lcorral_queue_fn_ptrs(lua_State *L)
{
    lua_pushlightuserdata(L, (void *)corral_queue_put_nowait);
    lua_pushlightuserdata(L, (void *)corral_queue_get_nowait);
    return 2;
}

/* core.take_value(cdata) -> the Lua value of an owned corral_value held in a LuaJIT cdata
 * (a struct with corral_value's layout), which is then cleared: what get_nowait gave the FFI
 * path when the item is not a number (a string, a host value, a pointer). LuaJIT only. */
static int lcorral_take_value(lua_State *L)
{
#if LUA_VERSION_NUM == 501
    corral_value *v;
    if (lua_type(L, 1) != 10 /* LUA_TCDATA */)
        return luaL_argerror(L, 1, "cdata expected");
    v = (corral_value *)lua_topointer(L, 1);
    if (!v)
        return luaL_argerror(L, 1, "cdata expected");
    lcorral_push_item(L, v);
    return 1;
#else
    return luaL_error(L, "corral.core.take_value: LuaJIT only");
#endif
}

/* core.queue_metatable() -> the metatable of queue handles (the Lua layer adds methods) */
static int lcorral_queue_metatable(lua_State *L)
{
    luaL_getmetatable(L, LCORRAL_QUEUE_MT);
    return 1;
}

/* core.set_error_metatable(mt): the metatable of the error tables C methods raise */
static int lcorral_set_error_metatable(lua_State *L)
{
    if (!lua_isnil(L, 1))
        luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, LCORRAL_ERRMT);
    return 0;
}

/* Task handles are fresh userdata per push (a HANDLER record's member, task_current, ...):
 * two handles of the same task compare equal. */
static int lcorral_task_eq(lua_State *L)
{
    swig_lua_userdata *a = (swig_lua_userdata *)lua_touserdata(L, 1);
    swig_lua_userdata *b = (swig_lua_userdata *)lua_touserdata(L, 2);
    lua_pushboolean(L, a && b && a->type == SWIGTYPE_p_corral_task &&
                           b->type == SWIGTYPE_p_corral_task && a->ptr && a->ptr == b->ptr);
    return 1;
}

/* put_nowait(queue, value) -> rc [, why]: corral_queue_put_nowait with the host's values */
static int lcorral_host_put_nowait(lua_State *L)
{
    int b, rc;
    lcorral_host *h = lcorral_bound(L, &b);
    corral_queue *q = (corral_queue *)lcorral_unwrap(L, b, SWIGTYPE_p_corral_queue);
    corral_value v;
    const char *why;
    if (!q)
        return lcorral_await_fail(L, CORRAL_EINVALIDARG, "the queue has the wrong type");
    why = lcorral_to_value(L, h, b + 1, &v);
    if (why)
        return lcorral_await_fail(L, CORRAL_EINVALIDARG, why);
    rc = corral_queue_put_nowait(q, &v);
    if (rc < 0) {
        lcorral_release_value(L, h, &v);
        return lcorral_await_fail(L, rc, corral_last_error_message());
    }
    LCORRAL_PUSHINT(L, rc);
    return 1;
}

/* get_nowait(queue) -> 0, value | code, why */
static int lcorral_host_get_nowait(lua_State *L)
{
    int b, rc;
    lcorral_host *h = lcorral_bound(L, &b);
    corral_queue *q = (corral_queue *)lcorral_unwrap(L, b, SWIGTYPE_p_corral_queue);
    corral_value v;
    if (!q)
        return lcorral_await_fail(L, CORRAL_EINVALIDARG, "the queue has the wrong type");
    memset(&v, 0, sizeof v);
    rc = corral_queue_get_nowait(q, &v);
    if (rc < 0)
        return lcorral_await_fail(L, rc, corral_last_error_message());
    LCORRAL_PUSHINT(L, rc);
    lcorral_push_value(L, h, &v, 1);
    return 2;
}

/* core.host_bind(host) -> poll, await, finish, spawn, put_nowait, get_nowait: the same
 * functions with the host bound (no host argument, no check per call). */
static int lcorral_host_bind(lua_State *L)
{
    static const lua_CFunction fns[] = {lcorral_host_poll, lcorral_host_await,
                                        lcorral_host_finish, lcorral_host_spawn,
                                        lcorral_host_put_nowait, lcorral_host_get_nowait};
    size_t i;
    lcorral_check_host(L, 1);
    for (i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        lua_pushvalue(L, 1);
        lua_pushcclosure(L, fns[i], 1);
    }
    return (int)(sizeof fns / sizeof fns[0]);
}

/* core.host_ref(host, value) -> token; core.host_unref(host, token);
 * core.host_get(host, token) -> value */
static int lcorral_host_ref(lua_State *L)
{
    lcorral_host *h = lcorral_check_host(L, 1);
    luaL_checkany(L, 2);
    LCORRAL_PUSHINT(L, lcorral_ref(L, h, 2));
    return 1;
}

static int lcorral_host_unref(lua_State *L)
{
    lcorral_host *h = lcorral_check_host(L, 1);
    lcorral_unref(L, h, (uint64_t)luaL_checkinteger(L, 2));
    return 0;
}

static int lcorral_host_get(lua_State *L)
{
    lcorral_host *h = lcorral_check_host(L, 1);
    lcorral_push_token(L, h, (uint64_t)luaL_checkinteger(L, 2), 0);
    return 1;
}

/* core.host_error(host, lua_error_value) -> corral_error (HOST payload = the value) */
static int lcorral_host_error(lua_State *L)
{
    lcorral_host *h = lcorral_check_host(L, 1);
    int code;
    corral_error *e;
    luaL_checkany(L, 2);
    e = lcorral_make_error(L, h, 2, &code, 0);
    if (!e)
        return luaL_error(L, "corral.core: out of memory");
    SWIG_NewPointerObj(L, e, SWIGTYPE_p_corral_error, 1);
    return 1;
}

/* core.host_error_value(host, corral_error|nil [, code]) -> Lua error value */
static int lcorral_host_error_value(lua_State *L)
{
    lcorral_host *h = lcorral_check_host(L, 1);
    corral_error *e = (corral_error *)lcorral_unwrap(L, 2, SWIGTYPE_p_corral_error);
    int code = (int)luaL_optinteger(L, 3, CORRAL_EINVALIDSTATE);
    lcorral_push_error(L, h, e, code, 0);
    return 1;
}

/* core.task_metatable() -> the metatable of task handles (the Lua layer adds methods) */
static int lcorral_task_metatable(lua_State *L)
{
    luaL_getmetatable(L, LCORRAL_TASK_MT);
    return 1;
}

/* core.host_count(host) -> number of live tokens (for tests) */
static int lcorral_host_count(lua_State *L)
{
    lcorral_host *h = lcorral_check_host(L, 1);
    lua_Integer n = 0;
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->href);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        n++;
        lua_pop(L, 1);
    }
    LCORRAL_PUSHINT(L, n);
    return 1;
}

static int lcorral_host_gc(lua_State *L)
{
    lcorral_host *h = (lcorral_host *)lua_touserdata(L, 1);
    if (h)
        lcorral_host_release(L, h);
    return 0;
}

/* core.task_cancel_pending_fast(task) -> boolean: one load, no checks beyond the type. */
static int lcorral_cancel_pending(lua_State *L)
{
    corral_task *t = (corral_task *)lcorral_unwrap(L, 1, SWIGTYPE_p_corral_task);
    const volatile int32_t *flag = t ? corral_task_cancel_flag(t) : NULL;
    if (!t)
        return luaL_argerror(L, 1, "corral_task expected");
    lua_pushboolean(L, flag && *flag && !corral_task_done(t));
    return 1;
}
%}

%native(host_new) int lcorral_host_new(lua_State *L);
%native(host_close) int lcorral_host_close(lua_State *L);
%native(host_spawn) int lcorral_host_spawn(lua_State *L);
%native(host_bind) int lcorral_host_bind(lua_State *L);
%native(host_poll) int lcorral_host_poll(lua_State *L);
%native(host_await) int lcorral_host_await(lua_State *L);
%native(host_finish) int lcorral_host_finish(lua_State *L);
%native(host_ref) int lcorral_host_ref(lua_State *L);
%native(host_unref) int lcorral_host_unref(lua_State *L);
%native(host_get) int lcorral_host_get(lua_State *L);
%native(host_error) int lcorral_host_error(lua_State *L);
%native(host_error_value) int lcorral_host_error_value(lua_State *L);
%native(host_count) int lcorral_host_count(lua_State *L);
%native(host_handler_raised) int lcorral_host_handler_raised(lua_State *L);
%native(host_set_log) int lcorral_host_set_log(lua_State *L);
%native(host_take_log) int lcorral_host_take_log(lua_State *L);
%native(task_metatable) int lcorral_task_metatable(lua_State *L);
%native(task_cancel_pending_fast) int lcorral_cancel_pending(lua_State *L);
%native(handle_key) int lcorral_handle_key(lua_State *L);
%native(handle_ptr) int lcorral_handle_ptr_fn(lua_State *L);
%native(queue_from_ptr) int lcorral_queue_from_ptr(lua_State *L);
%native(queue_metatable) int lcorral_queue_metatable(lua_State *L);
%native(queue_fn_ptrs) int lcorral_queue_fn_ptrs(lua_State *L);
%native(take_value) int lcorral_take_value(lua_State *L);
%native(set_error_metatable) int lcorral_set_error_metatable(lua_State *L);

%constant unsigned int HOST_BINDING = 0x4C554101;
%constant unsigned int HOST_TASK_BINDING = 0x4C554102;
%constant int HOST_CAP = 256;
%constant int OP_SLEEP_FOR = 101;

%init %{
    luaL_newmetatable(L, LCORRAL_TASK_MT);
    lua_pushcfunction(L, lcorral_task_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, lcorral_task_eq);
    lua_setfield(L, -2, "__eq");
    lua_pushstring(L, "corral.Task");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);
    {
        static const luaL_Reg qmethods[] = {
            {"put_nowait", lcorral_q_put_nowait},
            {"get_nowait", lcorral_q_get_nowait},
            {"try_put", lcorral_q_try_put},
            {"try_get", lcorral_q_try_get},
            {"get_nowait_until_empty", lcorral_q_get_nowait_until_empty},
            {"qsize", lcorral_q_qsize},
            {"__len", lcorral_q_qsize},
            {"__gc", lcorral_queue_gc},
            {NULL, NULL}};
        const luaL_Reg *r;
        luaL_newmetatable(L, LCORRAL_QUEUE_MT);
        for (r = qmethods; r->name; r++) {
            lua_pushcfunction(L, r->func);
            lua_setfield(L, -2, r->name);
        }
        lua_pushvalue(L, -1);
        lua_setfield(L, -2, "__index");
        lua_pushstring(L, "corral.Queue");
        lua_setfield(L, -2, "__name");
        lua_pop(L, 1);
    }
    luaL_newmetatable(L, LCORRAL_HOST_MT);
    lua_pushcfunction(L, lcorral_host_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushstring(L, "corral.core.host");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);
%}
