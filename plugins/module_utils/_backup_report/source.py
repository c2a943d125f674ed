# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Backup report jobs: input validation, the job source and the info handler.

The Backup model gives ReportJobId no pattern; its documentation says "at most 1,024 bytes", so that and the
path-breaking characters are what is checked. Report plan names follow the model's ReportPlanName shape.
"""
from __future__ import annotations

import datetime
import re
import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import resolve_settings
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_report.status import PROVIDER
from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import to_datetime
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import collect
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource, pick_from_pages, select_ids
from ansible_collections.jobgate.cloud.plugins.module_utils._core.waiter import validate_wait

PATH_BREAKERS = ("..", "/", "?", "#")
REPORT_JOB_ID_MAX_BYTES = 1024
REPORT_PLAN_NAME = re.compile(r"^[a-zA-Z][_a-zA-Z0-9]{0,255}$")
STATUS_CHOICES = ("CREATED", "RUNNING", "COMPLETED", "FAILED")
LIST_MAX_RESULTS = 1000  # the model's maximum for ListReportJobs
# ByCreationAfter is compared by the service with its own clock; a margin keeps a job created in the same second in.
CREATION_MARGIN = datetime.timedelta(minutes=5)


def check_report_job_id(option: str, value: t.Any) -> str:
    shown = repr(value)[:80]
    if not isinstance(value, str) or not value.strip():
        raise bad_input(f"Option {option} must be a non-empty Backup report job id, got {shown}.")
    for bad in PATH_BREAKERS:
        if bad in value:
            raise bad_input(f"Option {option}: {shown} is not a valid Backup report job id; it contains {bad!r}.")
    if len(value.encode("utf-8")) > REPORT_JOB_ID_MAX_BYTES:
        raise bad_input(f"Option {option}: a Backup report job id is at most {REPORT_JOB_ID_MAX_BYTES} bytes long.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise bad_input(f"Option {option}: {shown} is not a valid Backup report job id; it contains control characters.")
    return value


def check_report_plan_name(value: str) -> str:
    if not isinstance(value, str) or not REPORT_PLAN_NAME.match(value) or "\n" in value:
        raise bad_input(f"Option report_plan_name: {repr(value)[:80]} is not a valid report plan name "
                        "(a letter, then letters, digits and underscores, at most 256 characters).")
    return value


def parse_time(option: str, value: t.Any):
    """An ISO 8601 date or date-time (no zone means UTC) -> aware datetime; anything else is bad input."""
    if value is None:
        return None
    text = str(value).strip()
    parsed = None
    if text and not re.match(r"^[+-]?[0-9.]+$", text):  # ISO only: bare epoch numbers are refused, as documented
        parsed = to_datetime(text)
    if parsed is None:
        raise bad_input(f"Option {option}: {repr(value)[:80]} is not an ISO 8601 date or date-time "
                        "(for example 2024-05-01 or 2024-05-01T12:00:00Z).")
    return parsed


class BackupReportJobSource(JobSource):
    provider = PROVIDER
    id_label = "Backup report job"

    def __init__(self, client: AwsClient, *, report_plan_name: str | None = None, status: str | None = None,
                 created_after=None, created_before=None) -> None:
        self.client = client
        self.filters = {
            "ByReportPlanName": report_plan_name,
            "ByStatus": status,
            "ByCreationAfter": created_after,
            "ByCreationBefore": created_before,
        }

    def describe(self, job_id: str) -> dict:
        what = f"Backup report job {job_id}"
        out = self.client.call("describe_report_job", action="get", what=what, ReportJobId=job_id)
        job = out.get("ReportJob")
        if not job:
            raise JobGateError(f"{what} was not found {self.location()}: the response had no ReportJob.",
                               code="ResourceNotFoundException", http_status=200, retryable=False)
        return job

    def fetch_batch(self, ids: list, hints: dict) -> dict:
        """Many report jobs through ListReportJobs, whose entries are whole ReportJob objects (what describe returns).

        When any asked job was seen before, only jobs created after the earliest such CreationTime (less a margin)
        are listed; the runner describes whatever the bounded pages did not return.
        """
        created = [to_datetime((hints.get(job_id) or {}).get("CreationTime")) for job_id in ids]
        known = [when for when in created if when is not None]
        after = min(known) - CREATION_MARGIN if known else None
        pages = self.client.pages("list_report_jobs", "ReportJobs", action="list", what=f"{len(ids)} Backup report jobs",
                                  ByCreationAfter=after, MaxResults=LIST_MAX_RESULTS)
        return pick_from_pages(pages, ids, lambda job: job.get("ReportJobId"))

    def list_jobs(self) -> list:
        plan = self.filters["ByReportPlanName"]
        what = f"Backup report jobs of report plan {plan}" if plan else "Backup report jobs"
        # ListReportJobs entries are whole ReportJob objects, status included.
        return self.client.paginate("list_report_jobs", "ReportJobs", action="list", what=what, **self.filters)

    def location(self) -> str:
        return self.client.location()


def report_job_info(module: t.Any) -> dict:
    """Handler of backup_report_job_info: validate everything, then build the client and collect."""
    params = module.params
    ids = select_ids(params, "report_job_id", "job_ids")
    for job_id in ids or ():
        check_report_job_id("report_job_id" if params.get("report_job_id") is not None else "job_ids", job_id)
    filters = {name: params.get(name) for name in ("report_plan_name", "status", "created_after", "created_before")}
    given = [name for name, value in filters.items() if value is not None]
    if ids is not None and given:
        raise bad_input(f"Options {', '.join(given)} filter list mode; they cannot be combined with report_job_id or job_ids.")
    if filters["report_plan_name"] is not None:
        check_report_plan_name(filters["report_plan_name"])
    if filters["status"] is not None and filters["status"] not in STATUS_CHOICES:
        raise bad_input(f"Option status must be one of {', '.join(STATUS_CHOICES)}.")
    after = parse_time("created_after", filters["created_after"])
    before = parse_time("created_before", filters["created_before"])
    if after is not None and before is not None and after >= before:
        raise bad_input("Option created_after must be earlier than created_before.")
    validate_wait(params)
    settings = resolve_settings(params)
    source = BackupReportJobSource(AwsClient(settings, "backup"), report_plan_name=filters["report_plan_name"],
                                   status=filters["status"], created_after=after, created_before=before)
    return collect(source, ids, params)
