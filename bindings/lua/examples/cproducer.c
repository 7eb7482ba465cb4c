/*
 * cproducer.c - a tiny Lua C module with a C producer for a corral queue (cross-language
 * example and test; built by bindings/lua/CMakeLists.txt as <lua>/corral_cproducer.so, not
 * installed).
 *
 * A corral queue is an ordinary C handle, so C code in the same process can fill a queue a Lua
 * task consumes (or the other way round). The producer is a C fiber on the Lua run's own
 * runtime: its puts are corral_queue_put calls (checkpoints, parking while the queue is
 * full, R60/R61), its items C values every binding understands (INT, DOUBLE, BYTES).
 *
 *   local cp = require "corral_cproducer"
 *   cp.start(corral.runtime_pointer(), q:pointer(), n [, name])   -- fill a Lua-made queue
 *   local q = corral.queue_from_pointer(cp.new_queue(corral.runtime_pointer(), maxsize, n))
 *
 * Either way the producer puts the integers 1..n, then 0.5 and the bytes "from C", and closes
 * the queue, so `for x in q:iter()` ends after the last item.
 */
#include <corral.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

struct producer {
    corral_queue *q; /* a reference of the producer's own */
    int64_t n;
};

static void producer_free(void *arg)
{
    struct producer *p = arg;
    corral_queue_unref(p->q);
    free(p);
}

static int producer_fiber(corral_task *self, void *arg, corral_value *result)
{
    struct producer *p = arg;
    corral_value v;
    int rc;
    (void)self;
    (void)result;
    for (int64_t i = 1; i <= p->n; i++) {
        memset(&v, 0, sizeof v);
        v.type = CORRAL_VALUE_INT;
        v.as.i = i;
        if ((rc = corral_queue_put(p->q, &v, -1)) < 0)
            return rc; /* cancelled, or the consumer closed the queue */
    }
    memset(&v, 0, sizeof v);
    v.type = CORRAL_VALUE_DOUBLE;
    v.as.d = 0.5;
    if ((rc = corral_queue_put(p->q, &v, -1)) < 0)
        return rc;
    memset(&v, 0, sizeof v);
    v.type = CORRAL_VALUE_BYTES;
    v.as.p = "from C"; /* copied by the put */
    v.len = 6;
    if ((rc = corral_queue_put(p->q, &v, -1)) < 0)
        return rc;
    return corral_queue_close(p->q);
}

static void *check_ptr(lua_State *L, int idx, const char *what)
{
    void *p;
    luaL_checktype(L, idx, LUA_TLIGHTUSERDATA);
    p = lua_touserdata(L, idx);
    if (!p)
        luaL_argerror(L, idx, what);
    return p;
}

/* Spawn the producer fiber on rt into the root group; it takes its own reference to q.
 * Returns 0 or a negative corral code. */
static int spawn_producer(corral_rt *rt, corral_queue *q, lua_Integer n, const char *name)
{
    struct producer *p = malloc(sizeof *p);
    corral_task *t = NULL;
    int rc;
    if (!p)
        return CORRAL_ENOMEM;
    p->q = corral_queue_ref(q);
    p->n = (int64_t)n;
    rc = corral_spawn_fiber(&t, rt, NULL, name, producer_fiber, p, producer_free);
    if (rc < 0) {
        producer_free(p);
        return rc;
    }
    corral_task_unref(t); /* the runtime keeps the task until it ends */
    return 0;
}

/* start(rt_ptr, queue_ptr, n [, name = "cproducer"]) */
static int cp_start(lua_State *L)
{
    corral_rt *rt = check_ptr(L, 1, "corral_rt pointer expected");
    corral_queue *q = check_ptr(L, 2, "corral_queue pointer expected");
    lua_Integer n = luaL_checkinteger(L, 3);
    int rc = spawn_producer(rt, q, n, luaL_optstring(L, 4, "cproducer"));
    if (rc < 0)
        return luaL_error(L, "corral_cproducer: spawn: %s", corral_error_name(rc));
    return 0;
}

/* new_queue(rt_ptr, maxsize, n [, name]) -> queue_ptr: a queue made in C with a producer
 * started on it. The pointer is borrowed from the producer (which holds the only reference
 * until it ends): wrap it at once with corral.queue_from_pointer, which takes its own. */
static int cp_new_queue(lua_State *L)
{
    corral_rt *rt = check_ptr(L, 1, "corral_rt pointer expected");
    lua_Integer maxsize = luaL_checkinteger(L, 2);
    lua_Integer n = luaL_checkinteger(L, 3);
    const char *name = luaL_optstring(L, 4, "cproducer");
    corral_queue *q = NULL;
    int rc = corral_queue_new(&q, rt, (int64_t)maxsize);
    if (rc < 0)
        return luaL_error(L, "corral_cproducer: corral_queue_new: %s", corral_error_name(rc));
    if ((rc = spawn_producer(rt, q, n, name)) < 0) {
        corral_queue_unref(q);
        return luaL_error(L, "corral_cproducer: spawn: %s", corral_error_name(rc));
    }
    lua_pushlightuserdata(L, q);
    corral_queue_unref(q); /* the producer's reference keeps it alive */
    return 1;
}

int luaopen_corral_cproducer(lua_State *L)
{
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, cp_start);
    lua_setfield(L, -2, "start");
    lua_pushcfunction(L, cp_new_queue);
    lua_setfield(L, -2, "new_queue");
    return 1;
}
