"""The one fake clock of the unit tests, for a Deadline (integration tests run on real time)."""
from __future__ import annotations

from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline


class Clock:
    """Time moves only when slept (or when a fake request takes time); every sleep is recorded."""

    def __init__(self, now: float = 500.0) -> None:
        self.now = now
        self.sleeps: list = []

    def __call__(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds

    async def pause(self, seconds: float) -> None:
        """The event loop's sleep (a Deadline's ``async_sleep``), recorded to the millisecond."""
        assert seconds >= 0
        self.sleeps.append(round(seconds, 3))
        self.now += seconds

    def deadline(self, budget=None) -> Deadline:
        return Deadline(budget, clock=self, sleep=self.sleep)

    def deadline_for(self, params) -> Deadline:
        """The deadline a module makes of its wait options, on this clock."""
        return Deadline.for_params(params, clock=self, sleep=self.sleep)


RUNNING: list = []  # [the clock] of the running test that made one with the running_clock fixture (conftest.py)


def deadline_for(params) -> Deadline:
    """The deadline a module makes of its wait options: on the running test's clock when it has one."""
    return RUNNING[0].deadline_for(params) if RUNNING else Deadline.for_params(params)
