# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The flow every info module shares: choose jobs, fetch them concurrently, optionally wait, report.

``run_module`` is the only place in the collection that calls ``fail_json``.
"""
from __future__ import annotations

import random
import time
import traceback
import typing as t

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.jobgate.cloud.plugins.module_utils._errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._normalize import job_entry, summarize

WAIT_ARG_SPEC = {
    "wait": {"type": "bool", "default": False},
    "wait_timeout": {"type": "int", "default": 1800},
    "wait_sleep": {"type": "int", "default": 5},
}

MAX_WORKERS = 8
MAX_POLL_INTERVAL = 60.0
# From this many ids on, a source with fetch_batch reads them through its list API first (one page can answer
# hundreds); below it, describes are as cheap and always exact.
BATCH_MIN = 4

# Indirections so tests can drive the wait loop with a fake clock; not module options.
_monotonic = time.monotonic
_sleep = time.sleep
_uniform = random.uniform


class JobSource:
    """One per provider. Subclasses implement describe, list_jobs and location."""

    provider: str = ""
    id_label: str = "job"

    def describe(self, job_id: str) -> dict:
        """The raw API job; raises JobGateError (a not-found names the id and the location)."""
        raise NotImplementedError

    def list_jobs(self) -> list:
        """Raw jobs of list mode, paginated to the end, each with a real status."""
        raise NotImplementedError

    def location(self) -> str:
        """Where jobs are looked for, as a message phrase: "in region us-east-1"."""
        return ""

    def fetch_batch(self, ids: list, hints: dict) -> dict | None:
        """Optional: many jobs in few requests (a list API whose entries are what describe returns).

        ``hints`` maps ids to the raw job last seen (may be empty). Returns {id: raw} for the ids it could answer
        (any subset; the rest are described one by one), or None when the source cannot batch. Must bound the
        pages it reads (see ``pick_from_pages``).
        """
        return None


def pick_from_pages(pages: t.Iterable, ids: t.Iterable, key: t.Callable) -> dict:
    """{id: item} for the asked ids found in a list's pages (iterables of items), reading as few pages as it can.

    Stops once every id is found, or once the pages read exceed the ids still missing: past that point describing
    the missing ones costs fewer requests than paging on. ``key(item)`` gives the id an item answers (or None).
    """
    wanted = set(ids)
    found: dict = {}
    read = 0
    for page in pages:
        read += 1
        for item in page:
            job_id = key(item)
            if job_id in wanted and job_id not in found:
                found[job_id] = item
        missing = len(wanted) - len(found)
        if not missing or read > missing:
            break
    return found


def _where(source: JobSource) -> str:
    try:
        place = source.location()
    except Exception:  # pylint: disable=broad-except  # a message must never fail because of its decoration
        place = ""
    return f" {place}" if place else ""


# ---------------------------------------------------------------------------------------------------------- input
def select_ids(params: dict, one: str, many: str) -> list | None:
    """The ids asked for: [one], the many (deduplicated, order kept), or None for list mode."""
    single = params.get(one)
    several = params.get(many)
    if single is not None and several is not None:
        raise bad_input(f"Options {one} and {many} are mutually exclusive: give one job with {one} or several with {many}.")
    if single is not None:
        if not isinstance(single, str) or not single.strip():
            raise bad_input(f"Option {one} must be a non-empty string.")
        return [single]
    if several is None:
        return None
    if not isinstance(several, (list, tuple)) or not several:
        # An empty list (often a template that found nothing) must not silently become "every job there is".
        raise bad_input(f"Option {many} must name at least one job; leave it out to list every job.")
    ids = []
    for item in several:
        if not isinstance(item, str) or not item.strip():
            raise bad_input(f"Every entry of {many} must be a non-empty string.")
        if item not in ids:
            ids.append(item)
    return ids


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


# ---------------------------------------------------------------------------------------------------------- fetching
def _describe_all(source: JobSource, ids: list, max_workers: int) -> list:
    if len(ids) <= 1 or max_workers <= 1:
        return [source.describe(job_id) for job_id in ids]
    from concurrent.futures import ThreadPoolExecutor  # pylint: disable=import-outside-toplevel  # only when several ids

    with ThreadPoolExecutor(max_workers=min(max_workers, len(ids))) as pool:
        futures = [pool.submit(source.describe, job_id) for job_id in ids]
        results = []
        for index, future in enumerate(futures):
            try:
                results.append(future.result())
            except BaseException:
                for later in futures[index + 1:]:
                    later.cancel()
                raise
    return results


def _batch(source: JobSource, ids: list, hints: dict) -> dict:
    """What the source's list API answers for ids; {} when it cannot (then every id is described)."""
    if len(ids) < BATCH_MIN or getattr(source, "_batch_refused", False):
        return {}
    try:
        found = source.fetch_batch(ids, hints)
    except JobGateError as err:
        if err.retryable:
            raise  # a describe of each would meet the same throttling or outage, only more often
        # e.g. a policy that allows Describe* but not List*: fall back to describes, and stop trying the list.
        source._batch_refused = True  # pylint: disable=protected-access
        return {}
    return {k: v for k, v in (found or {}).items() if k in ids}


