#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: scan_job_info
short_description: Get the status and verdict of AWS Backup malware scan jobs
version_added: 0.1.0
description:
  - Gets AWS Backup malware scan jobs (GuardDuty scans of recovery points) with C(DescribeScanJob), one job,
    several jobs, or every job the API lists.
  - Without O(scan_job_id) or O(job_ids) the module lists scan jobs with C(ListScanJobs), paginated to the end,
    filtered by O(state), O(backup_vault_name), O(recovery_point_arn), O(resource_arn), O(resource_type),
    O(scan_result_status), O(completed_after) and O(completed_before). The API lists the scans of the last 30 days.
  - A scan gates a restore, so its verdict decides its state. A V(COMPLETED) scan succeeded only when its
    C(ScanResult.ScanResultStatus) is V(NO_THREATS_FOUND); one that found threats (V(THREATS_FOUND)), has no
    verdict (V(UNKNOWN)) or has no C(ScanResult) at all failed for the gate, and C(normalized.message) says which.
    V(COMPLETED_WITH_ISSUES) failed too.
  - Every job carries a C(normalized) block with the same shape for every kind of job the collection knows.
  - With O(wait=true) the module polls until every job is terminal.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  scan_job_id:
    description:
      - The ID of one scan job, as returned by C(StartScanJob).
      - At most 1024 bytes; V(..), V(/), V(?) and V(#) are refused.
      - Mutually exclusive with O(job_ids) and the list filters.
    type: str
    aliases: [job_id]
  job_ids:
    description:
      - The IDs of several scan jobs. From four IDs on, the module reads them through C(ListScanJobs) (few
        requests however many jobs; the caller needs C(backup:ListScanJobs) for it) and describes on its own,
        concurrently with a bounded pool, only what the first pages of the list did not return.
      - Duplicates are fetched once; RV(jobs) keeps the order of the list.
      - Mutually exclusive with O(scan_job_id) and the list filters.
    type: list
    elements: str
  state:
    description:
      - In list mode, only the jobs in this API state.
    type: str
    choices: [CREATED, RUNNING, COMPLETED, COMPLETED_WITH_ISSUES, FAILED, CANCELED]
  backup_vault_name:
    description:
      - In list mode, only the scans of recovery points in this backup vault.
    type: str
  recovery_point_arn:
    description:
      - In list mode, only the scans of this recovery point.
    type: str
  resource_arn:
    description:
      - In list mode, only the scans of recovery points of this resource.
    type: str
  resource_type:
    description:
      - In list mode, only the scans of this resource type.
    type: str
    choices: [EBS, EC2, S3]
  scan_result_status:
    description:
      - In list mode, only the scans with this verdict.
    type: str
    choices: [NO_THREATS_FOUND, THREATS_FOUND, UNKNOWN]
  completed_after:
    description:
      - In list mode, only the jobs completed after this time (the API filters scans by completion, not creation).
      - An ISO 8601 date or date-time, for example V(2024-05-01) or V(2024-05-01T12:00:00Z); without a zone it is UTC.
    type: str
  completed_before:
    description:
      - In list mode, only the jobs completed before this time, in the same format as O(completed_after).
    type: str
notes:
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (AWS IAM): C(backup:DescribeScanJob) to read each job; C(backup:ListScanJobs) to list jobs (in list
    mode; with 4 or more ids it saves requests, and without it they are described one by one).'
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_info
seealso:
  - module: jobgate.cloud.scan_job
  - module: jobgate.cloud.restore_job
  - name: DescribeScanJob API reference
    description: The AWS Backup operation this module calls.
    link: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeScanJob.html
"""

EXAMPLES = r"""
- name: Wait for the scan of the recovery point; fail unless it is clean
  jobgate.cloud.scan_job_info:
    scan_job_id: "{{ scan.job.normalized.job_id }}"
    wait: true
    wait_timeout: 3600
  register: scanned

- name: Go on only with a clean recovery point
  ansible.builtin.assert:
    that: scanned.summary.all_succeeded
    fail_msg: "{{ scanned.job.normalized.message }}"

- name: Scans that found threats
  jobgate.cloud.scan_job_info:
    scan_result_status: THREATS_FOUND
  register: infected
"""

RETURN = r"""
jobs:
  description:
    - The jobs, each the C(DescribeScanJob) answer with keys in snake_case, plus C(normalized).
    - In list mode, and for many ids, the entries are the C(ListScanJobs) entries, which have the same members.
    - In the order of O(job_ids); in list mode in the order the API listed them.
  returned: always
  type: list
  elements: dict
  sample:
    - scan_job_id: 6A1E9F0B-2C3D-4E5F-9A8B-7C6D5E4F3A2B
      account_id: "123456789012"
      backup_vault_name: release-vault
      backup_vault_arn: arn:aws:backup:us-east-1:123456789012:backup-vault:release-vault
      recovery_point_arn: arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0
      resource_arn: arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0
      resource_type: EBS
      resource_name: vol-0123456789abcdef0
      malware_scanner: GUARDDUTY
      scan_mode: FULL_SCAN
      scan_id: 2f3c4d5e6a7b8c9d0e1f2a3b4c5d6e7f
      iam_role_arn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
      scanner_role_arn: arn:aws:iam::123456789012:role/GuardDutyMalwareScanRole
      creation_date: "2024-05-01T13:00:00+00:00"
      completion_date: "2024-05-01T13:12:00+00:00"
      state: COMPLETED
      scan_result:
        scan_result_status: NO_THREATS_FOUND
      normalized:
        provider: scan_job
        job_id: 6A1E9F0B-2C3D-4E5F-9A8B-7C6D5E4F3A2B
        native_status: COMPLETED
        state: succeeded
        terminal: true
        succeeded: true
        percent_complete: null
        message: null
        created_at: "2024-05-01T13:00:00Z"
        updated_at: "2024-05-01T13:12:00Z"
        finished_at: "2024-05-01T13:12:00Z"
  contains:
    scan_job_id:
      description: The scan job's ID.
      type: str
      returned: always
    backup_vault_name:
      description: The backup vault of the recovery point scanned.
      type: str
      returned: when the API reports it
    recovery_point_arn:
      description: The recovery point scanned.
      type: str
      returned: when the API reports it
    resource_arn:
      description: The resource the recovery point was taken of.
      type: str
      returned: when the API reports it
    resource_type:
      description: The resource's type, V(EBS), V(EC2) or V(S3).
      type: str
      returned: when the API reports it
    scan_mode:
      description: V(FULL_SCAN) or V(INCREMENTAL_SCAN).
      type: str
      returned: when the API reports it
    scan_base_recovery_point_arn:
      description: The base recovery point of an incremental scan.
      type: str
      returned: for an incremental scan
    state:
      description:
        - The API's State, V(CREATED), V(RUNNING), V(COMPLETED), V(COMPLETED_WITH_ISSUES), V(FAILED) or
          V(CANCELED). V(COMPLETED) says the scan ran to its end, not that the recovery point is clean (see
          RV(jobs[].scan_result)).
      type: str
      returned: always
    scan_result:
      description: The scan's verdict.
      type: dict
      returned: when the scan has one
      contains:
        scan_result_status:
          description: V(NO_THREATS_FOUND), V(THREATS_FOUND) or V(UNKNOWN).
          type: str
          returned: always
    status_message:
      description: Why the job is in its state.
      type: str
      returned: when the API reports it
    creation_date:
      description: When the job was created.
      type: str
      returned: always
    completion_date:
      description: When the job ended.
      type: str
      returned: when the job has ended
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
          description: The job's ID, to pass back in O(scan_job_id).
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
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when exactly one job was asked for with O(scan_job_id) (or a one-element O(job_ids))
  type: dict
  sample:
    normalized:
      provider: scan_job
      state: running
      terminal: false
summary:
  description:
    - Counts of the jobs by normalized state, and whether all are terminal, all succeeded, any failed.
    - With no jobs at all, RV(summary.all_terminal) and RV(summary.all_succeeded) are false; a selection that found
      nothing never opens a gate.
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
      description: Whether every job is terminal (false when there are no jobs).
      type: bool
      returned: always
    all_succeeded:
      description: Whether every job succeeded (false when there are no jobs).
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

from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import run_module, task_module
from ansible_collections.jobgate.cloud.plugins.module_utils._scan_job.source import INFO_ARG_SPEC, scan_job_info


def main() -> None:
    run_module(task_module(INFO_ARG_SPEC), scan_job_info)


if __name__ == "__main__":
    main()
