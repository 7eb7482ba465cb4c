"""``actxgroup`` / ``AsyncContextGroup``: enter many async context managers concurrently and
exit them concurrently (R69, aiotools ``actxgroup``).

The enters run in child tasks named ``<enter_prefix><i>`` and the exits in child tasks named
``<exit_prefix><i>`` (i = the manager's 1-based input index), each set in an internal COLLECT
group (as race/gather_safe use): their outcomes are values taken by the context group, so no
handler sees them and no group trace line is printed.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Iterable

from ._core import COMPLETED, FAILED, Task, errors_text
from ._errors import Cancelled, ErrorGroup, InvalidState, TaskCancelled
from ._exitstack import _raise_keeping_context
from ._group_helpers import CollectGroup
from ._scope import cleanup_scope

_NEW, _ENTERING, _ENTERED, _EXITED = 0, 1, 2, 3


class AsyncContextGroup:
    """Enter several async context managers concurrently (aiotools ``actxgroup``)::

        async with corral.actxgroup([open_db(), open_cache(), open_queue()]) as values:
            db, cache, queue = values

    * Enter: one child task per manager (``enter1``, ``enter2``, ...); the block gets the
      entered values in input order.
    * Strict (default): the first enter that fails cancels the enters still running; the
      managers already entered are exited (concurrently, as managed cleanup, with the
      :class:`corral.ErrorGroup` of the enter errors in flight), the body is skipped and
      that group (input order; a cancelled enter is not an error) is raised. An enter that
      ends cancelled is no failure: its place in the value list holds a
      :class:`corral.TaskCancelled` and it is never exited.
    * ``return_exceptions=True`` (aiotools' behaviour): every enter runs to completion and
      the body runs with each failed enter's error object in its place in the value list.
    * Exit: the managers that entered — and only those (R69) — are exited concurrently in
      child tasks (``exit1``, ...), as managed cleanup (shielded, with the nearest group's
      ``cleanup_timeout``); each gets the error in flight. Every exit runs even if another
      fails. What an exit returns is ignored (the group never suppresses the body's error,
      as aiotools). When exits fail, :class:`corral.ErrorGroup` of their errors (input
      order) is raised, its ``__context__`` the error in flight (none when that is
      ``Cancelled``: the cancellation stays pending and is raised at the next checkpoint).
    * :meth:`exit_states` — per manager, in input order, after the exit: None (exited
      cleanly, or never entered) or the exit's error (:class:`corral.TaskCancelled` when
      the cleanup grace ran out and it was cancelled; that is not raised, R66).

    If the task is cancelled while entering, the pending enters are cancelled and awaited,
    the managers whose enter completed (also while being cancelled, e.g. a shielded enter)
    are exited, and ``Cancelled`` propagates. A group is entered once, and exited once
    after its enter finished (:class:`corral.InvalidState` otherwise: an exit called while
    the enter is in progress, e.g. from another task, raises it and changes nothing).
    """

    __slots__ = ("_cms", "_return_exceptions", "_enter_prefix", "_exit_prefix", "_entered",
                 "_values", "_states", "_state")

    def __init__(self, context_managers: Iterable[Any] | None = None, *,
                 return_exceptions: bool = False, enter_prefix: str = "enter",
                 exit_prefix: str = "exit") -> None:
        if not isinstance(enter_prefix, str) or not isinstance(exit_prefix, str):
            raise TypeError("actxgroup: enter_prefix and exit_prefix must be str")
        self._cms: list[Any] = []
        self._return_exceptions = bool(return_exceptions)
        self._enter_prefix = enter_prefix
        self._exit_prefix = exit_prefix
        self._entered: list[bool] = []
        self._values: list[Any] = []
        self._states: list[BaseException | None] = []
        self._state = _NEW
        for cm in context_managers or ():
            self.add(cm)

    def add(self, cm: Any) -> None:
        """Append an async context manager (before the group is entered)."""
        if self._state != _NEW:
            raise InvalidState("actxgroup.add(): the group was already entered")
        if not (hasattr(type(cm), "__aenter__") and hasattr(type(cm), "__aexit__")):
            raise TypeError(f"actxgroup: expected an async context manager, "
                            f"got {type(cm).__name__}")
        self._cms.append(cm)

    def exit_states(self) -> list[BaseException | None]:
        """Per manager in input order: None, or the error its exit ended with."""
        return list(self._states)

    async def __aenter__(self) -> list[Any]:
        if self._state != _NEW:
            raise InvalidState("actxgroup can be entered only once")
        self._state = _ENTERING
        n = len(self._cms)
        self._entered = [False] * n
        self._states = [None] * n
        self._values = [None] * n
        try:
            errors = await self._enter_all()
        except BaseException as e:  # the task was cancelled (or a fatal error) meanwhile
            await self._exit_all(e)
            raise
        self._state = _ENTERED
        if errors and not self._return_exceptions:
            eg = ErrorGroup(errors_text(errors), errors)
            # the body never ran: the entered managers are exited with the enter errors in
            # flight, as contextlib's AsyncExitStack exits the managers entered before a
            # failing one (an exit ErrorGroup gets eg as its context, R67)
            await self._exit_all(eg)
            raise eg
        return self._values

    async def __aexit__(self, et: type[BaseException] | None, ev: BaseException | None,
                        tb: TracebackType | None) -> bool:
        if self._state != _ENTERED:
            raise InvalidState("actxgroup exited " + ("while its enter is in progress"
                                                      if self._state == _ENTERING else
                                                      "twice" if self._state == _EXITED else
                                                      "without being entered"))
        await self._exit_all(ev)
        return False

    async def _enter_all(self) -> list[BaseException]:
        """Run the enters; fill values/entered; return the enter errors in input order."""
        members = [(_enter(cm), f"{self._enter_prefix}{i + 1}")
                   for i, cm in enumerate(self._cms)]
        failed: dict[int, BaseException] = {}
        group = CollectGroup(members)
        try:
            async with group:
                index = {id(t): i for i, t in enumerate(group.tasks)}
                for _ in range(len(members)):
                    t = await group.next_done()
                    i = index[id(t)]
                    if t._state == COMPLETED:
                        self._entered[i] = True
                        self._values[i] = t._result
                    elif t._state == FAILED:
                        self._values[i] = failed[i] = t._exc  # type: ignore[assignment]
                        if not self._return_exceptions and len(failed) == 1:
                            _cancel_running(group.tasks)
                    else:
                        self._values[i] = TaskCancelled()
        finally:
            # the task was cancelled (the group's exit cancelled and awaited the enters):
            # an enter that completed anyway (e.g. shielded) has entered, so it is exited
            tasks: list[Any] = group.tasks
            for i, t in enumerate(tasks):
                if t._state == COMPLETED and not self._entered[i]:
                    self._entered[i] = True
                    self._values[i] = t._result
        return [failed[i] for i in sorted(failed)]

    async def _exit_all(self, ev: BaseException | None) -> None:
        """Exit the entered managers concurrently as managed cleanup; record the states and
        raise the exit errors as an ErrorGroup."""
        self._state = _EXITED
        idx = [i for i, entered in enumerate(self._entered) if entered]
        if not idx:
            return
        members = [(_exit(self._cms[i], ev), f"{self._exit_prefix}{i + 1}") for i in idx]
        with cleanup_scope():
            async with CollectGroup(members) as group:
                for _ in range(len(members)):
                    await group.next_done()
        errors = []
        for i, t in zip(idx, group.tasks):
            if t.cancelled():
                self._states[i] = TaskCancelled()  # the grace ran out (reported, R66)
            elif (err := t.exception()) is not None:
                self._states[i] = err
                errors.append(err)
        if errors:
            eg = ErrorGroup(errors_text(errors), errors)
            # the newer error wins, the older is its context (R67) - but a Cancelled is never
            # a context: it stays pending in the task (R24)
            eg.__context__ = None if isinstance(ev, Cancelled) else ev
            _raise_keeping_context(eg)


actxgroup = AsyncContextGroup


async def _enter(cm: Any) -> Any:
    return await type(cm).__aenter__(cm)


async def _exit(cm: Any, ev: BaseException | None) -> None:
    # the suppression flag is not a value: exit tasks end with none (trace "done")
    if ev is None:
        await type(cm).__aexit__(cm, None, None, None)
    else:
        await type(cm).__aexit__(cm, type(ev), ev, ev.__traceback__)


def _cancel_running(tasks: list[Task]) -> None:
    for t in tasks:
        if not t.done():
            t.cancel()


__all__ = ["actxgroup", "AsyncContextGroup"]
