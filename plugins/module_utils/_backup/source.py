# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The job source the AWS Backup API's job kinds (backup, restore, copy and scan jobs) use: Describe*, and List* for
list mode and for many ids, whose entries are what Describe* returns (the Backup model's list member shapes); and
what their start modules share."""
from __future__ import annotations

import typing as t
import uuid

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.source import AwsJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._backup.service import (
    CREATION_MARGIN, LIST_MAX_RESULTS, created_after_hint, is_new_job, recent_window,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import snake_name
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.kinds import Kind
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Begun, Report
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import pick_from_pages


class BackupApiJobSource(AwsJobSource):
    """Subclasses name their kind's registry entry (``class CopyJobSource(BackupApiJobSource, kind=KIND)``) and the
    label; ``filters`` are the list operation's By* members.

    The API names every kind alike (DescribeCopyJob, ListCopyJobs, CopyJobs, CopyJobId), so the operations and
    keys follow from the entry's two info actions."""

    service = "backup"
    describe_op = ""        # botocore method, e.g. describe_backup_job
    list_op = ""            # e.g. list_backup_jobs
    list_key = ""           # e.g. BackupJobs
    id_key = ""             # e.g. BackupJobId (the describe parameter and the job's key)

    def __init_subclass__(cls, kind: Kind | None = None, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind is not None:
            describe, listing = (action.name.split(":", 1)[1] for action in kind.info_actions[:2])
            cls.describe_op, cls.list_op = snake_name(describe), snake_name(listing)
            cls.list_key, cls.id_key = listing[len("List"):], f"{describe[len('Describe'):]}Id"

    def __init__(self, client: AwsClient, **filters: t.Any) -> None:
        super().__init__(client)
        self.filters = {name: value for name, value in filters.items() if value is not None}

    def describe(self, job_id: str) -> dict:
        out = self.client.call(self.describe_op, action="get", what=f"{self.id_label} {job_id}",
                               **{self.id_key: job_id})
        return {k: v for k, v in out.items() if k != "ResponseMetadata"}

    def batchable(self, entry: dict) -> bool:
        """Whether a list entry carries all that describe returns for that job."""
        return True

    def fetch_batch(self, ids: list, hints: dict) -> dict:
        """Many jobs through the list operation; only jobs created after the earliest creation seen before (less a
        margin) when any was seen. fetch_many describes whatever the bounded pages did not return."""
        after = created_after_hint(hints, ids, "CreationDate")
        pages = self.client.pages(self.list_op, self.list_key, action="list", what=f"{len(ids)} {self.id_label}s",
                                  ByCreatedAfter=after, MaxResults=LIST_MAX_RESULTS)
        found = pick_from_pages(pages, ids, lambda job: job.get(self.id_key))
        return {job_id: job for job_id, job in found.items() if self.batchable(job)}

    def list_jobs(self) -> list:
        return self.client.paginate(self.list_op, self.list_key, action="list", what=f"{self.id_label}s",
                                    **self.filters)

    def list_since(self, since: t.Any = None, known: t.Collection = ()) -> list:
        """The list from ``since`` (less a margin) on, in pages as large as the API allows: one request per poll of
        the event source for up to 1000 jobs in the window. With a state filter a job shows up only once in that
        state, whenever it was created, so then the window stays where it is. List entries are whole jobs."""
        filters = dict(self.filters)
        if since is not None and not (filters.get("ByState") or filters.get("ByStatus")):
            after = since - CREATION_MARGIN
            if filters.get("ByCreatedAfter") is None or after > filters["ByCreatedAfter"]:
                filters["ByCreatedAfter"] = after
        return self.client.paginate(self.list_op, self.list_key, action="list", what=f"{self.id_label}s",
                                    MaxResults=LIST_MAX_RESULTS, **filters)

    def job_ids_since(self, after, **filters: t.Any) -> set:
        """Ids of the jobs created after ``after`` (with more filters): the jobs a start must not count as its own."""
        return {job.get(self.id_key) for job in self.client.paginate(
            self.list_op, self.list_key, action="list", what=f"recent {self.id_label}s", ByCreatedAfter=after,
            MaxResults=LIST_MAX_RESULTS, **filters)}


def start_job(report: Report, *, operation: str, request: dict, token: str | None, before: set, task_started: float,
              what: str, id_key: str, created_key: str = "CreationDate") -> Begun:
    """Start one job, for ``run_jobs`` to report as the info module would, waiting when asked (the five Backup
    kinds).

    ``before`` are the ids listed just before the call (with the user's token only): a rerun that gets an earlier
    run's job back does not count it as a change, which the first look at the job tells (``judge``). Without a
    token, a fresh UUID per run: retries of this call (after a 5xx or a dropped connection) then cannot start a
    second job, and the next run starts its own.
    """
    source = report.source
    out = source.client.call(operation, action="start", what=what,
                             **dict(request, IdempotencyToken=token or str(uuid.uuid4())))
    job_id = out.get(id_key)
    if not job_id:
        raise JobGateError(f"AWS answered the request to start {what} {source.location()} without a {id_key}.",
                           code="InvalidResponse", retryable=False)
    if token is None:
        report.started([job_id])   # certainly new
        return Begun(report, [job_id])

    def judge(seen: Report) -> None:
        seen.changed = is_new_job(job_id, before, seen.raws[0].get(created_key), task_started)

    return Begun(report, [job_id], judge=judge)


def begin_start(module: t.Any, source_class: type[BackupApiJobSource], operation: str, request: dict,
                token: str | None, task_started: float, *, would: dict, recent: dict, what: str) -> Begun | dict:
    """A start module's ``begin`` once its options are checked (nothing sent before): check mode reports ``would``;
    a real run reads the jobs created lately with the ``recent`` list filters (with the user's token), then starts.
    """
    report = module.report(source_class.for_module(module), start=True)
    if module.check_mode:
        # The API never shows idempotency tokens, so check mode cannot tell a reused one: it reports a start.
        return report.check_mode([dict(would, idempotency_token=token)])
    before = recent_job_ids(report, token, task_started, **recent)
    return start_job(report, operation=operation, request=request, token=token, before=before,
                     task_started=task_started, what=what, id_key=source_class.id_key)


def recent_job_ids(report: Report, token: str | None, task_started: float, **filters: t.Any) -> set:
    """With the user's token, the ids of the jobs created lately (more list filters): the jobs that may come back.
    The list rides through retryable errors as any read of the run does."""
    if token is None:
        return set()
    source = report.source
    return report.within_budget(lambda: source.job_ids_since(recent_window(task_started), **filters))
