# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one time budget of a module run: every part that waits or sleeps asks it how long it may.

A module makes one ``Deadline`` when it starts (``JobGateModule``) and hands it to everything that waits: the
first fetch, the poll loop, the long-running-operation follower, the AWS and ARM retries with their backoff and
Retry-After waits, the AWS request limiter and token acquisition; the event source's watch loop runs on an
unbounded one (``pause`` is its sleep, awaited on the event loop). Its clock and its sleeps are the only ones the
collection uses, so a test that gives it a fake clock drives all of them.

Without ``wait`` the deadline is unbounded: nothing is capped, and a task ends within its retry budget.
"""
from __future__ import annotations

import math
import os
import time
import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError

# The contract's default wait_timeout (the wait options' spec in waiter.py takes it from here).
DEFAULT_WAIT_TIMEOUT = 1800
# urllib3 refuses a timeout of 0; a request sent in the last instant gets this much.
MIN_TIMEOUT = 0.001
# A module process older than this at its argument parsing is not a module process (tests, long-lived tools).
_MAX_PROCESS_AGE = 30.0


class Deadline:
    """``budget`` seconds from ``started`` (a ``clock`` reading), or unbounded when ``budget`` is None."""

    def __init__(self, budget: float | None = None, *, clock: t.Callable[[], float] = time.monotonic,
                 sleep: t.Callable[[float], None] = time.sleep, started: float | None = None,
                 async_sleep: t.Callable[[float], t.Awaitable] | None = None) -> None:
        self.clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep  # None: asyncio.sleep (imported only by what awaits: modules never do)
        self.started = clock() if started is None else started
        self.budget = budget
        self.at = None if budget is None else self.started + budget

    @classmethod
    def for_params(cls, params: t.Mapping, *, started: float | None = None, **kwargs: t.Any) -> Deadline:
        """The deadline of a module's wait options: ``wait_timeout`` with ``wait``, else unbounded."""
        budget = params.get("wait_timeout")
        budget = DEFAULT_WAIT_TIMEOUT if budget is None else budget
        if not params.get("wait") or isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget <= 0:
            budget = None  # a bad wait_timeout is refused by validate_wait before any request
        return cls(budget, started=started, **kwargs)

    def limit(self, budget: float) -> Deadline:
        """A deadline with the same clock and start, ending ``budget`` s after the start or at this one, if sooner."""
        at = self.started + budget if self.at is None else min(self.at, self.started + budget)
        return Deadline(at - self.started, clock=self.clock, sleep=self._sleep, started=self.started,
                        async_sleep=self._async_sleep)

    @property
    def bounded(self) -> bool:
        return self.at is not None

    def remaining(self) -> float:
        """Seconds left (never negative); infinite when unbounded."""
        if self.at is None:
            return math.inf
        return max(0.0, self.at - self.clock())

    @property
    def expired(self) -> bool:
        return self.at is not None and self.clock() >= self.at

    def elapsed(self) -> float:
        """Seconds since the start, to a tenth: the contract's ``elapsed``."""
        return round(max(0.0, self.clock() - self.started), 1)

    def sleep(self, seconds: float) -> float:
        """Sleep ``seconds``, but never past the deadline; returns the time slept."""
        seconds = max(0.0, min(float(seconds), self.remaining()))
        if seconds > 0:
            self._sleep(seconds)
        return seconds

    async def pause(self, seconds: float) -> float:
        """``sleep`` for an event loop: awaits ``seconds``, never past the deadline (even 0 s yields to the loop)."""
        seconds = max(0.0, min(float(seconds), self.remaining()))
        if self._async_sleep is None:
            import asyncio  # pylint: disable=import-outside-toplevel  # 50 ms of start-up no module needs
            self._async_sleep = asyncio.sleep
        await self._async_sleep(seconds)
        return seconds

    def cap(self, timeout: float | None) -> float | None:
        """A request timeout no longer than the time left (``None``, no timeout, becomes the time left)."""
        if self.at is None:
            return timeout
        left = max(self.remaining(), MIN_TIMEOUT)
        return left if timeout is None else min(float(timeout), left)

    def timeouts(self, connect: float, read: float) -> tuple:
        """(connect, read) timeouts capped at the time left, as requests takes them."""
        return self.cap(connect), self.cap(read)

    def last_answer(self, last: JobGateError | None, err: JobGateError) -> JobGateError:
        """Of an earlier failure ``last`` and a newer one ``err`` of the same read, the one to report: the API's last
        answer. A request refused for want of time (no attempt) or cut short by this deadline (a timeout once the
        budget is spent) is not the API's answer, so after an error of the API's that error stands, counting the
        newer attempts: on a loaded machine the last retry is often the one the deadline cuts.
        """
        if last is None or (err.attempts and not (err.code == "Timeout" and self.expired)):
            return err
        kept = last.with_msg(last.msg)
        kept.attempts = max(last.attempts, err.attempts)
        return kept

    def exhausted(self, last: JobGateError, tries: int) -> JobGateError:
        """The failure when the budget ran out before any read succeeded: the API's last error, retryable."""
        times = "once" if tries == 1 else f"{tries} times"
        return JobGateError(
            f"The wait_timeout of {self.budget:g} s passed while the API kept failing; it was tried {times} in "
            f"{self.elapsed():g} s. The last error: {last.msg}",
            code=last.code, message=last.message, http_status=last.http_status, retryable=True, attempts=tries)

    def out_of_time(self, what: str) -> JobGateError:
        """The failure of a request that was not sent because no time was left for it."""
        return JobGateError(f"The wait_timeout of {self.budget:g} s passed before the request to {what} could be sent.",
                            code="WaitTimeout", retryable=True, attempts=0)


def _process_age() -> float:
    """Seconds since this process started (Linux /proc), or 0.0 where that cannot be read.

    A module's budget starts when its process does: interpreter start-up and imports are part of the task's time,
    and the contract's ``elapsed`` counts from the module's start.
    """
    try:
        with open("/proc/self/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")   # field 22, starttime, in clock ticks since boot
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - started  # pylint: disable=no-member  # Linux only, guarded
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0
    return age if 0.0 <= age <= _MAX_PROCESS_AGE else 0.0


def module_start(clock: t.Callable[[], float] = time.monotonic) -> float:
    """The ``clock`` reading of the module's start (its process's start where the system tells it)."""
    return clock() - _process_age()
