/* fiber_switch_aarch64.S - context switch for AAPCS64.
 *
 * void corral__ctx_switch(corral__ctx *from, corral__ctx *to)
 * Saves x19-x30 and d8-d15 (the callee-saved set) in a 176-byte frame on the current stack,
 * stores sp in from->sp, loads to->sp and restores the same frame. corral__ctx_make prepares
 * a new stack so the restore yields x19 = arg, x20 = entry, x30 = trampoline. */
    .text
    .globl corral__ctx_switch
    .hidden corral__ctx_switch
    .type corral__ctx_switch, %function
corral__ctx_switch:
    sub sp, sp, #176
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mov x2, sp
    str x2, [x0]
    ldr x2, [x1]
    mov sp, x2
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    add sp, sp, #176
    ret
    .size corral__ctx_switch, .-corral__ctx_switch

    .globl corral__ctx_trampoline
    .hidden corral__ctx_trampoline
    .type corral__ctx_trampoline, %function
corral__ctx_trampoline:
    mov x0, x19
    blr x20
    brk #0 /* entry never returns */
    .size corral__ctx_trampoline, .-corral__ctx_trampoline

    .section .note.GNU-stack,"",%progbits
