# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting inside a module: the wait options, the first fetch that rides through retryable errors, the poll loop."""
from __future__ import annotations

import random
import time
import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource, fetch_many, where_phrase
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import job_entry, summarize

WAIT_ARG_SPEC = {
    "wait": {"type": "bool", "default": False},
    "wait_timeout": {"type": "int", "default": 1800},
    "wait_sleep": {"type": "int", "default": 5},
}

MAX_POLL_INTERVAL = 60.0

# Indirections so tests can drive the wait loop with a fake clock; not module options.
_monotonic = time.monotonic
_sleep = time.sleep
_uniform = random.uniform


def wait_settings(params: t.Mapping) -> tuple:
    """(timeout, first sleep) from the wait options, with the contract's defaults."""
    timeout = params.get("wait_timeout") or WAIT_ARG_SPEC["wait_timeout"]["default"]
    sleep = params.get("wait_sleep") or WAIT_ARG_SPEC["wait_sleep"]["default"]
    return timeout, sleep


def validate_wait(params: dict) -> None:
    """wait_timeout and wait_sleep must be positive; checked before any request."""
    for name in ("wait_timeout", "wait_sleep"):
        value = params.get(name, WAIT_ARG_SPEC[name]["default"])
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise bad_input(f"Option {name} must be a positive number of seconds, got {value!r}.")


def _open_jobs_text(entries: list) -> str:
    parts = []
    for entry in entries:
        block = entry["normalized"]
        if block["terminal"]:
            continue
        native = block.get("native_status")
        state = block["state"] if not native else f"{block['state']}, {native}"
        parts.append(f"{block.get('job_id')} ({state})")
    return ", ".join(parts)


def wait_for(source: JobSource, ids: list, entries: list, timeout: float, sleep: float, raws: list | None = None) -> tuple:
    """Poll the jobs that are not terminal until all are; returns (entries, elapsed seconds).

    The first pause is ``sleep``; later pauses double with full jitter between ``sleep`` and the doubled ceiling
    (never faster than the user asked), capped at 60 s and at the time left. A last poll happens at the deadline.
    Retryable errors while polling keep the last known state and go on; others end the wait at once.
    ``raws`` (the raw jobs behind ``entries``, optional) are handed to ``fetch_batch`` as hints.
    """
    start = _monotonic()
    entries = list(entries)
    ids = list(ids)
    hints = {job_id: raw for job_id, raw in zip(ids, raws or ()) if job_id}
    floor = min(float(sleep), MAX_POLL_INTERVAL)
    attempt = 0
    last_error = None

    def elapsed() -> float:
        return round(max(0.0, _monotonic() - start), 1)

    def partial() -> dict:
        return {"jobs": entries, "summary": summarize(entries), "elapsed": elapsed()}

    while True:
        open_idx = [i for i, entry in enumerate(entries) if not entry["normalized"]["terminal"]]
        if not open_idx:
            return entries, elapsed()
        remaining = timeout - (_monotonic() - start)
        if remaining <= 0:
            seconds = elapsed()
            msg = (f"Timed out after {seconds:g} s waiting for {len(open_idx)} {source.id_label}(s){where_phrase(source)} "
                   f"to finish; still open: {_open_jobs_text(entries)}.")
            if last_error is not None:
                msg += f" The last poll failed: {last_error.msg}"
            raise JobGateError(msg, code="WaitTimeout", retryable=True, result=partial())
        # A listed job without an id cannot be asked about again; it stays open until the deadline.
        pollable = [i for i in open_idx if ids[i]]
        ceiling = min(MAX_POLL_INTERVAL, floor * (2 ** attempt))
        pause = floor if attempt == 0 else _uniform(floor, max(floor, ceiling))
        _sleep(max(0.0, min(pause, remaining)))
        attempt += 1
        try:
            polled = fetch_many(source, [ids[i] for i in pollable], hints=hints)
        except JobGateError as err:
            if not err.retryable:
                err.result = {**partial(), **err.result}
                raise
            last_error = err
            continue
        last_error = None
        for index, raw in zip(pollable, polled):
            hints[ids[index]] = raw
            entries[index] = job_entry(source.provider, raw)


def first_fetch(source: JobSource, ids: list, params: dict) -> list:
    """fetch_many; with ``wait``, a retryable error (e.g. throttling outlasting the retries) is ridden through
    like one while polling, with the same growing pause, until ``wait_timeout``."""
    if not params.get("wait"):
        return fetch_many(source, ids)
    timeout, sleep = wait_settings(params)
    pause = min(float(sleep), MAX_POLL_INTERVAL)
    deadline = _monotonic() + timeout
    while True:
        try:
            return fetch_many(source, ids)
        except JobGateError as err:
            if not err.retryable or _monotonic() + pause > deadline:
                raise
        _sleep(pause)
        pause = min(MAX_POLL_INTERVAL, pause * 2)
