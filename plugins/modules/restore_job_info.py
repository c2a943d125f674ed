#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: restore_job_info
short_description: Get the status of AWS Backup restore jobs
version_added: 0.1.0
description:
  - Gets AWS Backup restore jobs with C(DescribeRestoreJob), one job, several jobs, or every job the API lists.
  - Without O(restore_job_id) or O(job_ids) the module lists restore jobs with C(ListRestoreJobs), paginated to
    the end, filtered by O(status), O(resource_type), O(created_after) and O(created_before).
  - Every job carries a C(normalized) block with the same shape for every kind of job the collection knows.
  - With O(wait=true) the module polls until every job is terminal.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  restore_job_id:
    description:
      - The ID of one restore job, as returned by C(StartRestoreJob).
      - At most 1024 bytes; V(..), V(/), V(?) and V(#) are refused.
      - Mutually exclusive with O(job_ids) and the list filters.
    type: str
    aliases: [job_id]
  job_ids:
    description:
      - The IDs of several restore jobs. From four IDs on, the module reads them through C(ListRestoreJobs) (few
        requests however many jobs; the caller needs C(backup:ListRestoreJobs) for it) and describes on its own,
        concurrently with a bounded pool, only what the list did not return, among them jobs older than the
        list covers.
      - Duplicates are fetched once; RV(jobs) keeps the order of the list.
      - Mutually exclusive with O(restore_job_id) and the list filters.
    type: list
    elements: str
  status:
    description:
      - In list mode, only the jobs in this status.
    type: str
    choices: [PENDING, RUNNING, COMPLETED, ABORTED, FAILED]
  resource_type:
    description:
      - In list mode, only the jobs restoring this resource type, for example V(RDS), V(EBS) or V(DynamoDB).
    type: str
notes:
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (AWS IAM): C(backup:DescribeRestoreJob) to read each job; C(backup:ListRestoreJobs) to list jobs
    (in list mode; with 4 or more ids it saves requests, and without it they are described one by one).'
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_info
  - jobgate.cloud.backup_created
seealso:
  - module: jobgate.cloud.restore_job
  - module: jobgate.cloud.backup_job_info
  - name: DescribeRestoreJob API reference
    description: The AWS Backup operation this module calls.
    link: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRestoreJob.html
"""

EXAMPLES = r"""
- name: Wait for the restore
  jobgate.cloud.restore_job_info:
    restore_job_id: "{{ restore.job.normalized.job_id }}"
    wait: true
    wait_timeout: 7200
  register: restored

- name: The restored database
  ansible.builtin.debug:
    msg: "{{ restored.job.created_resource_arn }}"
  when: restored.summary.all_succeeded

- name: Restores of RDS databases that failed
  jobgate.cloud.restore_job_info:
    status: FAILED
    resource_type: RDS
  register: failed_restores
"""

RETURN = r"""
jobs:
  description:
    - The jobs, each the C(DescribeRestoreJob) answer with keys in snake_case, plus C(normalized).
    - In list mode, and for many ids, the entries are the C(ListRestoreJobs) entries, which have the same members.
    - In the order of O(job_ids); in list mode in the order the API listed them.
  returned: always
  type: list
  elements: dict
  sample:
    - restore_job_id: 5CBDB18D-E228-4E3C-9E95-706C9191C430
      account_id: "123456789012"
      recovery_point_arn: arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-8e0f4c2a-6d1b-4f7a-9c3e-2b5d7a9f1e40
      source_resource_arn: arn:aws:rds:us-east-1:123456789012:db:orders-db
      backup_vault_arn: arn:aws:backup:us-east-1:123456789012:backup-vault:release-vault
      resource_type: RDS
      creation_date: "2024-05-01T13:00:00+00:00"
      completion_date: "2024-05-01T13:20:00+00:00"
      status: COMPLETED
      percent_done: "100.0"
      backup_size_in_bytes: 21474836480
      expected_completion_time_minutes: 20
      created_resource_arn: arn:aws:rds:us-east-1:123456789012:db:orders-db-restored
      iam_role_arn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
      is_parent: false
      normalized:
        provider: restore_job
        job_id: 5CBDB18D-E228-4E3C-9E95-706C9191C430
        native_status: COMPLETED
        state: succeeded
        terminal: true
        succeeded: true
        percent_complete: 100
        message: null
        created_at: "2024-05-01T13:00:00Z"
        updated_at: "2024-05-01T13:20:00Z"
        finished_at: "2024-05-01T13:20:00Z"
  contains:
    restore_job_id:
      description: The restore job's ID.
      type: str
      returned: always
    recovery_point_arn:
      description: The recovery point restored.
      type: str
      returned: always
    source_resource_arn:
      description: The resource the recovery point was taken of.
      type: str
      returned: when the API reports it
    backup_vault_arn:
      description: The backup vault holding the recovery point.
      type: str
      returned: when the API reports it
    resource_type:
      description: The resource's type, for example V(RDS) or V(EBS).
      type: str
      returned: when the API reports it
    status:
      description: The API's Status, V(PENDING), V(RUNNING), V(COMPLETED), V(ABORTED) or V(FAILED).
      type: str
      returned: always
    status_message:
      description: Why the job is in its status; read it when the job failed.
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
    created_resource_arn:
      description: The ARN of the resource the restore created.
      type: str
      returned: when the restore has completed
    backup_size_in_bytes:
      description: The size of the restored resource.
      type: int
      returned: when the API reports it
    expected_completion_time_minutes:
      description: How long the restore is expected to take.
      type: int
      returned: when the API reports it
    iam_role_arn:
      description: The IAM role the restore runs as.
      type: str
      returned: when the API reports it
    # BEGIN normalized: generated from tools/returns.yml by `make docs`; edit it there
    normalized:
      description: The job's status in the collection's vocabulary, the same for every kind of job.
      type: dict
      returned: always
      contains:
        provider:
          description: V(restore_job).
          type: str
          returned: always
        job_id:
          description: The job's ID, to pass back in O(restore_job_id).
          type: str
          returned: always
        native_status:
          description: The API's status string, or null.
          type: str
          returned: always
        state:
          description:
            - V(pending) (PENDING), V(running) (RUNNING), V(succeeded) (COMPLETED), V(failed) (FAILED), V(canceled)
              (ABORTED), or V(unknown) for anything else.
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
  returned: when exactly one job was asked for with O(restore_job_id) (or a one-element O(job_ids))
  type: dict
  sample:
    normalized:
      provider: restore_job
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
from ansible_collections.jobgate.cloud.plugins.module_utils._restore_job.source import INFO_ARG_SPEC, restore_job_info


def main() -> None:
    run_module(task_module(INFO_ARG_SPEC), restore_job_info)


if __name__ == "__main__":
    main()
