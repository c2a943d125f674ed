# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Backup restore jobs: input validation, the job source and the info handler."""
from __future__ import annotations

import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._backup.service import (
    check_choice, check_list_filters, check_resource_type, info_arg_spec, info_selection,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._backup.source import BackupApiJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._core.kinds import KINDS
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import info_handler
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import Selection
from ansible_collections.jobgate.cloud.plugins.module_utils._restore_job.status import PROVIDER

KIND = KINDS["restore_job"]  # the registry's entry: the options that select its jobs

# The model's RestoreJobStatus enum.
STATUS_CHOICES = ("PENDING", "RUNNING", "COMPLETED", "ABORTED", "FAILED")
# restore_job_info's options (the module adds the wait options); the event source takes the same.
INFO_ARG_SPEC: dict = info_arg_spec(KIND, status=STATUS_CHOICES)


class RestoreJobSource(BackupApiJobSource, kind=KIND):
    # ListRestoreJobs entries (RestoreJobsListMember) have every member DescribeRestoreJob returns.
    provider, id_label = PROVIDER, "Backup restore job"


LABEL = f"{RestoreJobSource.id_label} id"  # in messages about the ids


def check_filters(params: t.Mapping, ids: list | None) -> dict:
    """The list filters as ListRestoreJobs members, checked (the creation window: see info_selection)."""
    given = check_list_filters(params, ids, KIND.list_filters, KIND.id_option.name)
    if "resource_type" in given:
        check_resource_type("resource_type", given["resource_type"])
    check_choice("status", given.get("status"), STATUS_CHOICES)
    return {"ByStatus": given.get("status"), "ByResourceType": given.get("resource_type")}


def select_jobs(params: t.Mapping) -> Selection:
    """restore_job_info's options (and the event source's) checked, before any request."""
    ids, filters = info_selection(params, KIND.id_option.name, LABEL, check_filters)
    return Selection(ids, RestoreJobSource.factory(params, **filters))


# The handler of restore_job_info: the kind's selection, then the first look and the wait (``_core.result.run_jobs``).
restore_job_info: t.Callable[[t.Any], dict] = info_handler(select_jobs)
