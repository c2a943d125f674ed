# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our AWS retry policy and the client-side request limiter (which errors are worth another try: ``errors.py``).

botocore's own retries are switched off (see ``client.build_config``): ``AwsClient.call`` applies these.
"""
from __future__ import annotations

import random
import threading
import typing as t
from dataclasses import dataclass

from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.pause import AWS_RETRY

T = t.TypeVar("T")


@dataclass
class RetryPolicy:
    """``pause.AWS_RETRY`` (full jitter: delay = uniform(0, min(cap, base * 2**n)), or the answer's Retry-After)
    over a bounded attempt count.

    The delays are slept on the client's deadline, which cuts them at its end.
    """

    max_attempts: int = 6
    base: float = AWS_RETRY.first
    cap: float = AWS_RETRY.cap
    rand: t.Callable[[], float] = random.random

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        schedule = AWS_RETRY.starting(self.base).capped(self.cap)
        return schedule.pause(retry_number, retry_after, uniform=lambda low, high: low + self.rand() * (high - low))

    def next_pause(self, number: int, err: JobGateError, *, until_deadline: bool = False,
                   retry: t.Callable[[JobGateError], bool] | None = None) -> float | None:
        """The pause before another try after ``err`` ended try ``number``; None when it is not worth one (``retry(err)``,
        by default ``err.retryable``) or none is left: ``max_attempts`` bounds the tries, except that a read on a
        bounded deadline (``until_deadline``: ``wait``) is tried until the deadline, the wait's only retries of it."""
        spent = number >= self.max_attempts and not until_deadline
        if spent or not (retry(err) if retry is not None else err.retryable):
            return None
        return self.delay(number - 1, err.retry_after)

    def run(self, deadline: Deadline, attempt: t.Callable[[int, t.Any], T], *,
            out_of_time: t.Callable[[], JobGateError], retry: t.Callable[[JobGateError], bool] | None = None,
            turn: t.Callable[[], t.Any] | None = None, ride: bool = False) -> T:
        """``attempt(number, ticket)`` for number 1, 2, ...: its answer, or the JobGateError it raised when
        ``next_pause`` gives no other try (``ride``: a read, tried until a bounded deadline).

        The retry loop of the AWS calls that are not a client method: AssumeRole's fetcher, a create call's
        single attempts (``client.call_create``); ``AwsClient.call`` runs the same loop inline. On ``deadline``: the
        backoff is slept on it, and no attempt starts once it has passed, neither after the backoff nor after
        ``turn()`` (the limiter's wait; its result is the attempt's ``ticket``). Then the last error is raised, or
        ``out_of_time()`` when no attempt was made.
        """
        last: JobGateError | None = None
        number = 0
        until_deadline = ride and deadline.bounded
        while True:
            number += 1
            ticket = turn() if turn is not None else None
            if deadline.expired:
                break
            try:
                return attempt(number, ticket)
            except JobGateError as err:
                last = deadline.last_answer(last, err)
            pause = self.next_pause(number, last, until_deadline=until_deadline, retry=retry)
            if pause is None:
                break
            deadline.sleep(pause)
        raise last if last is not None else out_of_time()


class AdaptiveLimiter:
    """Client-side pacing shared by the threads of one client: AIMD on the allowed request rate.

    Unlimited until the service throttles. A throttled answer sets the rate to half of what was being sent (the
    starts of the last second), at most once per round: answers to requests started before the last cut are
    already accounted for; never below ``floor`` (2/s: a lone caller waits no longer than its retry backoff).
    Every success adds 1/rate, about one request per second per second, so the rate
    climbs back and probes again. Without it, a pool of threads keeps hammering a throttled service and each
    429 costs another request. Its clock and its waits are the deadline's: a turn is never waited for past it.
    """

    WINDOW = 1.0

    def __init__(self, deadline: Deadline | None = None, floor: float = 2.0) -> None:
        self.deadline = deadline if deadline is not None else Deadline()
        self.clock = self.deadline.clock
        self.floor = floor
        self.rate: float | None = None  # requests per second; None = not limited
        self._next = 0.0                # earliest start of the next request while limited
        self._cut_at = float("-inf")
        self._starts: list = []
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for this request's turn; returns its start time (the ticket for ``on_throttle``)."""
        with self._lock:
            now = self.clock()
            slot = now if self.rate is None else max(now, self._next)
            if self.rate is not None:
                self._next = slot + 1.0 / self.rate
            self._starts = [s for s in self._starts if s > slot - self.WINDOW]
            self._starts.append(slot)
        if slot > now:
            self.deadline.sleep(slot - now)
        return slot

    def on_throttle(self, ticket: float) -> None:
        with self._lock:
            if ticket <= self._cut_at:
                return
            now = self.clock()
            sent = float(len([s for s in self._starts if s > now - self.WINDOW]) or 1) / self.WINDOW
            current = sent if self.rate is None else min(self.rate, sent)
            self.rate = max(self.floor, current / 2.0)
            self._cut_at = now
            self._next = max(self._next, now + 1.0 / self.rate)

    def on_success(self) -> None:
        with self._lock:
            if self.rate is not None:
                self.rate += 1.0 / self.rate
