"""Exceptions: one class per outcome kind of semantics R2, and the one place where the C
library's negative codes become exceptions (:func:`from_code`, :func:`check`).

``Cancelled`` derives from ``BaseException`` (it is control flow, R2/R75), so a plain
``except Exception`` does not swallow it; every other kind derives from :class:`Error`.
Where hat.aio has a name for a kind (``QueueClosedError``, ``GroupClosedError``, ...) the
name is an alias of the class.
"""

from __future__ import annotations

from . import _ffi


class Cancelled(BaseException):
    """The current task's cancel scope was cancelled (control flow, not an error).

    Raised at checkpoints while cancellation is pending. Catching it does not clear the
    cancellation (it is level-triggered, R24): the next checkpoint raises it again. Re-raise
    it after cleanup.
    """

    code = _ffi.ECANCELLED
    kind = "Cancelled"


class Error(Exception):
    """Base class of every corral error kind (all of R2 but ``Cancelled``).

    ``kind`` is the R2 kind name used in traces, ``code`` the C library's code.
    """

    code = _ffi.EUSER
    kind = "Error"

    def __init__(self, *args: object) -> None:
        super().__init__(*args)

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class Timeout(Error, TimeoutError):
    """A ``fail_after``/``fail_at`` scope's deadline, or a per-call ``deadline=``, expired."""
    code = _ffi.ETIMEOUT
    kind = "Timeout"


class TaskCancelled(Error):
    """The joined task ended CANCELLED (R16). The joiner itself is not cancelled."""
    code = _ffi.ETASKCANCELLED
    kind = "TaskCancelled"


class FutureCancelled(Error):
    """The awaited future was cancelled (R22). The waiter itself is not cancelled."""
    code = _ffi.EFUTURECANCELLED
    kind = "FutureCancelled"


class InvalidState(Error, RuntimeError):
    """The object is not in a state that allows the operation (e.g. ``set_result`` twice)."""
    code = _ffi.EINVALIDSTATE
    kind = "InvalidState"


class InvalidArgument(Error, ValueError):
    """A bad argument (negative duration, wrong object kind, ...)."""
    code = _ffi.EINVALIDARG
    kind = "InvalidArgument"


class GroupClosed(Error):
    """Spawning into a group that is closing or closed (R44)."""
    code = _ffi.EGROUPCLOSED
    kind = "GroupClosed"


class QueueClosed(Error):
    """The queue is closed (and, for ``get``, drained)."""
    code = _ffi.EQUEUECLOSED
    kind = "QueueClosed"


class QueueEmpty(Error):
    """``get_nowait`` on an empty queue."""
    code = _ffi.EQUEUEEMPTY
    kind = "QueueEmpty"


class QueueFull(Error):
    """``put_nowait`` on a full queue."""
    code = _ffi.EQUEUEFULL
    kind = "QueueFull"


class ErrorGroup(Error, ExceptionGroup):  # type: ignore[misc]
    """Several errors of a fail-fast group (R54), in occurrence order."""
    code = _ffi.EERRORGROUP
    kind = "ErrorGroup"

    def __new__(cls, message: str, exceptions):  # type: ignore[no-untyped-def]
        return super().__new__(cls, message, exceptions)

    def __init__(self, message: str, exceptions) -> None:  # type: ignore[no-untyped-def]
        pass

    def derive(self, excs):  # type: ignore[no-untyped-def]
        return ErrorGroup(self.message, excs)


class StrayCancellation(Error):
    """A task raised ``Cancelled`` although no cancellation was pending (R14)."""
    code = _ffi.ESTRAYCANCELLATION
    kind = "StrayCancellation"


class CleanupTimeout(Error):
    """Managed cleanup exceeded its grace period (R66)."""
    code = _ffi.ECLEANUPTIMEOUT
    kind = "CleanupTimeout"


class Deadlock(Error):
    """No task can make progress and nothing can wake one (R10)."""
    code = _ffi.EDEADLOCK
    kind = "Deadlock"


class Closed(Error):
    """The handle (or its runtime) was closed; using it is an error, never a crash."""
    code = _ffi.ECLOSED
    kind = "Closed"


class UserError(Error):
    """A ``User(kind, message)`` error that did not start as a Python exception (for
    example one raised by C code); ``kind`` is the kind name it carries."""

    code = _ffi.EUSER

    def __init__(self, kind: str, message: str = "") -> None:
        super().__init__(message)
        self.kind = kind  # type: ignore[misc]

    def __str__(self) -> str:
        return self.message


class SystemError_(Error):
    """A system failure (a negative errno value from the C library), e.g. out of memory."""

    kind = "Errno"

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code  # type: ignore[misc]


# hat.aio names
QueueClosedError = QueueClosed
QueueEmptyError = QueueEmpty
QueueFullError = QueueFull
GroupClosedError = GroupClosed
# asyncio/trio-flavoured names
TimeoutError_ = Timeout
InvalidStateError = InvalidState

_BY_CODE: dict[int, type[BaseException]] = {
    cls.code: cls for cls in (Cancelled, Timeout, TaskCancelled, FutureCancelled, InvalidState,
                              InvalidArgument, GroupClosed, QueueClosed, QueueEmpty, QueueFull,
                              StrayCancellation, CleanupTimeout, Deadlock, Closed)
}
_BY_KIND: dict[str, type[BaseException]] = {cls.kind: cls for cls in _BY_CODE.values()}


def from_code(code: int, message: str | None = None, kind: str | None = None) -> BaseException:
    """The exception for a negative C code; ``message`` defaults to the thread's last
    detail message (corral_last_error_message) or the code's text."""
    if message is None:
        message = _ffi.last_error_message() or _ffi.lib.corral_strerror(code).decode()
    if code == _ffi.EUSER:
        return UserError(kind or "User", message)
    if code == _ffi.EERRORGROUP:
        return ErrorGroup(message or "errors", [Error(message)])
    cls = _BY_CODE.get(code)
    if cls is None:
        return SystemError_(code, message)
    return cls(message) if message else cls()


def check(rc: int) -> int:
    """Return rc if it is not negative, else raise the matching exception."""
    if rc < 0:
        raise from_code(rc)
    return rc


def code_of(exc: BaseException) -> int:
    """The C code a Python exception travels with: its kind's code for corral errors,
    CORRAL_ECANCELLED for Cancelled, CORRAL_EUSER for everything else."""
    if isinstance(exc, Cancelled):
        return _ffi.ECANCELLED
    if isinstance(exc, Error):
        code = exc.code
        if code in _BY_CODE or code == _ffi.EERRORGROUP:
            return code
    return _ffi.EUSER


def kind_of(exc: BaseException) -> str:
    """The kind name shown in traces: the R2 kind for corral errors, else the class name."""
    if isinstance(exc, (Error, Cancelled)) and code_of(exc) != _ffi.EUSER:
        return exc.kind
    if isinstance(exc, UserError):
        return exc.kind
    return type(exc).__name__
