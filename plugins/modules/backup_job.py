#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: backup_job
short_description: Start an on-demand AWS Backup backup job
version_added: 0.1.0
description:
  - Starts an on-demand backup of one resource (a database, a file system, a volume, an instance ...) into a
    backup vault with C(StartBackupJob).
  - A backup is asked for on purpose, so without O(idempotency_token) every run starts a backup and reports
    C(changed=true). With O(idempotency_token), running the task again returns the job the token started.
  - With O(wait=true) the module polls until the job is terminal. V(COMPLETED) is success; V(PARTIAL) (some of
    the resource was not backed up), V(FAILED) and V(EXPIRED) are failures, V(ABORTED) is canceled.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  backup_vault_name:
    description:
      - The backup vault to store the recovery point in; 2 to 50 letters, digits, V(-) or V(_).
    type: str
    required: true
  resource_arn:
    description:
      - The ARN of the resource to back up, for example V(arn:aws:rds:us-east-1:123456789012:db:orders-db).
    type: str
    required: true
  iam_role_arn:
    description:
      - The IAM role AWS Backup assumes to create the recovery point, for example
        V(arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole).
    type: str
    required: true
  idempotency_token:
    description:
      - A token that makes the call idempotent (C(IdempotencyToken)); a rerun with the same token and the same
        options returns the job the token started, and that job is not a change.
      - Left out, every run starts a new backup (each run sends a fresh token, so retries within the run never
        start a second one).
      - In check mode the module cannot tell whether a token was used before (the API never shows tokens), so it
        reports the job as one that would start.
    type: str
  start_window_minutes:
    description:
      - Minutes after which the job expires (state V(EXPIRED)) if it has not started; at least 60. The API's
        default is 8 hours.
    type: int
  complete_window_minutes:
    description:
      - Minutes, counted from when the job was created, within which a started backup must complete, or AWS
        Backup stops it.
    type: int
  lifecycle:
    description:
      - When the recovery point moves to cold storage and when it is deleted.
    type: dict
    suboptions:
      move_to_cold_storage_after_days:
        description:
          - Days after creation before the recovery point moves to cold storage.
        type: int
      delete_after_days:
        description:
          - Days after creation before the recovery point is deleted; at least 90 more than
            O(lifecycle.move_to_cold_storage_after_days) when both are set.
        type: int
      opt_in_to_archive_for_supported_resources:
        description:
          - Whether resource types that support it move to the archive (cold storage) tier.
        type: bool
      delete_after_event:
        description:
          - Delete the recovery point after this event.
        type: str
        choices: [DELETE_AFTER_COPY]
  recovery_point_tags:
    description:
      - Tags for the recovery point; keys are kept as given.
    type: dict
  backup_options:
    description:
      - Backup options, as the API takes them, for example C(WindowsVSS=enabled) for a Windows VSS backup of an
        EC2 instance.
    type: dict
notes:
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (AWS IAM): C(backup:StartBackupJob) to start the job; C(iam:PassRole) to pass O(iam_role_arn) to
    AWS Backup; C(backup:ListBackupJobs) to tell a new job from an earlier run''s (with O(idempotency_token)); C(backup:DescribeBackupJob)
    to read the job it starts.'
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_start
seealso:
  - module: jobgate.cloud.backup_job_info
  - module: jobgate.cloud.restore_job
  - name: StartBackupJob API reference
    description: The AWS Backup operation this module calls.
    link: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartBackupJob.html
"""

EXAMPLES = r"""
- name: Back up the orders database before the migration, once per release
  jobgate.cloud.backup_job:
    backup_vault_name: release-vault
    resource_arn: arn:aws:rds:us-east-1:123456789012:db:orders-db
    iam_role_arn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
    idempotency_token: "release-{{ release_id }}"
    lifecycle:
      delete_after_days: 35
    recovery_point_tags:
      Release: "{{ release_id }}"
    wait: true
    wait_timeout: 7200
  register: backup

- name: Migrate only after a complete backup
  ansible.builtin.assert:
    that: backup.summary.all_succeeded
    fail_msg: "Backup {{ backup.job.normalized.job_id }} ended {{ backup.job.state }}: {{ backup.job.normalized.message }}"
"""

RETURN = r"""
jobs:
  description:
    - The job started (or returned for the token), the C(DescribeBackupJob) answer with keys in snake_case plus
      C(normalized), as M(jobgate.cloud.backup_job_info) returns it; its RV(jobgate.cloud.backup_job_info#module:jobs)
      lists every key, the keys a gate reads most are below.
  returned: always
  type: list
  elements: dict
  sample:
    - backup_job_id: 8E0F4C2A-6D1B-4F7A-9C3E-2B5D7A9F1E40
      state: COMPLETED
      percent_done: "100.0"
      recovery_point_arn: arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-8e0f4c2a-6d1b-4f7a-9c3e-2b5d7a9f1e40
      completion_date: "2024-05-01T12:40:00+00:00"
      normalized:
        provider: backup_job
        job_id: 8E0F4C2A-6D1B-4F7A-9C3E-2B5D7A9F1E40
        native_status: COMPLETED
        state: succeeded
        terminal: true
        succeeded: true
        percent_complete: 100
        message: null
        created_at: "2024-05-01T12:00:00Z"
        updated_at: "2024-05-01T12:40:00Z"
        finished_at: "2024-05-01T12:40:00Z"
  contains:
    backup_job_id:
      description: The backup job's ID.
      type: str
      returned: always
    state:
      description: The API's State, V(CREATED), V(PENDING), V(RUNNING), V(ABORTING), V(ABORTED), V(COMPLETED), V(FAILED), V(EXPIRED) or V(PARTIAL).
      type: str
      returned: always
    percent_done:
      description: The API's estimate of the share done, a decimal string such as V(42.0).
      type: str
      returned: when the API reports it
    recovery_point_arn:
      description: The ARN of the recovery point the job creates; restore from it with M(jobgate.cloud.restore_job).
      type: str
      returned: always
    status_message:
      description: Why the job is in its state; read it when the job did not complete.
      type: str
      returned: when the API reports it
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
          description: The job's ID, to pass back in O(jobgate.cloud.backup_job_info#module:backup_job_id).
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
would_start:
  description: In check mode, what the module would start, one entry per job.
  returned: in check mode
  type: list
  elements: dict
  sample:
    - backup_vault_name: release-vault
      resource_arn: arn:aws:rds:us-east-1:123456789012:db:orders-db
      iam_role_arn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
      idempotency_token: null
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when RV(jobs) has exactly one entry
  type: dict
  sample:
    normalized:
      provider: backup_job
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
from ansible_collections.jobgate.cloud.plugins.module_utils._backup.service import LIFECYCLE_OPTION
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_job.start import backup_job
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import run_module, task_module


def main() -> None:
    run_module(task_module(dict(
        backup_vault_name=dict(type="str", required=True),
        resource_arn=dict(type="str", required=True),
        iam_role_arn=dict(type="str", required=True),
        idempotency_token=dict(type="str", no_log=False),
        start_window_minutes=dict(type="int"),
        complete_window_minutes=dict(type="int"),
        lifecycle=LIFECYCLE_OPTION,
        recovery_point_tags=dict(type="dict"),
        backup_options=dict(type="dict"),
        **AWS_ARG_SPEC,
    )), backup_job)


if __name__ == "__main__":
    main()
