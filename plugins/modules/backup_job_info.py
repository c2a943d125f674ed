#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: backup_job_info
short_description: Get the status of AWS Backup backup jobs
version_added: 0.1.0
description:
  - Gets AWS Backup backup jobs (on-demand or from backup plans) with C(DescribeBackupJob), one job, several
    jobs, or every job the API lists.
  - Without O(backup_job_id) or O(job_ids) the module lists backup jobs with C(ListBackupJobs), paginated to the
    end, filtered by O(resource_arn), O(state), O(backup_vault_name), O(resource_type), O(created_after) and
    O(created_before). The API lists the jobs of the last 30 days.
  - Every job carries a C(normalized) block with the same shape for every kind of job the collection knows.
  - With O(wait=true) the module polls until every job is terminal. V(PARTIAL) and V(EXPIRED) end the wait as
    failures, V(ABORTED) as canceled.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  backup_job_id:
    description:
      - The ID of one backup job, as returned by C(StartBackupJob).
      - At most 1024 bytes; V(..), V(/), V(?) and V(#) are refused.
      - Mutually exclusive with O(job_ids) and the list filters.
    type: str
    aliases: [job_id]
  job_ids:
    description:
      - The IDs of several backup jobs. From four IDs on, the module reads them through C(ListBackupJobs) (few
        requests however many jobs; the caller needs C(backup:ListBackupJobs) for it) and describes on its own,
        concurrently with a bounded pool, only what the list did not return, among them jobs older than the
        list covers.
      - Duplicates are fetched once; RV(jobs) keeps the order of the list.
      - Mutually exclusive with O(backup_job_id) and the list filters.
    type: list
    elements: str
  resource_arn:
    description:
      - In list mode, only the jobs of this resource (its ARN).
    type: str
  state:
    description:
      - In list mode, only the jobs in this state.
    type: str
    choices: [CREATED, PENDING, RUNNING, ABORTING, ABORTED, COMPLETED, FAILED, EXPIRED, PARTIAL]
  backup_vault_name:
    description:
      - In list mode, only the jobs that store into this backup vault.
    type: str
  resource_type:
    description:
      - In list mode, only the jobs of this resource type, for example V(RDS), V(Aurora), V(EBS), V(EC2), V(EFS),
        V(DynamoDB), V(S3) or V(FSx).
    type: str
notes:
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (AWS IAM): C(backup:DescribeBackupJob) to read each job; C(backup:ListBackupJobs) to list jobs (in
    list mode; with 4 or more ids it saves requests, and without it they are described one by one).'
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_info
  - jobgate.cloud.backup_created
seealso:
  - module: jobgate.cloud.backup_job
  - module: jobgate.cloud.restore_job_info
  - name: DescribeBackupJob API reference
    description: The AWS Backup operation this module calls.
    link: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeBackupJob.html
"""

EXAMPLES = r"""
- name: Wait for a backup before changing the database
  jobgate.cloud.backup_job_info:
    backup_job_id: "{{ backup.job.normalized.job_id }}"
    wait: true
    wait_timeout: 7200
  register: backup_status

- name: Stop unless the backup completed
  ansible.builtin.assert:
    that: backup_status.summary.all_succeeded
    fail_msg: "{{ backup_status.job.state }}: {{ backup_status.job.normalized.message }}"

- name: Failed backups of one vault since May
  jobgate.cloud.backup_job_info:
    backup_vault_name: release-vault
    state: FAILED
    created_after: "2024-05-01"
  register: failed_backups
"""

RETURN = r"""
jobs:
  description:
    - The jobs, each the C(DescribeBackupJob) answer with keys in snake_case (keys of C(backup_options) kept as
      they are), plus C(normalized).
    - In list mode, and for many ids, the entries are the C(ListBackupJobs) entries (the same members, without the
      child job counts only a describe of a parent job gives; parent jobs are described).
    - In the order of O(job_ids); in list mode in the order the API listed them.
  returned: always
  type: list
  elements: dict
  sample:
    - backup_job_id: 8E0F4C2A-6D1B-4F7A-9C3E-2B5D7A9F1E40
      account_id: "123456789012"
      backup_vault_name: release-vault
      backup_vault_arn: arn:aws:backup:us-east-1:123456789012:backup-vault:release-vault
      recovery_point_arn: arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-8e0f4c2a-6d1b-4f7a-9c3e-2b5d7a9f1e40
      resource_arn: arn:aws:rds:us-east-1:123456789012:db:orders-db
      resource_type: RDS
      resource_name: orders-db
      iam_role_arn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
      creation_date: "2024-05-01T12:00:00+00:00"
      state: RUNNING
      percent_done: "42.0"
      bytes_transferred: 9019431321
      start_by: "2024-05-01T20:00:00+00:00"
      is_parent: false
      normalized:
        provider: backup_job
        job_id: 8E0F4C2A-6D1B-4F7A-9C3E-2B5D7A9F1E40
        native_status: RUNNING
        state: running
        terminal: false
        succeeded: false
        percent_complete: 42
        message: null
        created_at: "2024-05-01T12:00:00Z"
        updated_at: null
        finished_at: null
  contains:
    backup_job_id:
      description: The backup job's ID.
      type: str
      returned: always
    backup_vault_name:
      description: The backup vault the recovery point goes to.
      type: str
      returned: always
    backup_vault_arn:
      description: The ARN of that backup vault.
      type: str
      returned: always
    recovery_point_arn:
      description: The ARN of the recovery point the job creates; restore from it with M(jobgate.cloud.restore_job).
      type: str
      returned: always
    resource_arn:
      description: The ARN of the resource backed up.
      type: str
      returned: always
    resource_type:
      description: The resource's type, for example V(RDS), V(EBS), V(EFS) or V(DynamoDB).
      type: str
      returned: always
    resource_name:
      description: The resource's name.
      type: str
      returned: when the API reports it
    state:
      description: The API's State, V(CREATED), V(PENDING), V(RUNNING), V(ABORTING), V(ABORTED), V(COMPLETED), V(FAILED), V(EXPIRED) or V(PARTIAL).
      type: str
      returned: always
    status_message:
      description: Why the job is in its state; read it when the job did not complete.
      type: str
      returned: when the API reports it
    percent_done:
      description: The API's estimate of the share done, a decimal string such as V(42.0).
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
    backup_size_in_bytes:
      description: The size of the backup.
      type: int
      returned: when the API reports it
    bytes_transferred:
      description: The bytes transferred to the vault so far.
      type: int
      returned: when the API reports it
    iam_role_arn:
      description: The IAM role the job runs as.
      type: str
      returned: always
    start_by:
      description: When the job must have started, or it expires (its start window ends).
      type: str
      returned: when the API reports it
    recovery_point_lifecycle:
      description: When the recovery point moves to cold storage and is deleted.
      type: dict
      returned: when set
    backup_options:
      description: The backup options of the job, keys as given (for example C(WindowsVSS)).
      type: dict
      returned: when set
    is_parent:
      description: Whether the job is a parent (composite) job with child jobs.
      type: bool
      returned: always
    # BEGIN normalized: generated from tools/returns.yml by `make docs`; edit it there
    normalized:
      description: The job's status in the collection's vocabulary, the same for every kind of job.
      type: dict
      returned: always
      contains:
        provider:
          description: V(backup_job).
          type: str
          returned: always
        job_id:
          description: The job's ID, to pass back in O(backup_job_id).
          type: str
          returned: always
        native_status:
          description: The API's status string, or null.
          type: str
          returned: always
        state:
          description:
            - V(pending) (CREATED, PENDING), V(running) (RUNNING, ABORTING), V(succeeded) (COMPLETED), V(failed) (FAILED,
              EXPIRED, PARTIAL, where some of the resource was not backed up), V(canceled) (ABORTED), or V(unknown)
              for anything else.
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
          description: The API's C(PercentDone) (a decimal string) rounded down to a whole number, or null.
          type: int
          returned: always
        message:
          description: The API's C(StatusMessage), or null.
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
  returned: when exactly one job was asked for with O(backup_job_id) (or a one-element O(job_ids))
  type: dict
  sample:
    normalized:
      provider: backup_job
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

from ansible_collections.jobgate.cloud.plugins.module_utils._backup_job.source import INFO_ARG_SPEC, backup_job_info
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import run_module, task_module


def main() -> None:
    run_module(task_module(INFO_ARG_SPEC), backup_job_info)


if __name__ == "__main__":
    main()
