#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: restore_job
short_description: Start an AWS Backup restore job
version_added: 0.1.0
description:
  - Restores a recovery point (made by M(jobgate.cloud.backup_job) or a backup plan) with C(StartRestoreJob).
  - A restore is asked for on purpose, so without O(idempotency_token) every run starts a restore and reports
    C(changed=true). With O(idempotency_token), running the task again returns the job the token started.
  - With O(wait=true) the module polls until the job is terminal.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  recovery_point_arn:
    description:
      - The ARN of the recovery point to restore, for example the RV(jobs[].recovery_point_arn) of a backup job.
    type: str
    required: true
  metadata:
    description:
      - The restore's settings, as the API takes them (keys as given, values strings), for example
        C(DBInstanceIdentifier=orders-db-restored) for an RDS database. C(GetRecoveryPointRestoreMetadata) tells
        which keys a recovery point takes.
      - Never logged and never shown in the output (it can hold passwords); Ansible masks its values wherever
        they appear in the task's output.
    type: dict
    required: true
  iam_role_arn:
    description:
      - The IAM role AWS Backup assumes to create the restored resource.
    type: str
  resource_type:
    description:
      - The type of the resource to restore, for example V(RDS), V(EBS) or V(DynamoDB); it must be the
        recovery point's.
    type: str
  idempotency_token:
    description:
      - A token that makes the call idempotent (C(IdempotencyToken)); a rerun with the same token and the same
        options returns the job the token started, and that job is not a change.
      - Left out, every run starts a new restore (each run sends a fresh token, so retries within the run never
        start a second one).
      - In check mode the module cannot tell whether a token was used before (the API never shows tokens), so it
        reports the job as one that would start.
    type: str
notes:
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (AWS IAM): C(backup:StartRestoreJob) to start the job; C(iam:PassRole) to pass O(iam_role_arn) to
    AWS Backup (with O(iam_role_arn)); C(backup:ListRestoreJobs) to tell a new job from an earlier run''s (with O(idempotency_token));
    C(backup:DescribeRestoreJob) to read the job it starts.'
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_start
seealso:
  - module: jobgate.cloud.restore_job_info
  - module: jobgate.cloud.backup_job
  - name: StartRestoreJob API reference
    description: The AWS Backup operation this module calls.
    link: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html
"""

EXAMPLES = r"""
- name: Restore the database from the pre-migration backup
  jobgate.cloud.restore_job:
    recovery_point_arn: "{{ backup.job.recovery_point_arn }}"
    iam_role_arn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
    resource_type: RDS
    metadata:
      DBInstanceIdentifier: orders-db-restored
    idempotency_token: "restore-{{ release_id }}"
    wait: true
    wait_timeout: 7200
  register: restore

- name: The restored database
  ansible.builtin.debug:
    msg: "{{ restore.job.created_resource_arn }}"
"""

RETURN = r"""
jobs:
  description:
    - The job started (or returned for the token), the C(DescribeRestoreJob) answer with keys in snake_case plus
      C(normalized), as M(jobgate.cloud.restore_job_info) returns it; its RV(jobgate.cloud.restore_job_info#module:jobs)
      lists every key, the keys a gate reads most are below. The metadata is not part of it.
  returned: always
  type: list
  elements: dict
  sample:
    - restore_job_id: 5CBDB18D-E228-4E3C-9E95-706C9191C430
      recovery_point_arn: arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-8e0f4c2a-6d1b-4f7a-9c3e-2b5d7a9f1e40
      status: RUNNING
      percent_done: "35.0"
      normalized:
        provider: restore_job
        job_id: 5CBDB18D-E228-4E3C-9E95-706C9191C430
        native_status: RUNNING
        state: running
        terminal: false
        succeeded: false
        percent_complete: 35
        message: null
        created_at: "2024-05-01T13:00:00Z"
        updated_at: null
        finished_at: null
  contains:
    restore_job_id:
      description: The restore job's ID.
      type: str
      returned: always
    recovery_point_arn:
      description: The recovery point restored from.
      type: str
      returned: always
    status:
      description: The API's Status, V(PENDING), V(RUNNING), V(COMPLETED), V(ABORTED) or V(FAILED).
      type: str
      returned: always
    percent_done:
      description: The API's estimate of the share done, a decimal string such as V(42.0).
      type: str
      returned: when the API reports it
    created_resource_arn:
      description: The ARN of the resource the restore created.
      type: str
      returned: when the restore has completed
    status_message:
      description: Why the job is in its status; read it when the job failed.
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
          description: The job's ID, to pass back in O(jobgate.cloud.restore_job_info#module:restore_job_id).
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
would_start:
  description: In check mode, what the module would start, one entry per job.
  returned: in check mode
  type: list
  elements: dict
  sample:
    - recovery_point_arn: arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-8e0f4c2a-6d1b-4f7a-9c3e-2b5d7a9f1e40
      resource_type: RDS
      iam_role_arn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
      idempotency_token: null
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when RV(jobs) has exactly one entry
  type: dict
  sample:
    normalized:
      provider: restore_job
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
from ansible_collections.jobgate.cloud.plugins.module_utils._restore_job.start import restore_job


def main() -> None:
    run_module(task_module(dict(
        recovery_point_arn=dict(type="str", required=True),
        metadata=dict(type="dict", required=True, no_log=True),
        iam_role_arn=dict(type="str"),
        resource_type=dict(type="str"),
        idempotency_token=dict(type="str", no_log=False),
        **AWS_ARG_SPEC,
    )), restore_job)


if __name__ == "__main__":
    main()
