/*
 * corral.h - the corral async runtime: one C core for C, Python, Lua and Rust.
 *
 * Include this umbrella header; the parts are:
 *   corral/common.h   versions, error codes, values, error objects
 *   corral/runtime.h  runtime, clock, run(), signals, post, traces
 *   corral/task.h     tasks (fiber, step and host drivers), awaitable operations, locals
 *   corral/future.h   one-shot futures
 *   corral/scope.h    cancel scopes, deadlines, shields, uncancellable
 *   corral/group.h    groups: free and scoped, fail-fast or supervising, helper groups
 *   corral/queue.h    closable queues (FIFO, LIFO, priority, rendezvous) and watch cells
 *   corral/sync.h     events, locks, semaphores, conditions
 *   corral/helpers.h  race, gather_safe, call_on_cancel, call_on_done, cancel_and_join, first
 *   corral/context.h  async context managers and context groups (actxgroup)
 *   corral/exitstack.h exit stacks (callbacks and managers unwound LIFO)
 *   corral/host.h     the pull-style driver used by language bindings
 */
#ifndef CORRAL_H
#define CORRAL_H

#include "corral/common.h"
#include "corral/runtime.h"
#include "corral/task.h"
#include "corral/future.h"
#include "corral/scope.h"
#include "corral/group.h"
#include "corral/queue.h"
#include "corral/host.h"
#include "corral/sync.h"
#include "corral/helpers.h"
#include "corral/context.h"
#include "corral/exitstack.h"

#endif /* CORRAL_H */
