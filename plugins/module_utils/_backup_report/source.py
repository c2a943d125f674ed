# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Backup report jobs: input validation, the job source and the info handler.

The Backup model gives ReportJobId no pattern; its documentation says "at most 1,024 bytes", so that and the
path-breaking characters, written out or percent-encoded (``_core/ids.py``), are what is checked. Report plan
names follow the model's ReportPlanName shape.
"""
from __future__ import annotations

import re
import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.source import AwsJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._backup.service import (
    CREATION_MARGIN, LIST_MAX_RESULTS, check_choice, check_ids, check_job_id, check_list_filters, created_after_hint,
    info_arg_spec, parse_time, time_window,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_report.status import PROVIDER
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.ids import refuse_encoded
from ansible_collections.jobgate.cloud.plugins.module_utils._core.kinds import KINDS
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import info_handler
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import Selection, pick_from_pages, select_ids

__all__ = ["CREATION_MARGIN", "INFO_ARG_SPEC", "LIST_MAX_RESULTS", "BackupReportJobSource", "check_report_job_id",
           "check_report_plan_name", "parse_time", "report_job_info", "select_jobs"]

KIND = KINDS["backup_report"]  # the registry's entry: the options that select its jobs

REPORT_PLAN_NAME = re.compile(r"^[a-zA-Z][_a-zA-Z0-9]{0,255}$")
STATUS_CHOICES = ("CREATED", "RUNNING", "COMPLETED", "FAILED")

# backup_report_job_info's options (the module adds the wait options); the event source takes the same.
INFO_ARG_SPEC: dict = info_arg_spec(KIND, status=STATUS_CHOICES)


def check_report_job_id(option: str, value: t.Any) -> str:
    return check_job_id(option, value, "Backup report job id")


def check_report_plan_name(value: str) -> str:
    if isinstance(value, str):
        refuse_encoded("report_plan_name", value, "report plan name")
    if not isinstance(value, str) or not REPORT_PLAN_NAME.match(value) or "\n" in value:
        raise bad_input(f"Option report_plan_name: {repr(value)[:80]} is not a valid report plan name "
                        "(a letter, then letters, digits and underscores, at most 256 characters).")
    return value


class BackupReportJobSource(AwsJobSource):
    provider = PROVIDER
    id_label = "Backup report job"
    service = "backup"

    def __init__(self, client: AwsClient, *, report_plan_name: str | None = None, status: str | None = None,
                 created_after=None, created_before=None) -> None:
        super().__init__(client)
        self.filters = {
            "ByReportPlanName": report_plan_name,
            "ByStatus": status,
            "ByCreationAfter": created_after,
            "ByCreationBefore": created_before,
        }

    def describe(self, job_id: str) -> dict:
        what = f"Backup report job {job_id}"

        def has_job(out: dict) -> None:
            # AWS answers a job it does not have with 404 ResourceNotFoundException; a 200 without the job is a
            # broken answer (an empty body from a proxy), tried again like any transport error.
            if not isinstance(out.get("ReportJob"), dict) or not out["ReportJob"]:
                raise JobGateError(f"AWS answered the request to get {what} {self.location()} without a ReportJob: "
                                   "not an answer DescribeReportJob gives.", code="InvalidResponse",
                                   message="HTTP 200 answer without a ReportJob", http_status=200, retryable=True)

        return self.client.call("describe_report_job", action="get", what=what, accept=has_job,
                                ReportJobId=job_id)["ReportJob"]

    def fetch_batch(self, ids: list, hints: dict) -> dict:
        """Many report jobs through ListReportJobs, whose entries are whole ReportJob objects (what describe returns).

        When any asked job was seen before, only jobs created after the earliest such CreationTime (less a margin)
        are listed; fetch_many describes whatever the bounded pages did not return.
        """
        after = created_after_hint(hints, ids, "CreationTime")
        pages = self.client.pages("list_report_jobs", "ReportJobs", action="list", what=f"{len(ids)} Backup report jobs",
                                  ByCreationAfter=after, MaxResults=LIST_MAX_RESULTS)
        return pick_from_pages(pages, ids, lambda job: job.get("ReportJobId"))

    def _what(self) -> str:
        plan = self.filters["ByReportPlanName"]
        return f"Backup report jobs of report plan {plan}" if plan else "Backup report jobs"

    def list_jobs(self) -> list:
        # ListReportJobs entries are whole ReportJob objects, status included.
        return self.client.paginate("list_report_jobs", "ReportJobs", action="list", what=self._what(), **self.filters)

    def list_since(self, since: t.Any = None, known: t.Collection = ()) -> list:
        """ListReportJobs from ``since`` (less a margin) on, in pages as large as the API allows: one request per
        poll for up to 1000 jobs in the window, however many older jobs the account keeps. With a status filter
        a job shows up only once in that status, whenever it was created, so then the window stays where it is."""
        filters = dict(self.filters)
        if since is not None and not filters["ByStatus"]:
            after = since - CREATION_MARGIN
            if filters["ByCreationAfter"] is None or after > filters["ByCreationAfter"]:
                filters["ByCreationAfter"] = after
        return self.client.paginate("list_report_jobs", "ReportJobs", action="list", what=self._what(),
                                    MaxResults=LIST_MAX_RESULTS, **filters)


def select_jobs(params: t.Mapping) -> Selection:
    """backup_report_job_info's options (and the event source's) checked, before any request."""
    ids = select_ids(params, KIND.id_option.name, KIND.ids_option.name)
    check_ids(params, ids, KIND.id_option.name, "Backup report job id")
    filters = check_list_filters(params, ids, KIND.list_filters, KIND.id_option.name)
    if "report_plan_name" in filters:
        check_report_plan_name(filters["report_plan_name"])
    check_choice("status", filters.get("status"), STATUS_CHOICES)
    after, before = time_window(params)
    return Selection(ids, BackupReportJobSource.factory(
        params, report_plan_name=filters.get("report_plan_name"), status=filters.get("status"), created_after=after,
        created_before=before))


# The handler of backup_report_job_info: the kind's selection, then the first look and the wait (``_core.result.run_jobs``).
report_job_info: t.Callable[[t.Any], dict] = info_handler(select_jobs)
