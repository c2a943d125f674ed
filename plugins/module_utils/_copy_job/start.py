# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting AWS Backup copy jobs (StartCopyJob).

A copy is asked for on purpose, so without ``idempotency_token`` every run starts one (a fresh UUID per run keeps
the run's own retries safe); with a token a rerun gets the same job back, which is not a change: see
``_backup.source.start_job``.
"""
from __future__ import annotations

import time
import typing as t
from functools import partial

from ansible_collections.jobgate.cloud.plugins.module_utils._backup.service import (
    check_arn, check_iam_role_arn, check_lifecycle, check_token, check_vault_name,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._backup.source import begin_start
from ansible_collections.jobgate.cloud.plugins.module_utils._copy_job.source import CopyJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Begun, run_jobs

_time = time.time  # an indirection for tests


def copy_inputs(params: t.Mapping) -> tuple:
    """(the StartCopyJob request without its IdempotencyToken, the token), every option checked; nothing sent."""
    for name in ("recovery_point_arn", "source_backup_vault_name", "destination_backup_vault_arn", "iam_role_arn"):
        if params.get(name) is None:
            raise bad_input(f"Option {name} is required.")
    request = {
        "RecoveryPointArn": check_arn("recovery_point_arn", params["recovery_point_arn"], "recovery point ARN"),
        "SourceBackupVaultName": check_vault_name("source_backup_vault_name", params["source_backup_vault_name"]),
        "DestinationBackupVaultArn": check_arn("destination_backup_vault_arn", params["destination_backup_vault_arn"],
                                               "backup vault ARN"),
        "IamRoleArn": check_iam_role_arn("iam_role_arn", params["iam_role_arn"]),
        "Lifecycle": check_lifecycle(params.get("lifecycle")),
    }
    token = check_token(params.get("idempotency_token"), "start a new copy every run")
    return {k: v for k, v in request.items() if v is not None}, token


def begin(module: t.Any) -> Begun | dict:
    """copy_job's ``begin`` (``_core.result.run_jobs``): its options checked, then ``begin_start``."""
    request, token = copy_inputs(module.params)
    point, target = request["RecoveryPointArn"], request["DestinationBackupVaultArn"]
    return begin_start(module, CopyJobSource, "start_copy_job", request, token, _time(),
                       would={"recovery_point_arn": point, "source_backup_vault_name": request["SourceBackupVaultName"],
                              "destination_backup_vault_arn": target, "iam_role_arn": request["IamRoleArn"]},
                       recent={"BySourceRecoveryPointArn": point, "ByDestinationVaultArn": target},
                       what=f"a copy job of recovery point {point} to {target}")


# The handler of copy_job: the start, then the first look and the wait (``_core.result.run_jobs``).
copy_job: t.Callable[[t.Any], dict] = partial(run_jobs, begin)
