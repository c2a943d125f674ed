# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every pause of the collection, in one place: how long to wait before the next poll or the next try.

A ``Schedule`` is one rule (first pause, growth, cap, jitter, floor, Retry-After); the table below lists each
caller's. The pauses are slept on the caller's ``Deadline``, which cuts them at its end; nothing here sleeps.

A Retry-After on a failed answer (429, 503) is a minimum: the pause is the schedule's or the Retry-After,
whichever is longer, so a server that keeps refusing still sees the pauses grow. It is held to the cap (a server
cannot park a task for an hour). On an answer that did not fail (an ARM operation still running) Retry-After is the
server's poll interval and replaces the schedule's (``told``).
"""
from __future__ import annotations

import dataclasses
import email.utils
import random
import time
import typing as t

# The contract's default wait_sleep: the first pause of a module's wait (WAIT_ARG_SPEC takes it from here).
DEFAULT_WAIT_SLEEP = 5


@dataclasses.dataclass(frozen=True)
class Schedule:
    """Pause ``n`` (0 for the first) has the ceiling ``min(cap, first * growth ** n)``; ``jitter`` of it is drawn at
    random (0: none, 0.5: between half the ceiling and the ceiling, 1: between the floor and the ceiling). With
    ``steady`` the floor is ``first`` (the interval a user asked for), else 0."""

    first: float
    cap: float
    growth: float = 2.0
    jitter: float = 0.0
    steady: bool = False

    @property
    def floor(self) -> float:
        return min(float(self.first), self.cap) if self.steady else 0.0

    def ceiling(self, n: int) -> float:
        # A read tried until its deadline may count hundreds of tries: the exponent stops long past any cap.
        return min(self.cap, float(self.first) * self.growth ** min(n, 64))

    def pause(self, n: int, retry_after: float | None = None,
              uniform: t.Callable[[float, float], float] = random.uniform) -> float:
        """The pause after failure ``n`` (0 for the first; a poll loop counts its polls), at least the failed
        answer's ``retry_after`` up to the cap; ``uniform(low, high)`` draws the jitter (asked only when there is a
        range to draw from)."""
        high = self.ceiling(n)
        low = min(high, max(self.floor, high * (1.0 - self.jitter)))
        pause = low if low >= high else uniform(low, high)
        return pause if retry_after is None else max(pause, self.told(retry_after))

    def told(self, retry_after: float) -> float:
        """The pause a Retry-After asks for, held to the floor and the cap."""
        return max(self.floor, min(float(retry_after), self.cap))

    def starting(self, first: float) -> Schedule:
        """The same rule from another first pause (the user's wait_sleep, the source's interval)."""
        return dataclasses.replace(self, first=float(first))

    def capped(self, cap: float) -> Schedule:
        return dataclasses.replace(self, cap=float(cap))


# Every schedule, whole. ``first`` of POLL, WATCH and OPERATION is the user's, given with ``starting()``.
#
# A module's wait polls from wait_sleep, doubling with jitter, never faster than wait_sleep, at most 60 s apart:
# a task waits, and its user should learn that the work ended within a minute of it.
POLL = Schedule(first=DEFAULT_WAIT_SLEEP, cap=60.0, jitter=1.0, steady=True)
# The event source polls every interval (30 s by default); while polls fail the pause grows like POLL's but to
# 300 s. It has no deadline and no task waiting on it, and it runs for days: a cap of 60 s would be two intervals,
# barely backing off from an API that is down or throttling; its events are late by at most one pause either way.
WATCH = Schedule(first=30, cap=300.0, jitter=1.0, steady=True)
# One AWS request tried again (RetryPolicy): full jitter from 0.5 s, at most 20 s, as AWS's SDKs do.
AWS_RETRY = Schedule(first=0.5, cap=20.0, jitter=1.0)
# One Resource Manager request tried again (ArmClient): from 1 s, half of it jitter, at most 60 s (the client's
# max_retry_after), Retry-After included.
ARM_RETRY = Schedule(first=1.0, cap=60.0, jitter=0.5)
# An ARM long-running operation is polled every wait_sleep, or when its Retry-After says (``told``), at most 60 s
# apart.
OPERATION = Schedule(first=DEFAULT_WAIT_SLEEP, cap=60.0, growth=1.0)


def retry_after_seconds(value: str | float | None, now: float | None = None) -> float | None:
    """A Retry-After header as seconds (delta-seconds or an HTTP date), or None when absent or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return max(0.0, float(value))
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
