/* fiber.c - the C fiber driver: a task body on its own stack, switched to and from the
 * scheduler. Annotated for AddressSanitizer and valgrind (design.md). */
#include <stdint.h>

#include "internal.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define ASAN_START(save, lo, size) __sanitizer_start_switch_fiber(save, lo, size)
#define ASAN_FINISH(fake, lo, size) __sanitizer_finish_switch_fiber(fake, lo, size)
#else
#define ASAN_START(save, lo, size) ((void)(save), (void)(lo), (void)(size))
#define ASAN_FINISH(fake, lo, size) ((void)(fake), (void)(lo), (void)(size))
#endif

/* The fiber's bookkeeping lives at the top of its own stack: no allocation per fiber. */
struct corral__fiber {
    corral__ctx ctx;
    corral__stack stack;
    void *asan_fake;
};

static void fiber_main(void *arg)
{
    corral_task *t = arg;
    corral_rt *rt = t->rt;
    corral__fiber *f = t->d.fiber.fiber;
    const void *from_lo = NULL;
    size_t from_size = 0;
    ASAN_FINISH(NULL, &from_lo, &from_size);
    if (!rt->sched_stack_lo) { /* the first fiber ever is started by the scheduler */
        rt->sched_stack_lo = from_lo;
        rt->sched_stack_size = from_size;
    }
    corral_value result = {0};
    int rc = t->d.fiber.fn(t, t->arg, &result);
    corral__task_finish(t, rc, &result, NULL, NULL);
    /* Back to the scheduler for good; it returns this stack to the pool. */
    ASAN_START(NULL, rt->sched_stack_lo, rt->sched_stack_size);
    corral__ctx_switch(&f->ctx, &rt->sched_ctx);
    __builtin_unreachable();
}

int corral__fiber_create(corral_task *t)
{
    corral__stack stack;
    int rc = corral__stack_get(&t->rt->stacks, &stack);
    if (rc < 0)
        return rc;
#if defined(__SANITIZE_ADDRESS__)
    /* A reused stack still carries the previous fiber's redzones. */
    ASAN_UNPOISON_MEMORY_REGION(stack.lo, stack.size);
#endif
    uintptr_t top = (uintptr_t)stack.lo + stack.size;
    corral__fiber *f = (corral__fiber *)((top - sizeof *f) & ~(uintptr_t)63);
    f->stack = stack;
    f->asan_fake = NULL;
    corral__ctx_make(&f->ctx, stack.lo, (size_t)((uintptr_t)f - (uintptr_t)stack.lo), fiber_main,
                     t);
    t->d.fiber.fiber = f;
    return 0;
}

void corral__fiber_resume(corral_task *t)
{
    corral_rt *rt = t->rt;
    corral__fiber *f = t->d.fiber.fiber;
    void *fake = NULL;
    ASAN_START(&fake, f->stack.lo, f->stack.size);
    corral__ctx_switch(&rt->sched_ctx, &f->ctx);
    ASAN_FINISH(fake, NULL, NULL);
}

/* Suspend the current fiber. When the loop's next entry is a fiber, switch straight to it
 * (or just continue, if it is this fiber again) instead of bouncing through the scheduler:
 * one register switch, or none, per yield. */
void corral__fiber_suspend(corral_task *t)
{
    corral_rt *rt = t->rt;
    corral__fiber *f = t->d.fiber.fiber;
    corral_task *next = corral__next_fiber(rt);
    if (next == t) {
        t->state = CORRAL_TASK_RUNNING;
        return;
    }
    if (next) {
        corral__fiber *nf = next->d.fiber.fiber;
        next->state = CORRAL_TASK_RUNNING;
        rt->current = next;
        corral__tls_current = next;
        ASAN_START(&f->asan_fake, nf->stack.lo, nf->stack.size);
        corral__ctx_switch(&f->ctx, &nf->ctx);
    } else {
        ASAN_START(&f->asan_fake, rt->sched_stack_lo, rt->sched_stack_size);
        corral__ctx_switch(&f->ctx, &rt->sched_ctx);
    }
    const void *from_lo = NULL;
    size_t from_size = 0;
    ASAN_FINISH(f->asan_fake, &from_lo, &from_size);
}

void corral__fiber_release(corral_task *t)
{
    corral__fiber *f = t->d.fiber.fiber;
    if (!f)
        return;
    t->d.fiber.fiber = NULL;
    corral__stack stack = f->stack; /* copy: f lives on that stack */
    corral__stack_put(&t->rt->stacks, &stack);
}
