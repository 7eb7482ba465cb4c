/* fiber_ctx.c - the first frame of a new fiber for the assembly switches
 * (fiber_switch_x86_64.S, fiber_switch_aarch64.S). The frame mirrors what corral__ctx_switch
 * pops, so the first switch into a fiber "returns" into corral__ctx_trampoline, which calls
 * entry(arg). */
#include <stdint.h>
#include <string.h>

#include "internal.h"

void corral__ctx_trampoline(void);

/* Lay out a first frame that corral__ctx_switch "returns" into: see fiber_switch_*.S. */
void corral__ctx_make(corral__ctx *c, void *stack_lo, size_t size, void (*entry)(void *), void *arg)
{
    uintptr_t top = ((uintptr_t)stack_lo + size) & ~(uintptr_t)15;
#if defined(__x86_64__)
    void **sp = (void **)(top - 72); /* 7 slots; rsp is 16-aligned after the final ret */
    sp[0] = NULL;                    /* r15 */
    sp[1] = NULL;                    /* r14 */
    sp[2] = (void *)entry;           /* r13 */
    sp[3] = arg;                     /* r12 */
    sp[4] = NULL;                    /* rbx */
    sp[5] = NULL;                    /* rbp */
    sp[6] = (void *)corral__ctx_trampoline;
#elif defined(__aarch64__)
    void **sp = (void **)(top - 176);
    memset(sp, 0, 176);
    sp[0] = arg;                             /* x19 */
    sp[1] = (void *)entry;                   /* x20 */
    sp[11] = (void *)corral__ctx_trampoline; /* x30 */
#else
#error "no assembly context switch for this architecture: configure with CORRAL_FIBER_UCONTEXT"
#endif
    c->sp = sp;
}
