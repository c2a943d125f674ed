# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Backup backup jobs: input validation, the job source and the info handler."""
from __future__ import annotations

import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._backup.service import (
    check_arn, check_choice, check_list_filters, check_resource_type, check_vault_name, info_arg_spec, info_selection,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._backup.source import BackupApiJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_job.status import PROVIDER
from ansible_collections.jobgate.cloud.plugins.module_utils._core.kinds import KINDS
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import info_handler
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import Selection

KIND = KINDS["backup_job"]  # the registry's entry: the options that select its jobs

# The model's BackupJobState enum.
STATE_CHOICES = ("CREATED", "PENDING", "RUNNING", "ABORTING", "ABORTED", "COMPLETED", "FAILED", "EXPIRED", "PARTIAL")
# backup_job_info's options (the module adds the wait options); the event source takes the same.
INFO_ARG_SPEC: dict = info_arg_spec(KIND, state=STATE_CHOICES)


class BackupJobSource(BackupApiJobSource, kind=KIND):
    provider, id_label = PROVIDER, "Backup job"

    def batchable(self, entry: dict) -> bool:
        # A parent (composite) job's list entry lacks what only describe gives: its child job counts.
        return not entry.get("IsParent")


LABEL = f"{BackupJobSource.id_label} id"  # in messages about the ids


def check_filters(params: t.Mapping, ids: list | None) -> dict:
    """The list filters as ListBackupJobs members, checked (the creation window: see info_selection)."""
    given = check_list_filters(params, ids, KIND.list_filters, KIND.id_option.name)
    if "resource_arn" in given:
        check_arn("resource_arn", given["resource_arn"], "resource ARN")
    if "backup_vault_name" in given:
        check_vault_name("backup_vault_name", given["backup_vault_name"])
    if "resource_type" in given:
        check_resource_type("resource_type", given["resource_type"])
    check_choice("state", given.get("state"), STATE_CHOICES)
    return {"ByResourceArn": given.get("resource_arn"), "ByState": given.get("state"),
            "ByBackupVaultName": given.get("backup_vault_name"), "ByResourceType": given.get("resource_type")}


def select_jobs(params: t.Mapping) -> Selection:
    """backup_job_info's options (and the event source's) checked, before any request."""
    ids, filters = info_selection(params, KIND.id_option.name, LABEL, check_filters)
    return Selection(ids, BackupJobSource.factory(params, **filters))


# The handler of backup_job_info: the kind's selection, then the first look and the wait (``_core.result.run_jobs``).
backup_job_info: t.Callable[[t.Any], dict] = info_handler(select_jobs)