def fetch_many(source: JobSource, ids: list, max_workers: int = MAX_WORKERS, hints: dict | None = None) -> list:
    """The raw job of every id, in the order of ids.

    With ``BATCH_MIN`` ids or more and a source that implements ``fetch_batch``, the list API answers what it can;
    every id it did not return is described (with a bounded pool), so nothing is lost and a not-found surfaces
    as a describe's. If any describe fails, the first failure in the order of ids is raised and calls not yet
    started are dropped. ``hints``: {id: raw job last seen}, for sources that can use it.
    """
    ids = list(ids)
    found = _batch(source, ids, hints or {})
    rest = [job_id for job_id in ids if job_id not in found]
    if rest:
        found.update(zip(rest, _describe_all(source, rest, max_workers)))
    return [found[job_id] for job_id in ids]


def _entries(source: JobSource, raws: list) -> list:
    return [job_entry(source.provider, raw) for raw in raws]


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
            msg = (f"Timed out after {seconds:g} s waiting for {len(open_idx)} {source.id_label}(s){_where(source)} "
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


def _first_fetch(source: JobSource, ids: list, params: dict) -> list:
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


def collect(source: JobSource, ids: list | None, params: dict) -> dict:
    """The whole info flow: fetch (or list), optionally wait, and build the module result."""
    validate_wait(params)
    raws = source.list_jobs() if ids is None else _first_fetch(source, ids, params)
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


# ---------------------------------------------------------------------------------------------------------- module
class JobGateModule(AnsibleModule):
    """AnsibleModule whose own argument checks (choices, types, unknown options) fail with the contract's error
    block too, so a caller can branch on ``error.retryable`` whatever rejected the task."""

    def fail_json(self, msg, **kwargs):  # pylint: disable=arguments-differ  # ansible-core's signature varies by version
        kwargs.setdefault("error", bad_input(msg).error_block())
        super().fail_json(msg, **kwargs)


def run_module(module, handler) -> None:
    """result = handler(module); exit_json(**result). A JobGateError becomes exactly one fail_json."""
    try:
        result = handler(module)
    except JobGateError as err:
        extra = {k: v for k, v in err.result.items() if k not in ("msg", "error", "failed", "exception")}
        extra.setdefault("changed", False)
        module.fail_json(msg=err.msg, error=err.error_block(), **extra)
        return
    except Exception as exc:  # pylint: disable=broad-except  # the contract: a readable failure, never a bare traceback
        msg = f"Unexpected {type(exc).__name__} in {getattr(module, '_name', 'the module')}: {exc}"
        error = JobGateError(msg, code="InternalError").error_block()
        # The traceback still shows at -vvv, as Ansible does for module failures.
        module.fail_json(msg=msg, error=error, changed=False, exception=traceback.format_exc())
        return
    module.exit_json(**(result or {"changed": False}))
