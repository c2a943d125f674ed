# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Backup malware scan jobs: input validation, the job source and the info handler.

ListScanJobs filters by completion time, not by creation time (the model has ByCompleteAfter/ByCompleteBefore and
no ByCreated*), so the list-mode window is ``completed_after``/``completed_before``, and the reads that narrow the
list by creation elsewhere (many ids, a start's earlier jobs, the event source) narrow it by the recovery point
or not at all here.
"""
from __future__ import annotations

import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._backup.service import (
    LIST_MAX_RESULTS, check_arn, check_choice, check_ids, check_list_filters, check_vault_name, info_arg_spec, parse_time,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._backup.source import BackupApiJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import to_datetime
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.kinds import KINDS
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import info_handler
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import Selection, pick_from_pages, select_ids
from ansible_collections.jobgate.cloud.plugins.module_utils._scan_job.status import PROVIDER

KIND = KINDS["scan_job"]  # the registry's entry: the options that select its jobs

# The model's enums: ScanState, ScanResourceType, ScanResultStatus.
STATE_CHOICES = ("CREATED", "RUNNING", "COMPLETED", "COMPLETED_WITH_ISSUES", "FAILED", "CANCELED")
RESOURCE_TYPE_CHOICES = ("EBS", "EC2", "S3")
RESULT_CHOICES = ("NO_THREATS_FOUND", "THREATS_FOUND", "UNKNOWN")
# scan_job_info's options (the module adds the wait options); the event source takes the same.
INFO_ARG_SPEC: dict = info_arg_spec(KIND, state=STATE_CHOICES, resource_type=RESOURCE_TYPE_CHOICES,
                                    scan_result_status=RESULT_CHOICES)


class ScanJobSource(BackupApiJobSource, kind=KIND):
    # ListScanJobs entries (ScanJob) have every member DescribeScanJob returns, ScanResult too.
    provider, id_label = PROVIDER, "Backup scan job"

    def fetch_batch(self, ids: list, hints: dict) -> dict:
        """Many jobs through ListScanJobs (no creation window there): bounded pages, the rest described."""
        pages = self.client.pages(self.list_op, self.list_key, action="list", what=f"{len(ids)} {self.id_label}s",
                                  MaxResults=LIST_MAX_RESULTS)
        return pick_from_pages(pages, ids, lambda job: job.get(self.id_key))

    def list_since(self, since: t.Any = None, known: t.Collection = ()) -> list:
        """The list with the user's filters, in pages as large as the API allows; the API has no creation window
        to narrow it by, and a completion window would hide the jobs still running."""
        return self.client.paginate(self.list_op, self.list_key, action="list", what=f"{self.id_label}s",
                                    MaxResults=LIST_MAX_RESULTS, **self.filters)

    def job_ids_since(self, after, **filters: t.Any) -> set:
        """Ids of the jobs (with ``filters``) created after ``after``, the window applied to what the list returns."""
        jobs = self.client.paginate(self.list_op, self.list_key, action="list", what=f"recent {self.id_label}s",
                                    MaxResults=LIST_MAX_RESULTS, **filters)
        return {job.get(self.id_key) for job in jobs
                if (to_datetime(job.get("CreationDate")) or after) >= after}


LABEL = f"{ScanJobSource.id_label} id"  # in messages about the ids


def check_filters(params: t.Mapping, ids: list | None) -> dict:
    """The list filters as ListScanJobs members, checked."""
    given = check_list_filters(params, ids, KIND.list_filters, KIND.id_option.name)
    for name, what in (("recovery_point_arn", "recovery point ARN"), ("resource_arn", "resource ARN")):
        if name in given:
            check_arn(name, given[name], what)
    if "backup_vault_name" in given:
        check_vault_name("backup_vault_name", given["backup_vault_name"])
    check_choice("state", given.get("state"), STATE_CHOICES)
    check_choice("resource_type", given.get("resource_type"), RESOURCE_TYPE_CHOICES)
    check_choice("scan_result_status", given.get("scan_result_status"), RESULT_CHOICES)
    after = parse_time("completed_after", given.get("completed_after"))
    before = parse_time("completed_before", given.get("completed_before"))
    if after is not None and before is not None and after >= before:
        raise bad_input("Option completed_after must be earlier than completed_before.")
    return {"ByState": given.get("state"), "ByBackupVaultName": given.get("backup_vault_name"),
            "ByRecoveryPointArn": given.get("recovery_point_arn"), "ByResourceArn": given.get("resource_arn"),
            "ByResourceType": given.get("resource_type"), "ByScanResultStatus": given.get("scan_result_status"),
            "ByCompleteAfter": after, "ByCompleteBefore": before}


def select_jobs(params: t.Mapping) -> Selection:
    """scan_job_info's options (and the event source's) checked, before any request."""
    ids = select_ids(params, KIND.id_option.name, KIND.ids_option.name)
    check_ids(params, ids, KIND.id_option.name, LABEL)
    return Selection(ids, ScanJobSource.factory(params, **check_filters(params, ids)))


# The handler of scan_job_info: the kind's selection, then the first look and the wait (``_core.result.run_jobs``).
scan_job_info: t.Callable[[t.Any], dict] = info_handler(select_jobs)
