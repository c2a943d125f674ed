# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting AWS Backup restore jobs (StartRestoreJob).

A restore is asked for on purpose, so without ``idempotency_token`` every run starts one (each run sends a fresh
UUID as the token, so retries within the run stay safe); with a token a rerun returns the same job, which is not a
change. ``metadata`` can hold passwords: the module declares it no_log, and no message here ever shows a value.
"""
from __future__ import annotations

import time
import typing as t
from functools import partial

from ansible_collections.jobgate.cloud.plugins.module_utils._backup.service import (
    check_arn, check_iam_role_arn, check_resource_type, check_token, string_map,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._backup.source import begin_start
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Begun, run_jobs
from ansible_collections.jobgate.cloud.plugins.module_utils._restore_job.source import RestoreJobSource

_time = time.time  # an indirection for tests


def restore_inputs(params: t.Mapping) -> tuple:
    """(the StartRestoreJob request without its IdempotencyToken, the token), every option checked; nothing sent."""
    if params.get("recovery_point_arn") is None:
        raise bad_input("Option recovery_point_arn is required.")
    if params.get("metadata") is None:
        raise bad_input("Option metadata is required (the restore's settings; see GetRecoveryPointRestoreMetadata).")
    request = {
        "RecoveryPointArn": check_arn("recovery_point_arn", params["recovery_point_arn"], "recovery point ARN"),
        "Metadata": string_map("metadata", params["metadata"], secret=True),
    }
    if params.get("iam_role_arn") is not None:
        request["IamRoleArn"] = check_iam_role_arn("iam_role_arn", params["iam_role_arn"])
    if params.get("resource_type") is not None:
        request["ResourceType"] = check_resource_type("resource_type", params["resource_type"])
    return request, check_token(params.get("idempotency_token"), "start a new restore every run")


def begin(module: t.Any) -> Begun | dict:
    """restore_job's ``begin`` (``_core.result.run_jobs``): its options checked, then ``begin_start``."""
    params = module.params
    request, token = restore_inputs(params)
    point = request["RecoveryPointArn"]
    # Check mode leaves the metadata out: it can hold passwords.
    return begin_start(module, RestoreJobSource, "start_restore_job", request, token, _time(),
                       would={"recovery_point_arn": point, "resource_type": request.get("ResourceType"),
                              "iam_role_arn": request.get("IamRoleArn")},
                       recent={"ByResourceType": request.get("ResourceType")},
                       what=f"a restore job of recovery point {point}")


# The handler of restore_job: the start, then the first look and the wait (``_core.result.run_jobs``).
restore_job: t.Callable[[t.Any], dict] = partial(run_jobs, begin)
