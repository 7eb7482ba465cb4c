"""corral: structured concurrency on one C core, for ``async def`` code.

Write ``corral.run(main())`` and use ``async def``, ``await``, ``async with`` and
``async for`` as with asyncio, on corral's core: lazy FIFO tasks, level-triggered cancel
scopes with deadlines and shields, one-shot futures, closable queues (FIFO, LIFO, priority,
rendezvous), Event/Lock/Semaphore/Condition and a watch cell, groups (hat.aio
``Group``/``Resource``, aiotools ``TaskGroup``/``Supervisor``/``PersistentTaskGroup``, trio
nurseries, codestare ``TaskNursery``), the helpers built on them and managed cleanup
(``ExitStack``, ``asynccontextmanager``, ``actxgroup``, ``adefer``, ``aclosing``), with
the same observable behaviour (and traces) as the C, Lua and Rust bindings.

    import corral

    async def child(n):
        await corral.sleep(0.01)
        return n * 2

    async def main():
        t = corral.spawn(child, 21)
        with corral.move_on_after(1):
            print(await t)

    corral.run(main())
"""

from ._errors import (Cancelled, CleanupTimeout, Closed, Deadlock, Error, ErrorGroup,
                      FutureCancelled, GroupClosed, GroupClosedError, InvalidArgument,
                      InvalidState, InvalidStateError, QueueClosed, QueueClosedError,
                      QueueEmpty, QueueEmptyError, QueueFull, QueueFullError,
                      StrayCancellation, TaskCancelled, Timeout, UserError)
from ._ffi import LibraryNotFound
from ._ffi import version_string as library_version
from ._core import (Task, VirtualClock, cancel_pending, checkpoint, checkpoint_if_cancelled,
                    create_task, current_task, format_value, inject_signal, log, now, run,
                    runtime_handle, shutdown, sleep, sleep_until, spawn, unhandled_count)
from ._scope import (CancelScope, fail_after, fail_at, move_on_after, move_on_at, shield,
                     uncancellable)
from ._future import Future
from ._queue import Channel, LifoQueue, PriorityQueue, Queue
from ._sync import BoundedSemaphore, Condition, Event, Lock, Semaphore
from ._watch import Watch, accessor, awaitable_predicate, condition_property
from ._resource import Resource
from ._group import Group
from ._scoped_group import Supervisor, TaskGroup, TaskScope, current_taskgroup
from ._nursery import GroupCancelScope, Nursery, open_nursery
from ._persistent_group import PersistentTaskGroup, all_persistent_groups, all_ptaskgroups
from ._task_nursery import TaskNursery
from ._helpers import call, call_on_cancel, call_on_done, cancel_and_join, first
from ._group_helpers import as_completed_safe, gather_safe, race
from ._exitstack import AsyncExitStack, ExitStack
from ._acm import actxmgr, asynccontextmanager
from ._ctxgroup import AsyncContextGroup, actxgroup
from ._defer import adefer, defer
from ._closing import aclosing, closing_async

__version__ = "0.1.0"

__all__ = [
    "run", "spawn", "create_task", "Task", "current_task", "sleep", "sleep_until",
    "checkpoint", "checkpoint_if_cancelled", "cancel_pending", "now", "unhandled_count", "log",
    "inject_signal",
    "shutdown",
    "format_value", "VirtualClock",
    "CancelScope", "move_on_after", "move_on_at", "fail_after", "fail_at", "shield",
    "uncancellable",
    "Future", "Queue", "LifoQueue", "PriorityQueue", "Channel", "runtime_handle",
    "Event", "Lock", "Semaphore", "BoundedSemaphore", "Condition", "Watch", "accessor",
    "condition_property", "awaitable_predicate",
    "Group", "Resource", "TaskGroup", "current_taskgroup", "Supervisor", "TaskScope",
    "open_nursery", "Nursery", "GroupCancelScope", "PersistentTaskGroup",
    "all_persistent_groups", "all_ptaskgroups", "TaskNursery",
    "call", "call_on_cancel", "call_on_done", "first", "cancel_and_join", "race",
    "gather_safe", "as_completed_safe",
    "ExitStack", "AsyncExitStack", "asynccontextmanager", "actxmgr", "actxgroup",
    "AsyncContextGroup", "defer", "adefer", "aclosing", "closing_async",
    "Error", "Cancelled", "Timeout", "TaskCancelled", "FutureCancelled", "InvalidState",
    "InvalidArgument", "GroupClosed", "QueueClosed", "QueueEmpty", "QueueFull", "ErrorGroup",
    "StrayCancellation", "CleanupTimeout", "Deadlock", "Closed", "UserError",
    "QueueClosedError", "QueueEmptyError", "QueueFullError", "GroupClosedError",
    "InvalidStateError", "LibraryNotFound", "library_version",
]
