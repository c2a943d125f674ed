# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting AWS Backup backup jobs (StartBackupJob).

A backup is asked for on purpose, so without ``idempotency_token`` every run starts one. With a token the service
answers with the job that token started, and that job is not a change when it existed before the task began
(listed just before the call, or older than the task): see ``_backup.source.start_job``.
"""
from __future__ import annotations

import re
import time
import typing as t
from functools import partial

from ansible_collections.jobgate.cloud.plugins.module_utils._backup.service import (
    check_arn, check_iam_role_arn, check_lifecycle, check_token, check_vault_name, string_map,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._backup.source import begin_start
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_job.source import BackupJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Begun, run_jobs

# StartWindowMinutes "must be at least 60 minutes"; both windows at most 100 years (52,560,000 minutes).
MIN_START_WINDOW = 60
MAX_WINDOW = 52_560_000
BACKUP_OPTION = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")  # the model's BackupOptionKey/BackupOptionValue

_time = time.time  # an indirection for tests


def _window(option: str, value: t.Any, low: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_WINDOW:
        raise bad_input(f"Option {option} must be a whole number of minutes from {low} to {MAX_WINDOW}.")
    return value


def backup_request(params: t.Mapping) -> dict:
    """The StartBackupJob request without its IdempotencyToken, every option but the token and the wait checked."""
    for name in ("backup_vault_name", "resource_arn", "iam_role_arn"):
        if params.get(name) is None:
            raise bad_input(f"Option {name} is required.")
    request = {
        "BackupVaultName": check_vault_name("backup_vault_name", params["backup_vault_name"]),
        "ResourceArn": check_arn("resource_arn", params["resource_arn"], "resource ARN"),
        "IamRoleArn": check_iam_role_arn("iam_role_arn", params["iam_role_arn"]),
        "StartWindowMinutes": _window("start_window_minutes", params.get("start_window_minutes"), MIN_START_WINDOW),
        "CompleteWindowMinutes": _window("complete_window_minutes", params.get("complete_window_minutes"), 1),
        "Lifecycle": check_lifecycle(params.get("lifecycle")),
        "RecoveryPointTags": string_map("recovery_point_tags", params.get("recovery_point_tags")),
        "BackupOptions": string_map("backup_options", params.get("backup_options"), BACKUP_OPTION),
    }
    return {k: v for k, v in request.items() if v is not None}


def backup_inputs(params: t.Mapping) -> tuple:
    """(request, idempotency token) with every option checked; no request is sent."""
    request = backup_request(params)
    token = check_token(params.get("idempotency_token"), "start a new backup every run")
    return request, token


def begin(module: t.Any) -> Begun | dict:
    """backup_job's ``begin`` (``_core.result.run_jobs``): its options checked, then ``begin_start``."""
    params = module.params
    request, token = backup_inputs(params)
    vault, arn = request["BackupVaultName"], request["ResourceArn"]
    return begin_start(module, BackupJobSource, "start_backup_job", request, token, _time(),
                       would={"backup_vault_name": vault, "resource_arn": arn, "iam_role_arn": request["IamRoleArn"]},
                       recent={"ByResourceArn": arn, "ByBackupVaultName": vault},
                       what=f"a backup job of {arn} into backup vault {vault}")


# The handler of backup_job: the start, then the first look and the wait (``_core.result.run_jobs``).
backup_job: t.Callable[[t.Any], dict] = partial(run_jobs, begin)
