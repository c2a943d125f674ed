#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: scan_job
short_description: Start an AWS Backup malware scan job
version_added: 0.1.0
description:
  - Scans a recovery point for malware (with Amazon GuardDuty) with C(StartScanJob), typically before restoring it.
  - A scan is asked for on purpose, so without O(idempotency_token) every run starts a scan and reports
    C(changed=true). With O(idempotency_token), running the task again returns the job the token started.
  - With O(wait=true) the module polls until the job is terminal. A V(COMPLETED) scan succeeded only when it found
    no threats (C(ScanResult.ScanResultStatus) V(NO_THREATS_FOUND)); V(THREATS_FOUND), V(UNKNOWN), no C(ScanResult)
    and V(COMPLETED_WITH_ISSUES) fail the gate.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  backup_vault_name:
    description:
      - The backup vault that holds the recovery point.
    type: str
    required: true
  recovery_point_arn:
    description:
      - The ARN of the recovery point to scan; for an incremental scan, the one made after
        O(scan_base_recovery_point_arn).
    type: str
    required: true
  iam_role_arn:
    description:
      - The IAM role used to create the recovery point (C(IamRoleArn)).
    type: str
    required: true
  scanner_role_arn:
    description:
      - The IAM role the malware scanner runs as.
    type: str
    required: true
  malware_scanner:
    description:
      - The malware scanner.
    type: str
    choices: [GUARDDUTY]
    default: GUARDDUTY
  scan_mode:
    description:
      - V(FULL_SCAN) scans the whole recovery point; V(INCREMENTAL_SCAN) scans what changed since
        O(scan_base_recovery_point_arn).
    type: str
    choices: [FULL_SCAN, INCREMENTAL_SCAN]
    required: true
  scan_base_recovery_point_arn:
    description:
      - The base recovery point of an incremental scan; required with O(scan_mode=INCREMENTAL_SCAN), refused with
        O(scan_mode=FULL_SCAN).
    type: str
  idempotency_token:
    description:
      - A token that makes the call idempotent (C(IdempotencyToken)); a rerun with the same token and the same
        options returns the job the token started, and that job is not a change.
      - Left out, every run starts a new scan (each run sends a fresh token, so retries within the run never
        start a second one).
      - In check mode the module cannot tell whether a token was used before (the API never shows tokens), so it
        reports the job as one that would start.
    type: str
notes:
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (AWS IAM): C(backup:StartScanJob) to start the job; C(iam:PassRole) to pass O(iam_role_arn) and O(scanner_role_arn)
    to AWS Backup; C(backup:ListScanJobs) to tell a new job from an earlier run''s (with O(idempotency_token)); C(backup:DescribeScanJob)
    to read the job it starts.'
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_start
seealso:
  - module: jobgate.cloud.scan_job_info
  - module: jobgate.cloud.restore_job
  - name: StartScanJob API reference
    description: The AWS Backup operation this module calls.
    link: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartScanJob.html
"""

EXAMPLES = r"""
- name: Scan the recovery point and wait for a clean verdict
  jobgate.cloud.scan_job:
    backup_vault_name: release-vault
    recovery_point_arn: "{{ backup.job.recovery_point_arn }}"
    iam_role_arn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
    scanner_role_arn: arn:aws:iam::123456789012:role/GuardDutyMalwareScanRole
    scan_mode: FULL_SCAN
    idempotency_token: "scan-{{ release_id }}"
    wait: true
    wait_timeout: 3600
  register: scan

- name: Restore only what the scan found clean
  jobgate.cloud.restore_job:
    recovery_point_arn: "{{ backup.job.recovery_point_arn }}"
    metadata:
      volumeId: vol-0123456789abcdef0
  when: scan.summary.all_succeeded
