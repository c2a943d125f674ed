# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting inside a module: the wait options, the first look, the poll loop.

All of it runs on the module's ``Deadline`` (``_core/deadline.py``): its clock, its sleep, its end.
"""
from __future__ import annotations

import random
import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import DEFAULT_WAIT_TIMEOUT, Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.pause import DEFAULT_WAIT_SLEEP, POLL
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource, fetch_many, where_phrase
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import job_state

WAIT_ARG_SPEC = {
    "wait": {"type": "bool", "default": False},
    "wait_timeout": {"type": "int", "default": DEFAULT_WAIT_TIMEOUT},
    "wait_sleep": {"type": "int", "default": DEFAULT_WAIT_SLEEP},
}

# The jitter of the poll loop; an indirection so tests can make it deterministic.
_uniform = random.uniform

T = t.TypeVar("T")


class JobsSeen(t.Protocol):
    """What the poll loop reads and updates: the jobs as last seen (``_core/result.Report``)."""

    source: JobSource
    deadline: Deadline
    raws: list
    entries: list

    def polled(self, index: int, raw: dict) -> None:
        ...


def wait_settings(params: t.Mapping) -> tuple:
    """(timeout, first sleep) from the wait options, with the contract's defaults."""
    timeout = params.get("wait_timeout") or WAIT_ARG_SPEC["wait_timeout"]["default"]
    sleep = params.get("wait_sleep") or WAIT_ARG_SPEC["wait_sleep"]["default"]
    return timeout, sleep


def validate_wait(params: t.Mapping) -> None:
    """wait_timeout and wait_sleep must be positive; checked before any request."""
    for name in ("wait_timeout", "wait_sleep"):
        value = params.get(name, WAIT_ARG_SPEC[name]["default"])
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise bad_input(f"Option {name} must be a positive number of seconds, got {value!r}.")


def within_budget(deadline: Deadline, read: t.Callable[..., T], *args: t.Any) -> T:
    """``read(*args)``, a read that is not a poll (a first look, a start's plan), failing as a wait does.

    Its retries are its client's (``AwsClient.call``, ``ArmClient.request``): with a bounded deadline they go on
    until the deadline, so one loop tries the read again, not two. A retryable error that outlasted the budget
    fails as the API's last error, retryable, saying how often it was tried; without a deadline (no ``wait``), or
    with time left, the error is raised as it came.
    """
    try:
        return read(*args)
    except JobGateError as err:
        raise at_deadline(deadline, err) from None


def at_deadline(deadline: Deadline, err: JobGateError) -> JobGateError:
    """What a read that is not a poll fails with: ``err``, or the wait's failure (``Deadline.exhausted``) when ``err``
    is retryable and the budget ran out while its client tried it again."""
    if err.retryable and err.attempts and deadline.expired:
        return deadline.exhausted(err, err.attempts)
    return err


def _open_jobs_text(entries: list) -> str:
    """The jobs still open as the role's timeout line shows them: ``ID STATE (NATIVE, PERCENT%)``."""
    return ", ".join(job_state(entry["normalized"]) for entry in entries if not entry["normalized"]["terminal"])


def wait_for(seen: JobsSeen, ids: list, sleep: float, reserve: float = 0.0) -> tuple:
    """Poll the jobs that are not terminal until all are or the deadline comes; returns (entries, elapsed).

    The pauses are ``pause.POLL`` from ``sleep``: the first is ``sleep``; later ones double with jitter between
    ``sleep`` and the doubled ceiling (never faster than the user asked), capped at 60 s. The last poll starts early enough to end by the deadline
    if it takes up to twice as long as the slowest read so far (``reserve``, the first look's time, to begin with),
    and no request gets longer than the time left. A poll's read is tried again by its client until the deadline, so a
    retryable error reaches this loop only when the deadline has come: it keeps the last known state, and the
    ``WaitTimeout`` names it; other errors end the wait at once. At the deadline: ``WaitTimeout`` naming the jobs
    still open and their last states.
    """
    source, deadline = seen.source, seen.deadline
    ids = list(ids)
    schedule = POLL.starting(sleep)
    attempt = 0
    last_error = None
    final = False
    while True:
        open_idx = [i for i, entry in enumerate(seen.entries) if not entry["normalized"]["terminal"]]
        if not open_idx:
            return seen.entries, deadline.elapsed()
        remaining = deadline.remaining()
        if final or remaining <= 0:
            seconds = deadline.elapsed()
            budget = f" (wait_timeout={deadline.budget:g})" if deadline.budget is not None else ""
            msg = (f"Timed out after {seconds:g}s{budget} waiting for {len(open_idx)} of {len(seen.entries)} "
                   f"{source.id_label}(s){where_phrase(source)}: {_open_jobs_text(seen.entries)}.")
            if last_error is not None:
                msg += f" The last poll failed: {last_error.msg}"
            raise JobGateError(msg, code="WaitTimeout", retryable=True)
        # A listed job without an id cannot be asked about again; it stays open until the deadline.
        pollable = [i for i in open_idx if ids[i]]
        pause = schedule.pause(attempt, uniform=_uniform)
        room = 2 * reserve
        if pause >= remaining - room:
            pause, final = max(0.0, remaining - room), True
        deadline.sleep(pause)
        attempt += 1
        hints = {job_id: raw for job_id, raw in zip(ids, seen.raws) if job_id}
        began = deadline.clock()
        try:
            polled = fetch_many(source, [ids[i] for i in pollable], hints=hints)
        except JobGateError as err:
            if not err.retryable:
                raise
            last_error = err
            continue
        finally:
            reserve = max(reserve, deadline.clock() - began)
        last_error = None
        for index, raw in zip(pollable, polled):
            seen.polled(index, raw)
