/*
 * corral.h - the corral async runtime: one C core for C, Python, Lua and Rust.
 *
 * Include this umbrella header; the parts are:
 *   corral/common.h   versions, error codes, values, error objects
 *   corral/runtime.h  runtime, clock, run(), signals, post, traces
 *   corral/task.h     tasks (fiber, step and host drivers), awaitable operations, locals
 *   corral/future.h   one-shot futures
 *   corral/scope.h    cancel scopes, deadlines, shields, uncancellable
 *   corral/group.h    groups (hat-style free groups in this version)
 *   corral/queue.h    closable queues
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
#include "corral/exitstack.h"

#endif /* CORRAL_H */