"""

RETURN = r"""
jobs:
  description:
    - The job started (or returned for the token), the C(DescribeScanJob) answer with keys in snake_case plus
      C(normalized), as M(jobgate.cloud.scan_job_info) returns it; its RV(jobgate.cloud.scan_job_info#module:jobs)
      lists every key, the keys a gate reads most are below.
  returned: always
  type: list
  elements: dict
  sample:
    - scan_job_id: 6A1E9F0B-2C3D-4E5F-9A8B-7C6D5E4F3A2B
      recovery_point_arn: arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0
      state: COMPLETED
      scan_result:
        scan_result_status: THREATS_FOUND
      normalized:
        provider: scan_job
        job_id: 6A1E9F0B-2C3D-4E5F-9A8B-7C6D5E4F3A2B
        native_status: COMPLETED
        state: failed
        terminal: true
        succeeded: false
        percent_complete: null
        message: The scan completed and found threats (ScanResultStatus THREATS_FOUND).
        created_at: "2024-05-01T13:00:00Z"
        updated_at: "2024-05-01T13:12:00Z"
        finished_at: "2024-05-01T13:12:00Z"
  contains:
    scan_job_id:
      description: The scan job's ID.
      type: str
      returned: always
    recovery_point_arn:
      description: The recovery point scanned.
      type: str
      returned: when the API reports it
    state:
      description: The API's State; V(COMPLETED) says the scan ran to its end, not that it found nothing.
      type: str
      returned: always
    scan_result:
      description: The scan's verdict, C(scan_result_status) V(NO_THREATS_FOUND), V(THREATS_FOUND) or V(UNKNOWN).
      type: dict
      returned: when the scan has one
    status_message:
      description: Why the job is in its state.
      type: str
      returned: when the API reports it
    # BEGIN normalized: generated from tools/returns.yml by `make docs`; edit it there
    normalized:
      description: The job's status in the collection's vocabulary, the same for every kind of job.
      type: dict
      returned: always
      contains:
        provider:
          description: V(scan_job).
          type: str
          returned: always
        job_id:
          description: The job's ID, to pass back in O(jobgate.cloud.scan_job_info#module:scan_job_id).
          type: str
          returned: always
        native_status:
          description: The API's status string, or null.
          type: str
          returned: always
        state:
          description:
            - V(pending) (CREATED), V(running) (RUNNING), V(succeeded) (COMPLETED with C(ScanResult.ScanResultStatus)
              NO_THREATS_FOUND), V(failed) (COMPLETED with THREATS_FOUND, UNKNOWN or no C(ScanResult); COMPLETED_WITH_ISSUES;
              FAILED), V(canceled) (CANCELED), or V(unknown) for anything else.
          type: str
          returned: always
        terminal:
          description: Whether the state is V(succeeded), V(failed) or V(canceled).
          type: bool
          returned: always
        succeeded:
          description: Whether the state is V(succeeded).
          type: bool
          returned: always
        percent_complete:
          description: Always null (a scan job reports no progress).
          type: int
          returned: always
        message:
          description:
            - For a COMPLETED scan without a clean verdict, what the verdict was (threats found, no verdict, no C(ScanResult)),
              followed by the API's C(StatusMessage) if any; otherwise the API's C(StatusMessage), or null.
          type: str
          returned: always
        created_at:
          description: When the job was created (C(CreationDate)), ISO 8601 in UTC.
          type: str
          returned: always
        updated_at:
          description: The job's C(CompletionDate) (the API has no separate update time), ISO 8601 in UTC, or null.
          type: str
          returned: always
        finished_at:
          description: When the job completed (C(CompletionDate)), ISO 8601 in UTC, or null while the job is open.
          type: str
          returned: always
    # END normalized
# BEGIN shared: generated from tools/returns.yml by `make docs`; edit it there
would_start:
  description: In check mode, what the module would start, one entry per job.
  returned: in check mode
  type: list
  elements: dict
  sample:
    - backup_vault_name: release-vault
      recovery_point_arn: arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0
      scan_mode: FULL_SCAN
      malware_scanner: GUARDDUTY
      idempotency_token: null
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when RV(jobs) has exactly one entry
  type: dict
  sample:
    normalized:
      provider: scan_job
      state: running
      terminal: false
summary:
  description:
    - Counts of the jobs by normalized state, and whether all are terminal, all succeeded, any failed.
    - The task always returns the job it started or found, so the summary is over that one job. Only in check mode,
      when the job would start, is there no job yet, and then RV(summary.all_succeeded) is false.
  returned: always
  type: dict
  sample:
    total: 3
    pending: 0
    running: 1
    paused: 0
    succeeded: 1
    failed: 1
    canceled: 0
    unknown: 0
    all_terminal: false
    all_succeeded: false
    any_failed: true
  contains:
    total:
      description: How many jobs RV(jobs) has.
      type: int
      returned: always
    pending:
      description: How many are pending.
      type: int
      returned: always
    running:
      description: How many are running.
      type: int
      returned: always
    paused:
      description: How many are paused.
      type: int
      returned: always
    succeeded:
      description: How many succeeded.
      type: int
      returned: always
    failed:
      description: How many failed.
      type: int
      returned: always
    canceled:
      description: How many were canceled.
      type: int
      returned: always
    unknown:
      description: How many have a status the collection does not know.
      type: int
      returned: always
    all_terminal:
      description: Whether every job is terminal.
      type: bool
      returned: always
    all_succeeded:
      description: Whether every job succeeded.
      type: bool
      returned: always
    any_failed:
      description: Whether any job failed.
      type: bool
      returned: always
elapsed:
  description: Seconds from the start of the task to its end, on success and on failure.
  returned: when O(wait=true)
  type: float
  sample: 184.2
error:
  description:
    - Why the task failed, in a form to branch on.
    - C(retryable) is true for throttling, 5xx, timeouts and connection errors.
  returned: on failure
  type: dict
  sample:
    code: ResourceNotFoundException
    message: Job not found
    http_status: 404
    retryable: false
  contains:
    code:
      description:
        - The API's error code, or the collection's (V(ValidationError), V(WaitTimeout), V(NoCredentials), V(Conflict)
          ...).
      type: str
      returned: always
    message:
      description: The API's own message (secrets never included).
      type: str
      returned: always
    http_status:
      description: The HTTP status of the failed response, or null when no response came.
      type: int
      returned: always
    retryable:
      description: Whether trying again later may succeed.
      type: bool
      returned: always
# END shared
"""

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AWS_ARG_SPEC
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import run_module, task_module
from ansible_collections.jobgate.cloud.plugins.module_utils._scan_job.start import SCAN_MODES, SCANNERS, scan_job


def main() -> None:
    run_module(task_module(dict(
        backup_vault_name=dict(type="str", required=True),
        recovery_point_arn=dict(type="str", required=True),
        iam_role_arn=dict(type="str", required=True),
        scanner_role_arn=dict(type="str", required=True),
        malware_scanner=dict(type="str", choices=list(SCANNERS), default="GUARDDUTY"),
        scan_mode=dict(type="str", choices=list(SCAN_MODES), required=True),
        scan_base_recovery_point_arn=dict(type="str"),
        idempotency_token=dict(type="str", no_log=False),
        **AWS_ARG_SPEC,
    )), scan_job)


if __name__ == "__main__":
    main()
