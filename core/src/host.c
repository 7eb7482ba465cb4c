/* host.c - the pull-style host driver (design.md, "The driver contract").
 * The core turns ready entries of host tasks, host callbacks and host-token releases into
 * records; the binding resumes its own coroutines. No host code is ever called from here. */
#include <stdlib.h>

#include "internal.h"

static int remember(corral_rt *rt, corral_task *t)
{
    if (rt->nhanded == rt->handed_cap) {
        size_t cap = rt->handed_cap ? rt->handed_cap * 2 : 64;
        corral_task **h = realloc(rt->handed, cap * sizeof *h);
        if (!h)
            return CORRAL_ENOMEM;
        rt->handed = h;
        rt->handed_cap = cap;
    }
    rt->handed[rt->nhanded++] = corral_task_ref(t);
    return 0;
}

bool corral__host_record(corral_rt *rt, corral__entry *e, corral_record *rec)
{
    *rec = (corral_record){0};
    if (e->kind == CORRAL__ENTRY_TASK) {
        corral_task *t = (corral_task *)e;
        rec->kind = t->state == CORRAL_TASK_CREATED ? CORRAL_RECORD_START : CORRAL_RECORD_RESUME;
        corral__task_outcome_delivered(t);
        rec->task = t;
        rec->binding = t->d.host.binding;
        rec->token = t->d.host.token;
        rec->status = t->resume_status;
        rec->value = t->resume_value;
        rec->flags = t->resume_owned ? CORRAL_RECORD_OWNED : 0;
        corral__error_unref(t->last_error);
        t->last_error = t->resume_error; /* borrowed by the record until the next await */
        rec->error = t->last_error;
        t->resume_error = NULL;
        t->resume_value = (corral_value){0};
        t->resume_owned = 0;
        t->resume_status = 0;
        t->state = CORRAL_TASK_RUNNING;
        t->in_step = 1;
        if (remember(rt, t) < 0) {
            t->in_step = 0; /* cannot track it: fail it rather than lose it */
            corral__task_finish(t, CORRAL_ENOMEM, NULL, NULL, NULL);
        }
        return true;
    }
    corral__job *j = (corral__job *)e;
    if (e->kind == CORRAL__ENTRY_HOST_HANDLER) {
        corral__group_host_handler_record(j, rec);
    } else {
        rec->kind =
            e->kind == CORRAL__ENTRY_HOST_CB ? CORRAL_RECORD_CALLBACK : CORRAL_RECORD_RELEASE;
        rec->binding = j->binding;
        rec->token = j->token;
        rec->source = j->future;
    }
    /* keep the job (and its future reference) alive until the host has seen the record */
    j->entry.next = (corral__entry *)rt->handed_jobs;
    rt->handed_jobs = j;
    return true;
}

static void release_jobs(corral_rt *rt)
{
    while (rt->handed_jobs) {
        corral__job *j = rt->handed_jobs;
        rt->handed_jobs = (corral__job *)j->entry.next;
        corral__job_free(j);
    }
}

void corral__host_check_handed(corral_rt *rt)
{
    for (size_t i = 0; i < rt->nhanded; i++) {
        corral_task *t = rt->handed[i];
        if (t->in_step && t->state == CORRAL_TASK_RUNNING) {
            t->in_step = 0;
            corral_error *e = corral__error_from_code(
                CORRAL_EINVALIDSTATE, "host step ended without awaiting or finishing");
            corral__task_finish(t, CORRAL_EINVALIDSTATE, NULL, NULL, e);
            corral__error_unref(e);
        }
    }
    corral__host_release_handed(rt);
}

void corral__host_release_handed(corral_rt *rt)
{
    for (size_t i = 0; i < rt->nhanded; i++)
        corral_task_unref(rt->handed[i]);
    rt->nhanded = 0;
    release_jobs(rt);
}

static int run_command(const corral_host_cmd *c)
{
    switch (c->kind) {
    case CORRAL_CMD_AWAIT:
        return corral_task_await(c->task, &c->op);
    case CORRAL_CMD_FINISH:
        return corral_task_finish(c->task, c->status, &c->op.value, c->repr, c->error);
    case CORRAL_CMD_UNREF:
        corral_task_unref(c->task);
        return 0;
    default:
        return corral__fail(CORRAL_EINVALIDARG, "host command: unknown kind %u", c->kind);
    }
}

int corral_host_poll_submit(corral_rt *rt, corral_task *main, const corral_host_cmd *cmds,
                            size_t ncmds, size_t cmd_size, int32_t *results, corral_record *recs,
                            size_t cap, size_t record_size, size_t *n)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (ncmds && (!cmds || !results))
        return corral__fail(CORRAL_EINVALIDARG, "host_poll_submit: cmds and results required");
    if (!main || !recs || !n || cap == 0 || record_size != sizeof(corral_record))
        return corral__fail(CORRAL_EINVALIDARG, "host_poll_submit: bad poll arguments");
    if (cmd_size != sizeof(corral_host_cmd))
        return corral__fail(CORRAL_EINVALIDARG,
                            "host_poll_submit: command size %zu, the library's is %zu", cmd_size,
                            sizeof(corral_host_cmd));
    for (size_t i = 0; i < ncmds; i++)
        results[i] = run_command(&cmds[i]);
    return corral_host_poll(rt, main, recs, cap, record_size, n);
}

int corral_host_poll(corral_rt *rt, corral_task *main, corral_record *recs, size_t cap,
                     size_t record_size, size_t *n)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!main || !recs || !n || cap == 0)
        return corral__fail(CORRAL_EINVALIDARG, "host_poll: main, recs, n and cap are required");
    *n = 0;
    if (record_size != sizeof(corral_record))
        return corral__fail(CORRAL_EINVALIDARG, "host_poll: record size %zu, the library's is %zu",
                            record_size, sizeof(corral_record));
    if (main->rt != rt)
        return corral__fail(CORRAL_EINVALIDARG, "host_poll: main belongs to another runtime");
    if (rt->in_loop || corral__tls_current)
        return corral__fail(CORRAL_EINVALIDSTATE, "host_poll: called from inside the loop");
    if (rt->phase == CORRAL__RUN_IDLE) {
        rc = corral__run_start(rt, main);
        if (rc < 0)
            return rc;
    } else if (rt->main != main) {
        return corral__fail(CORRAL_EINVALIDSTATE, "host_poll: a run of another main is underway");
    }
    rc = corral__drive(rt, recs, cap, n);
    /* Between polls the host works on the loop thread too (spawns, unrefs): let it use the
     * runtime's free lists until the run is over. */
    if (rc == 0)
        corral__tls_loop = rt;
    else if (corral__tls_loop == rt)
        corral__tls_loop = NULL;
    return rc;
}
