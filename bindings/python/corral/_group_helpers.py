"""The helpers that run members in a group (R59, R70, R71, R77): ``race``, ``gather_safe``
and ``as_completed_safe``.

Each enters a COLLECT group on the calling task (a scoped group whose member outcomes are
handed to the caller in completion order by awaiting ``CORRAL_OP_GROUP_NEXT_DONE``), spawns
the members named ``names[i]`` or ``<helper>.<i>``, takes the outcomes it needs, then leaves
the group: that exit cancels what is left and waits for it before the helper returns. A
failure the helper delivered is the caller's (no handler sees it); a failure it did not take
goes to the handler chain, so nothing is lost. This is exactly what the C fiber helpers of
helpers.h do, so the traces are the same in every language.
"""

from __future__ import annotations

import types
from typing import Any, Generator, Iterable, Sequence

from . import _ffi
from ._core import (COMPLETED, FAILED, _OP, L, Runner, Task, _coroutine_of, errors_text,
                    mark_unsafe)
from ._errors import ErrorGroup, InvalidArgument, InvalidState, TaskCancelled
from ._scoped_group import ScopedGroup, current_taskgroup


@types.coroutine
def _next_done_op(op: bytes) -> Generator[bytes, Any, int]:
    mark_unsafe()  # see corral._core.Runner._drive
    return (yield op)


def _members(aws: Iterable[Any], names: Sequence[str] | None, helper: str) -> list[tuple[Any, str]]:
    """(coroutine, task name) per input, checked before anything starts: a bad item closes
    the coroutines made so far and raises TypeError."""
    if isinstance(aws, (str, bytes)) or not hasattr(aws, "__iter__"):
        raise TypeError(f"{helper}(): expected an iterable of awaitables, "
                        f"got {type(aws).__name__}")
    items = list(aws)
    out: list[tuple[Any, str]] = []
    try:
        # names[i], else "<helper>.<i>" (R77): a shorter list names the first members, as in
        # every language; a longer one is an error
        names = [] if names is None else list(names)
        if len(names) > len(items) or not all(isinstance(n, str) for n in names):
            raise InvalidArgument(f"{helper}(): names must be strs, at most one per awaitable")
        for i, aw in enumerate(items):
            coro = _coroutine_of(aw, (), {}, f"{helper}()")
            out.append((coro, names[i] if i < len(names) else f"{helper}.{i}"))
    except BaseException:
        for coro, _ in out:
            coro.close()
        for aw in items:  # inputs that were coroutines and never ran
            if isinstance(aw, types.CoroutineType):
                aw.close()
        raise
    return out


class CollectGroup(ScopedGroup):
    """A helper's internal group (policy COLLECT, exit JOIN): members are started on
    entry; :meth:`next_done` returns them in completion order; the exit closes the group
    with cancellation first (the members nobody waited for are cancelled), then waits."""

    __slots__ = ("_members", "_tasks", "_outer")
    _policy = _ffi.GROUP_COLLECT
    _what = "helper group"

    def __init__(self, members: list[tuple[Any, str]]) -> None:
        super().__init__(None)
        self._members = members
        self._tasks: list[Task] = []
        self._outer: Any = None

    def _owner(self, r: Runner) -> Any:
        return self._outer  # members see the caller's group in current_taskgroup()

    async def __aenter__(self) -> "CollectGroup":
        self._outer = current_taskgroup()
        r = self._enter()
        members, self._members = self._members, []
        for i, (coro, name) in enumerate(members):
            try:
                self._tasks.append(r.spawn(coro, name, self._ptr))
            except BaseException:
                for c, _ in members[i + 1:]:
                    c.close()
                # `async with` does not call __aexit__ when __aenter__ raises: leave the
                # group here (the members already started are cancelled and awaited)
                await self.__aexit__(None, None, None)
                raise
        return self

    @property
    def tasks(self) -> list[Task]:
        """The member tasks in input order."""
        return self._tasks

    def next_done(self) -> Any:
        """Await the next member to end (in completion order) and return its Task."""
        self._live()
        op = _OP.pack(_ffi.OP_GROUP_NEXT_DONE, 0, self._ptr, -1, 0, 0, 0, 0, 0)
        return self._take(op)

    async def _take(self, op: bytes) -> Task:
        return self._tasks[await _next_done_op(op)]

    def _before_exit(self) -> None:
        L.corral_group_close(self._ptr, 1)  # the members left over are cancelled (R70, R71)


