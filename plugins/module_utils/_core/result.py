# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What builds module results: the info flow (fetch or list, wait, report) and the start flow's results.

A start module builds a plan first (reads only: which jobs already exist, which would start), so check mode and
the real run take the same decisions. Then ``finish`` turns the ids of the jobs started or found into the info
modules' result shape, plus ``changed`` and any extra keys. A start module returns a job for every target it
starts or finds, so a start result without jobs (and, in check mode, nothing that would start) means every target
is already where the task asks (OTA devices in ``unchanged_devices``): its summary says all succeeded.
"""
from __future__ import annotations

import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource, fetch_many
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import job_entry, summarize
from ansible_collections.jobgate.cloud.plugins.module_utils._core.waiter import first_fetch, validate_wait, wait_for, wait_settings


def _entries(source: JobSource, raws: list) -> list:
    return [job_entry(source.provider, raw) for raw in raws]


def collect(source: JobSource, ids: list | None, params: dict) -> dict:
    """The whole info flow: fetch (or list), optionally wait, and build the module result."""
    validate_wait(params)
    raws = source.list_jobs() if ids is None else first_fetch(source, ids, params)
    entries = _entries(source, raws)
    result = {"changed": False}
    if params.get("wait"):
        poll_ids = list(ids) if ids is not None else [entry["normalized"]["job_id"] for entry in entries]
        timeout, sleep = wait_settings(params)
        try:
            entries, elapsed = wait_for(source, poll_ids, entries, timeout, sleep, raws=raws)
        except JobGateError as err:
            if ids is not None and len(ids) == 1 and err.result.get("jobs"):
                err.result.setdefault("job", err.result["jobs"][0])
            raise
        result["elapsed"] = elapsed
    result["jobs"] = entries
    result["summary"] = summarize(entries)
    if ids is not None and len(ids) == 1 and entries:
        result["job"] = entries[0]
    return result


def build_result(source: JobSource, raws: list, *, changed: bool, params: t.Mapping, extra: dict | None = None,
                 ids: list | None = None, deadline_budget: float | None = None) -> dict:
    """The module result for jobs already fetched (raw API objects), optionally waiting for them.

    ``ids`` are the ids to poll again (default: each entry's normalized job_id). ``deadline_budget`` overrides
    the wait timeout (what is left of it after a long-running operation was followed). On a wait timeout the
    error carries ``changed`` too, so a task that started a job never reports it unchanged.
    """
    entries = [job_entry(source.provider, raw) for raw in raws]
    result: dict = {"changed": bool(changed)}
    result.update(extra or {})
    if params.get("wait") and entries:
        poll_ids = list(ids) if ids is not None else [entry["normalized"]["job_id"] for entry in entries]
        timeout, sleep = wait_settings(params)
        if deadline_budget is not None:
            timeout = max(deadline_budget, 0.001)
        try:
            entries, elapsed = wait_for(source, poll_ids, entries, timeout, sleep)
        except JobGateError as err:
            err.result = {**err.result, **(extra or {}), "changed": bool(changed)}
            if len(err.result.get("jobs") or []) == 1:
                err.result.setdefault("job", err.result["jobs"][0])
            raise
        result["elapsed"] = elapsed
    elif params.get("wait"):
        result["elapsed"] = 0.0
    result["jobs"] = entries
    result["summary"] = summarize(entries, nothing_to_do=not raws)
    if len(entries) == 1:
        result["job"] = entries[0]
    return result


def finish(source: JobSource, ids: list, *, changed: bool, params: t.Mapping, extra: dict | None = None) -> dict:
    """Describe the jobs started or found (order kept) and build the result, waiting when asked."""
    raws = fetch_many(source, ids) if ids else []
    return build_result(source, raws, changed=changed, params=params, extra=extra, ids=ids)


def check_mode_result(source: JobSource, existing_raws: list, would_start: list, extra: dict | None = None) -> dict:
    """Check mode: nothing started, nothing waited for; the jobs that exist are returned as they are."""
    entries = [job_entry(source.provider, raw) for raw in existing_raws]
    result: dict = {"changed": bool(would_start), "would_start": list(would_start)}
    result.update(extra or {})
    result["jobs"] = entries
    result["summary"] = summarize(entries, nothing_to_do=not existing_raws and not would_start)
    if len(entries) == 1:
        result["job"] = entries[0]
    return result


def started_failure(err: JobGateError, source: JobSource, started_ids: list, extra: dict | None = None) -> JobGateError:
    """A failure after some jobs were started: the task says changed and returns what it started (best effort)."""
    result: dict = {"changed": bool(started_ids)}
    result.update(extra or {})
    if started_ids:
        try:
            entries = [job_entry(source.provider, raw) for raw in fetch_many(source, started_ids)]
        except JobGateError:
            entries = []
        result["jobs"] = entries
        result["summary"] = summarize(entries)
        if not entries:
            result["started_job_ids"] = list(started_ids)
        where = f" {source.location()}" if source.location() else ""
        err.msg = (f"{err.msg} {len(started_ids)} {source.id_label}(s) had already been started{where}: "
                   f"{', '.join(started_ids)}.")
    err.result = {**err.result, **result}
    return err
