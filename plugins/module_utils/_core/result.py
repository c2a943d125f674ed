# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one builder of module results: ``Report`` keeps what a run has read, started and decided, and gives the
module's result from it, on success (info, start, check mode) and on failure (with what was seen by then).

Every module's handler is ``run_jobs`` bound to its kind's ``begin``. ``begin`` makes the report with
``module.report(source)`` (``_core/module.py``), records into it as it goes (``seen``, ``started``, ``changed``,
``extra``) and leaves the first look and the wait to ``run_jobs`` (``Begun``), which returns ``report.result()``;
when a ``JobGateError`` ends the run instead, ``run_module`` fails with ``report.failure(err)``. Errors are never
edited on their way up: what a failure returns besides its error block comes from the report.

A start module (``start=True``) returns a job for every target it starts or finds, so its result without jobs (and,
in check mode, nothing that would start) means every target is already where the task asks (OTA devices in
``unchanged_devices``): its summary says all succeeded. An info module's summary over no jobs never does.
"""
from __future__ import annotations

import typing as t
from functools import partial

from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource, Selection, fetch_many, where_phrase
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import job_entry, summarize
from ansible_collections.jobgate.cloud.plugins.module_utils._core.waiter import at_deadline, wait_for, wait_settings, within_budget

T = t.TypeVar("T")

# Keys a failure's extra result may not override.
_RESERVED = ("msg", "error", "failed", "exception")


def _name(entry: dict, job_id: t.Any) -> dict:
    """A job the API returned without its id is named by the id it was asked for (the contract's Failures)."""
    if job_id and not entry["normalized"].get("job_id"):
        entry["normalized"]["job_id"] = job_id
    return entry


class Report:
    """What one module run read, started and decided, and the result it returns.

    ``jobs``/``summary`` are the jobs as last seen; ``job`` is there when exactly one job was read by id (not in
    list mode); ``elapsed`` (seconds since the module's start) whenever the run has a deadline (``wait``).
    """

    def __init__(self, source: JobSource, deadline: Deadline, params: t.Mapping, *, changed: bool = False,
                 extra: dict | None = None, start: bool = False) -> None:
        self.source = source
        self.start = start
        self.deadline = deadline
        self.waits = bool(params.get("wait"))
        self.sleep = wait_settings(params)[1]
        self.changed = bool(changed)
        self.extra: dict = dict(extra or {})
        self.ids: list = []
        self.raws: list = []
        self.entries: list = []
        self.any_read = False         # whether any job was read (the failure then returns jobs/summary)
        self.listed = False           # list mode: no single `job`
        self.read_seconds = 0.0       # how long the first look took (the poll loop keeps room for one more)
        self.started_ids: list = []
        self.would_start: list | None = None

    # ------------------------------------------------------------------------------------------ recording
    def within_budget(self, read: t.Callable[..., T], *args: t.Any) -> T:
        """``read(*args)``, a read (a start's plan, say) that fails as a wait does (``waiter.within_budget``)."""
        return within_budget(self.deadline, read, *args)

    def looked(self, raws: list, ids: list | None, began: float) -> list:
        """Record the first look (``raws``, read from ``began`` on) at ``ids``, or at every listed job when None."""
        self.read_seconds = max(0.0, self.deadline.clock() - began)
        self.listed = ids is None
        return self.seen(raws, ids)

    def seen(self, raws: list, ids: list | None = None) -> list:
        """Record raw API jobs as last seen (``ids``: the ids to poll them by, default their normalized job_id)."""
        self.raws = list(raws)
        self.entries = [job_entry(self.source.provider, raw) for raw in self.raws]
        self.ids = list(ids) if ids is not None else [entry["normalized"]["job_id"] for entry in self.entries]
        for entry, job_id in zip(self.entries, self.ids):
            _name(entry, job_id)
        self.any_read = True
        return self.entries

    def polled(self, index: int, raw: dict) -> None:
        """A newer look at the job at ``index`` (the poll loop's update)."""
        self.raws[index] = raw
        asked = self.ids[index] if index < len(self.ids) else None
        self.entries[index] = _name(job_entry(self.source.provider, raw), asked)

    def started(self, ids: list, *, describe: bool = False) -> None:
        """Jobs this run started: the task is changed whatever happens next; ``describe`` reads them (once, best
        effort) so that a failure returns them."""
        self.started_ids.extend(job_id for job_id in ids if job_id not in self.started_ids)
        self.changed = self.changed or bool(ids)
        if describe and ids and not self.deadline.expired:
            try:
                self.seen(fetch_many(self.source, list(ids)), list(ids))
            except JobGateError:
                pass

    def started_failure(self, err: JobGateError, ids: list) -> JobGateError:
        """The error to raise when starting failed after ``ids`` had started: they are recorded (changed, read
        once for the failure to return) and named in its message. Without any, ``err`` itself."""
        if not ids:
            return err
        self.started(ids, describe=True)
        return err.with_msg(f"{err.msg} {len(ids)} {self.source.id_label}(s) had already been started"
                            f"{where_phrase(self.source)}: {', '.join(ids)}.")

    # ------------------------------------------------------------------------------------------ results
    def _shape(self, *, failed: bool) -> dict:
        out: dict = {"changed": self.changed}
        if self.would_start is not None:
            out["would_start"] = list(self.would_start)
        out.update(self.extra)
        if not failed or self.any_read or self.started_ids:
            out["jobs"] = self.entries
            nothing_to_do = self.start and not failed and not self.entries and not self.would_start
            out["summary"] = summarize(self.entries, nothing_to_do=nothing_to_do)
            if len(self.entries) == 1 and not self.listed:
                out["job"] = self.entries[0]
        if failed and self.started_ids and not self.entries:
            out["started_job_ids"] = list(self.started_ids)
        if self.deadline.bounded:
            out["elapsed"] = self.deadline.elapsed()
        return out

    def result(self) -> dict:
        """The module's result on success."""
        return self._shape(failed=False)

    def check_mode(self, would_start: list, existing: list = ()) -> dict:
        """Check mode: nothing started, nothing waited for; ``existing`` raw jobs are returned as they are."""
        self.would_start = list(would_start)
        self.changed = bool(would_start)
        self.seen(list(existing))
        return self.result()

    def failure(self, err: JobGateError) -> dict:
        """What ``fail_json`` gets for ``err``: its msg and error block, and what the run had seen by then."""
        return failure_result(err, self._shape(failed=True))


def failure_result(err: JobGateError, known: dict | None = None) -> dict:
    """``fail_json`` arguments for ``err``: msg, error block, ``known`` results, then the error's own extra keys."""
    out = {"changed": False, **(known or {})}
    out.update({k: v for k, v in err.result.items() if k not in _RESERVED})
    out.update(msg=err.msg, error=err.error_block())
    return out


class Begun(t.NamedTuple):
    """What a module's ``begin`` leaves to ``run_jobs``: its report, and the jobs to look at first.

    ``ids``: those jobs (None: every job the list API returns). With ``seen`` there is no first look and no ids:
    the report holds the jobs already (``report.seen``: a start that found its jobs, or read them as it started).
    ``judge`` runs after the first look (a start's ``changed`` may depend on what it shows); ``gone`` is what a 404
    on it means, when the start knows better than "not found".
    """
    report: Report
    ids: list | None = None
    seen: bool = False
    judge: t.Callable[[Report], None] | None = None
    gone: t.Callable[[JobGateError], JobGateError] | None = None


def run_jobs(begin: t.Callable[[t.Any], Begun | dict], module: t.Any) -> dict:
    """Every module's handler, bound to its kind as ``partial(run_jobs, begin)``: ``begin(module)`` checks the
    options (before any request), connects and, in a start module, starts; it returns the result itself (check
    mode, nothing to do) or what is left (``Begun``). Then the first look, the wait when asked, the result.

    It reads and waits itself: from ``run_module`` to a read's one retry loop the walk is ``run_jobs``,
    ``fetch_many``, the kind's ``describe`` and its client (docs/dev/architecture.md); ``begin`` has returned by then.
    """
    begun = begin(module)
    if isinstance(begun, dict):
        return begun
    report, ids = begun.report, begun.ids
    deadline = report.deadline
    if not begun.seen:
        began = deadline.clock()
        try:
            raws = report.source.list_jobs() if ids is None else fetch_many(report.source, list(ids))
        except JobGateError as err:
            err = at_deadline(deadline, err)
            raise (begun.gone(err) if begun.gone is not None and err.http_status == 404 else err) from None
        report.looked(raws, ids, began)
        if begun.judge is not None:
            begun.judge(report)
    if report.waits and report.entries:
        wait_for(report, report.ids, report.sleep, reserve=report.read_seconds)
    return report.result()


def begin_info(select_jobs: t.Callable[[t.Mapping], Selection], module: t.Any) -> Begun:
    """An info module's ``begin``, bound to its kind as ``partial(begin_info, select_jobs)``: the kind's selection
    (checked before any request) and its source."""
    selection = select_jobs(module.params)
    return Begun(module.report(selection.connect(module.deadline)), selection.ids)


def info_handler(select_jobs: t.Callable[[t.Mapping], Selection]) -> t.Callable[[t.Any], dict]:
    """An info module's handler: ``run_jobs`` on the kind's selection."""
    return partial(run_jobs, partial(begin_info, select_jobs))