def _outcome(t: Task) -> Any:
    """A member's outcome as a value (R59): its result, or its error object."""
    if t._state == COMPLETED:
        return t._result
    if t._state == FAILED:
        return t._exc
    return TaskCancelled()


async def race(aws: Iterable[Any], continue_on_error: bool = False,
               names: Sequence[str] | None = None) -> tuple[Any, list[BaseException]]:
    """Run the awaitables concurrently; the first to complete wins (aiotools ``race``,
    R70). The others are cancelled and awaited before ``race`` returns
    ``(value, errors)``. Without ``continue_on_error`` the first member to fail before any
    success makes ``race`` cancel the rest, wait, and raise that error (``errors`` is then
    always empty); with it, errors are collected in occurrence order and if every member
    fails, :class:`corral.ErrorGroup` is raised with all of them. An empty input raises
    :class:`corral.InvalidArgument` (a ``ValueError``). Members are named ``names[i]`` or
    ``race.<i>``; losers that fail while being cancelled go to the handler chain."""
    members = _members(aws, names, "race")
    if not members:
        raise InvalidArgument("race(): no awaitables given")
    winner: Task | None = None
    first_error: BaseException | None = None
    errors: list[BaseException] = []
    async with CollectGroup(members) as group:
        for _ in range(len(members)):
            t = await group.next_done()
            if t._state == COMPLETED:
                winner = t
                break
            if t._state == FAILED:
                if not continue_on_error:
                    first_error = t._exc
                    break
                errors.append(t._exc)  # type: ignore[arg-type]
            # a member cancelled from elsewhere neither wins nor fails
    if winner is not None:
        return winner._result, errors
    if first_error is not None:
        raise first_error
    raise ErrorGroup(errors_text(errors), errors)


async def gather_safe(aws: Iterable[Any], names: Sequence[str] | None = None) -> list[Any]:
    """Run the awaitables concurrently and wait for all; return each one's value or error
    object, in input order (aiotools ``gather_safe``, R71). Errors returned as values are
    not reported anywhere else (R59). If the caller is cancelled, the members are cancelled
    and awaited, then ``Cancelled`` propagates. Members are named ``names[i]`` or
    ``gather_safe.<i>``."""
    members = _members(aws, names, "gather_safe")
    async with CollectGroup(members) as group:
        for _ in range(len(members)):
            await group.next_done()
    return [_outcome(t) for t in group.tasks]


class as_completed_safe:
    """Member tasks in completion order, with a guaranteed clean-up (aiotools
    ``as_completed_safe``, R71)::

        async with corral.as_completed_safe([a(), b(), c()]) as it:
            async for task in it:
                print(await task)      # its value, or its error raised
                break                  # the rest is cancelled and awaited at the block's end

    Leaving the ``async with`` block — at the end, by ``break``, an error or a
    cancellation — cancels the members not yet finished and waits for them before control
    goes on. A plain ``async for`` over an async generator cannot promise that (``break``
    leaves the loop before the generator can run any code), so the object must be entered
    first; iterating it without ``async with`` raises ``TypeError``. Members are named
    ``names[i]`` or ``as_completed_safe.<i>``; a failure the loop did not take goes to the
    handler chain when the block ends.
    """

    __slots__ = ("_group", "_left", "_state")

    def __init__(self, aws: Iterable[Any], names: Sequence[str] | None = None) -> None:
        members = _members(aws, names, "as_completed_safe")
        self._group = CollectGroup(members)
        self._left = len(members)
        self._state = 0  # 0 new, 1 entered, 2 exited

    async def __aenter__(self) -> "as_completed_safe":
        if self._state:
            raise InvalidState("as_completed_safe can be entered only once")
        await self._group.__aenter__()
        self._state = 1
        return self

    async def __aexit__(self, et: Any, ev: BaseException | None, tb: Any) -> bool:
        self._state = 2
        return await self._group.__aexit__(et, ev, tb)

    def __aiter__(self) -> "as_completed_safe":
        if self._state != 1:
            if self._state == 0:
                for coro, _ in self._group._members:
                    coro.close()
                self._group._members = []
                self._state = 2
            raise TypeError("as_completed_safe: iterate it inside its block: "
                            "'async with as_completed_safe(aws) as it: async for t in it:'")
        return self

    async def __anext__(self) -> Task:
        if self._state != 1 or self._left == 0:
            raise StopAsyncIteration
        self._left -= 1
        return await self._group.next_done()

    @property
    def tasks(self) -> list[Task]:
        """The member tasks in input order (empty before the block is entered)."""
        return self._group.tasks


__all__ = ["race", "gather_safe", "as_completed_safe"]
