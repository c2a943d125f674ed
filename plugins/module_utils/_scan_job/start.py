# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting AWS Backup malware scan jobs (StartScanJob).

A scan is asked for on purpose, so without ``idempotency_token`` every run starts one (a fresh UUID per run keeps
the run's own retries safe); with a token a rerun gets the same job back, which is not a change: see
``_backup.source.start_job``. An incremental scan needs the base recovery point it scans from; a full scan takes
none.
"""
from __future__ import annotations

import time
import typing as t
from functools import partial

from ansible_collections.jobgate.cloud.plugins.module_utils._backup.service import (
    check_arn, check_choice, check_iam_role_arn, check_token, check_vault_name,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._backup.source import begin_start
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Begun, run_jobs
from ansible_collections.jobgate.cloud.plugins.module_utils._scan_job.source import ScanJobSource

SCANNERS = ("GUARDDUTY",)                       # the model's MalwareScanner enum
SCAN_MODES = ("FULL_SCAN", "INCREMENTAL_SCAN")  # the model's ScanMode enum

_time = time.time  # an indirection for tests


def scan_inputs(params: t.Mapping) -> tuple:
    """(the StartScanJob request without its IdempotencyToken, the token), every option checked; nothing sent."""
    for name in ("backup_vault_name", "recovery_point_arn", "iam_role_arn", "scanner_role_arn", "scan_mode"):
        if params.get(name) is None:
            raise bad_input(f"Option {name} is required.")
    mode = check_choice("scan_mode", params["scan_mode"], SCAN_MODES)
    base = params.get("scan_base_recovery_point_arn")
    if mode == "INCREMENTAL_SCAN" and base is None:
        raise bad_input("Option scan_base_recovery_point_arn is required with scan_mode=INCREMENTAL_SCAN "
                        "(the recovery point the scan compares against).")
    if mode == "FULL_SCAN" and base is not None:
        raise bad_input("Option scan_base_recovery_point_arn is for scan_mode=INCREMENTAL_SCAN only; "
                        "a full scan reads the whole recovery point.")
    request = {
        "BackupVaultName": check_vault_name("backup_vault_name", params["backup_vault_name"]),
        "RecoveryPointArn": check_arn("recovery_point_arn", params["recovery_point_arn"], "recovery point ARN"),
        "IamRoleArn": check_iam_role_arn("iam_role_arn", params["iam_role_arn"]),
        "ScannerRoleArn": check_iam_role_arn("scanner_role_arn", params["scanner_role_arn"]),
        "MalwareScanner": check_choice("malware_scanner", params.get("malware_scanner") or "GUARDDUTY", SCANNERS),
        "ScanMode": mode,
    }
    if base is not None:
        request["ScanBaseRecoveryPointArn"] = check_arn("scan_base_recovery_point_arn", base, "recovery point ARN")
    token = check_token(params.get("idempotency_token"), "start a new scan every run")
    return request, token


def begin(module: t.Any) -> Begun | dict:
    """scan_job's ``begin`` (``_core.result.run_jobs``): its options checked, then ``begin_start``."""
    request, token = scan_inputs(module.params)
    point, vault = request["RecoveryPointArn"], request["BackupVaultName"]
    return begin_start(module, ScanJobSource, "start_scan_job", request, token, _time(),
                       would={"backup_vault_name": vault, "recovery_point_arn": point, "scan_mode": request["ScanMode"],
                              "malware_scanner": request["MalwareScanner"]},
                       recent={"ByRecoveryPointArn": point, "ByBackupVaultName": vault},
                       what=f"a malware scan of recovery point {point} in backup vault {vault}")


# The handler of scan_job: the start, then the first look and the wait (``_core.result.run_jobs``).
scan_job: t.Callable[[t.Any], dict] = partial(run_jobs, begin)
