/* fiber_switch_ucontext.c - the portable fallback: makecontext/swapcontext.
 * About 20x slower than the assembly switch (swapcontext saves the signal mask with a
 * syscall), so it is used only where no assembly switch exists or when
 * CORRAL_FIBER_UCONTEXT is set. */
#include <stdint.h>

#include "internal.h"

typedef struct start_args {
    void (*entry)(void *);
    void *arg;
} start_args;

/* makecontext passes int arguments only: the pointer travels as two halves. */
static void start(unsigned hi, unsigned lo)
{
    start_args *a = (start_args *)(((uintptr_t)hi << 32) | (uintptr_t)lo);
    a->entry(a->arg);
}

void corral__ctx_make(corral__ctx *c, void *stack_lo, size_t size, void (*entry)(void *), void *arg)
{
    /* The start arguments live at the top of the new stack. */
    start_args *a = (start_args *)(((uintptr_t)stack_lo + size - sizeof *a) & ~(uintptr_t)15);
    a->entry = entry;
    a->arg = arg;
    getcontext(&c->uc);
    c->uc.uc_stack.ss_sp = stack_lo;
    c->uc.uc_stack.ss_size = (size_t)((char *)a - (char *)stack_lo);
    c->uc.uc_link = NULL;
    uintptr_t p = (uintptr_t)a;
    makecontext(&c->uc, (void (*)(void))start, 2, (unsigned)(p >> 32), (unsigned)(p & 0xffffffffu));
}

void corral__ctx_switch(corral__ctx *from, corral__ctx *to)
{
    swapcontext(&from->uc, &to->uc);
}
