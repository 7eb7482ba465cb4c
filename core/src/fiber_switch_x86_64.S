/* fiber_switch_x86_64.S - context switch for the System V x86-64 ABI.
 *
 * void corral__ctx_switch(corral__ctx *from, corral__ctx *to)
 * Pushes the callee-saved registers on the current stack, stores the stack pointer in
 * from->sp, loads to->sp and pops the same registers from there. No signal mask and no
 * syscall: about 20 ns (design.md). A new context's stack is prepared by corral__ctx_make so
 * that the pops deliver (entry, arg) in r13/r12 and `ret` lands in the trampoline. */
    .text
    .globl corral__ctx_switch
    .hidden corral__ctx_switch
    .type corral__ctx_switch, @function
corral__ctx_switch:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq (%rsi), %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size corral__ctx_switch, .-corral__ctx_switch

    .globl corral__ctx_trampoline
    .hidden corral__ctx_trampoline
    .type corral__ctx_trampoline, @function
corral__ctx_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    movq %r12, %rdi
    callq *%r13
    ud2 /* entry never returns */
    .cfi_endproc
    .size corral__ctx_trampoline, .-corral__ctx_trampoline

    .section .note.GNU-stack,"",@progbits
