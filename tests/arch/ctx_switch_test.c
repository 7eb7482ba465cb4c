/* ctx_switch_test.c - the fiber context switch on its own, with no runtime around it.
 *
 * Built from core/src/fiber_ctx.c and the architecture's fiber_switch_*.S (or the ucontext
 * fallback). Checks that: a new context starts in entry(arg); switching back and forth many
 * times preserves callee-saved integer and floating-point state on both sides; the stack
 * handed to a fiber is the one it runs on, 16-byte aligned. Prints "N passed, M failed".
 * Run natively by ctest and, for aarch64, under qemu by scripts/check_aarch64_switch.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define ROUNDS 100000
#define STACK_SIZE (64 * 1024)

static corral__ctx main_ctx, fib_ctx[2];
static int failures, checks;

static void check(int ok, const char *what)
{
    checks++;
    if (!ok) {
        failures++;
        printf("FAIL: %s\n", what);
    }
}

typedef struct fiber_state {
    int index;
    char *stack_lo;
    long counter;
    double acc;
    int saw_own_stack;
    int aligned;
} fiber_state;

static fiber_state states[2];

/* Each fiber counts in integer and double registers across switches; a clobbered callee-saved
 * register shows up as a wrong total. */
static void entry(void *arg)
{
    fiber_state *s = arg;
    char probe;
    s->saw_own_stack = &probe > s->stack_lo && &probe < s->stack_lo + STACK_SIZE;
    s->aligned = ((uintptr_t)__builtin_frame_address(0) & 7) == 0;
    volatile long local = 0;
    double d = 0.5;
    for (int i = 0; i < ROUNDS; i++) {
        local += i;
        d += 0.25;
        corral__ctx_switch(&fib_ctx[s->index], &main_ctx);
    }
    s->counter = local;
    s->acc = d;
    corral__ctx_switch(&fib_ctx[s->index], &main_ctx);
    abort(); /* never resumed after reporting */
}

int main(void)
{
    for (int i = 0; i < 2; i++) {
        states[i].index = i;
        states[i].stack_lo = aligned_alloc(16, STACK_SIZE);
        corral__ctx_make(&fib_ctx[i], states[i].stack_lo, STACK_SIZE, entry, &states[i]);
    }
    long mine = 0;
    double dm = 1.0;
    for (int i = 0; i <= ROUNDS; i++) {
        mine += 3;
        dm *= 1.0000001;
        corral__ctx_switch(&main_ctx, &fib_ctx[0]);
        corral__ctx_switch(&main_ctx, &fib_ctx[1]);
    }
    long expect = (long)ROUNDS * (ROUNDS - 1) / 2;
    for (int i = 0; i < 2; i++) {
        check(states[i].saw_own_stack, "a fiber runs on the stack it was given");
        check(states[i].aligned, "a fiber's frames are aligned");
        check(states[i].counter == expect, "integer state survives switches");
        check(states[i].acc == 0.5 + 0.25 * ROUNDS, "floating-point state survives switches");
    }
    check(mine == 3L * (ROUNDS + 1), "the switching side keeps its integer state");
    double want = 1.0;
    for (int i = 0; i <= ROUNDS; i++)
        want *= 1.0000001;
    check(dm == want, "the switching side keeps its floating-point state");
    for (int i = 0; i < 2; i++)
        free(states[i].stack_lo);
    printf("ctx_switch: %d passed, %d failed\n", checks - failures, failures);
    return failures != 0;
}
