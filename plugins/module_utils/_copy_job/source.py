# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Backup copy jobs: input validation, the job source and the info handler.

A parent (composite) copy job is a job like any other: its children are jobs of their own (list them with
``parent_job_id``), and the module never expands them.
"""
from __future__ import annotations

import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._backup.service import (
    check_arn, check_choice, check_job_id, check_list_filters, check_resource_type, info_arg_spec, info_selection,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._backup.source import BackupApiJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._copy_job.status import PROVIDER, unwrap
from ansible_collections.jobgate.cloud.plugins.module_utils._core.kinds import KINDS
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import info_handler
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import Selection

KIND = KINDS["copy_job"]  # the registry's entry: the options that select its jobs

# The model's CopyJobState enum.
STATE_CHOICES = ("CREATED", "RUNNING", "COMPLETED", "FAILED", "PARTIAL")
# copy_job_info's options (the module adds the wait options); the event source takes the same.
INFO_ARG_SPEC: dict = info_arg_spec(KIND, state=STATE_CHOICES)


class CopyJobSource(BackupApiJobSource, kind=KIND):
    provider, id_label = PROVIDER, "Backup copy job"

    def describe(self, job_id: str) -> dict:
        # DescribeCopyJob answers {"CopyJob": {...}}: the job itself, as a list entry is.
        return unwrap(super().describe(job_id))

    def batchable(self, entry: dict) -> bool:
        # A parent's child counts (ChildJobsInState) are read from its describe, as a parent backup job's are.
        return not entry.get("IsParent")


LABEL = f"{CopyJobSource.id_label} id"  # in messages about the ids


def check_filters(params: t.Mapping, ids: list | None) -> dict:
    """The list filters as ListCopyJobs members, checked (the creation window: see info_selection)."""
    given = check_list_filters(params, ids, KIND.list_filters, KIND.id_option.name)
    for name, what in (("resource_arn", "resource ARN"), ("destination_vault_arn", "backup vault ARN"),
                       ("source_recovery_point_arn", "recovery point ARN")):
        if name in given:
            check_arn(name, given[name], what)
    if "resource_type" in given:
        check_resource_type("resource_type", given["resource_type"])
    if "parent_job_id" in given:
        check_job_id("parent_job_id", given["parent_job_id"], LABEL)
    check_choice("state", given.get("state"), STATE_CHOICES)
    return {"ByState": given.get("state"), "ByResourceArn": given.get("resource_arn"),
            "ByResourceType": given.get("resource_type"), "ByDestinationVaultArn": given.get("destination_vault_arn"),
            "BySourceRecoveryPointArn": given.get("source_recovery_point_arn"),
            "ByParentJobId": given.get("parent_job_id")}


def select_jobs(params: t.Mapping) -> Selection:
    """copy_job_info's options (and the event source's) checked, before any request."""
    ids, filters = info_selection(params, KIND.id_option.name, LABEL, check_filters)
    return Selection(ids, CopyJobSource.factory(params, **filters))


# The handler of copy_job_info: the kind's selection, then the first look and the wait (``_core.result.run_jobs``).
copy_job_info: t.Callable[[t.Any], dict] = info_handler(select_jobs)
