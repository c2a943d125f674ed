#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: copy_job
short_description: Start an AWS Backup copy job
version_added: 0.1.0
description:
  - Copies a recovery point to another backup vault, in this or another region or account (disaster recovery),
    with C(StartCopyJob).
  - A copy is asked for on purpose, so without O(idempotency_token) every run starts a copy and reports
    C(changed=true). With O(idempotency_token), running the task again returns the job the token started.
  - With O(wait=true) the module polls until the job is terminal; a copy that ends V(PARTIAL) or V(FAILED) fails
    the gate.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  recovery_point_arn:
    description:
      - The ARN of the recovery point to copy, for example the
        RV(jobgate.cloud.backup_job#module:jobs[].recovery_point_arn) of a backup job.
    type: str
    required: true
  source_backup_vault_name:
    description:
      - The backup vault that holds the recovery point.
    type: str
    required: true
  destination_backup_vault_arn:
    description:
      - The ARN of the backup vault to copy to, for example
        V(arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault).
    type: str
    required: true
  iam_role_arn:
    description:
      - The IAM role AWS Backup assumes to make the copy.
    type: str
    required: true
  idempotency_token:
    description:
      - A token that makes the call idempotent (C(IdempotencyToken)); a rerun with the same token and the same
        options returns the job the token started, and that job is not a change.
      - Left out, every run starts a new copy (each run sends a fresh token, so retries within the run never
        start a second one).
      - In check mode the module cannot tell whether a token was used before (the API never shows tokens), so it
        reports the job as one that would start.
    type: str
  lifecycle:
    description:
      - When the copy moves to cold storage and when it is deleted.
    type: dict
    suboptions:
      move_to_cold_storage_after_days:
        description:
          - Days after creation before the copy moves to cold storage.
        type: int
      delete_after_days:
        description:
          - Days after creation before the copy is deleted; at least 90 more than
            O(lifecycle.move_to_cold_storage_after_days) when both are set.
        type: int
      opt_in_to_archive_for_supported_resources:
        description:
          - Whether resource types that support it move to the archive (cold storage) tier.
        type: bool
      delete_after_event:
        description:
          - Delete the copy after this event.
        type: str
        choices: [DELETE_AFTER_COPY]
notes:
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (AWS IAM): C(backup:StartCopyJob) to start the job; C(iam:PassRole) to pass O(iam_role_arn) to AWS
    Backup; C(backup:ListCopyJobs) to tell a new job from an earlier run''s (with O(idempotency_token)); C(backup:DescribeCopyJob)
    to read the job it starts.'
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_start
seealso:
  - module: jobgate.cloud.copy_job_info
  - module: jobgate.cloud.backup_job
  - name: StartCopyJob API reference
    description: The AWS Backup operation this module calls.
    link: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartCopyJob.html
"""

EXAMPLES = r"""
- name: Copy the release backup to the disaster recovery region and wait for it
  jobgate.cloud.copy_job:
    recovery_point_arn: "{{ backup.job.recovery_point_arn }}"
    source_backup_vault_name: release-vault
    destination_backup_vault_arn: arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault
    iam_role_arn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
    lifecycle:
      delete_after_days: 35
    idempotency_token: "dr-copy-{{ release_id }}"
    wait: true
    wait_timeout: 7200
  register: copy

- name: The copy in the other region
  ansible.builtin.debug:
    msg: "{{ copy.job.destination_recovery_point_arn }}"
"""

RETURN = r"""
jobs:
  description:
    - The job started (or returned for the token), the C(CopyJob) of the C(DescribeCopyJob) answer with keys in
      snake_case plus C(normalized), as M(jobgate.cloud.copy_job_info) returns it; its
      RV(jobgate.cloud.copy_job_info#module:jobs) lists every key, the keys a gate reads most are below.
  returned: always
  type: list
  elements: dict
  sample:
    - copy_job_id: 0B2A7F6E-3D1C-4E5B-8A9F-7C6D5E4B3A21
      source_recovery_point_arn: arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-8e0f4c2a
      destination_backup_vault_arn: arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault
      state: RUNNING
      normalized:
        provider: copy_job
        job_id: 0B2A7F6E-3D1C-4E5B-8A9F-7C6D5E4B3A21
        native_status: RUNNING
        state: running
        terminal: false
        succeeded: false
        percent_complete: null
        message: null
        created_at: "2024-05-01T13:00:00Z"
        updated_at: null
        finished_at: null
  contains:
    copy_job_id:
      description: The copy job's ID.
      type: str
      returned: always
    source_recovery_point_arn:
      description: The recovery point copied.
      type: str
      returned: when the API reports it
    destination_backup_vault_arn:
      description: The backup vault copied to.
      type: str
      returned: when the API reports it
    destination_recovery_point_arn:
      description: The copy, a recovery point in the destination vault.
      type: str
      returned: when the API reports it
    state:
      description: The API's State, V(CREATED), V(RUNNING), V(COMPLETED), V(FAILED) or V(PARTIAL).
      type: str
      returned: always
    status_message:
      description: Why the job is in its state; read it when the job failed.
      type: str
      returned: when the API reports it
    # BEGIN normalized: generated from tools/returns.yml by `make docs`; edit it there
    normalized:
      description: The job's status in the collection's vocabulary, the same for every kind of job.
      type: dict
      returned: always
      contains:
        provider:
          description: V(copy_job).
          type: str
          returned: always
        job_id:
          description: The job's ID, to pass back in O(jobgate.cloud.copy_job_info#module:copy_job_id).
          type: str
          returned: always
        native_status:
          description: The API's status string, or null.
          type: str
          returned: always
        state:
          description:
            - V(pending) (CREATED), V(running) (RUNNING), V(succeeded) (COMPLETED), V(failed) (FAILED, PARTIAL, a parent
              job some of whose copies did not complete), or V(unknown) for anything else.
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
          description: Always null (a copy job reports no progress).
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
    - recovery_point_arn: arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-8e0f4c2a
      source_backup_vault_name: release-vault
      destination_backup_vault_arn: arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault
      iam_role_arn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
      idempotency_token: null
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when RV(jobs) has exactly one entry
  type: dict
  sample:
    normalized:
      provider: copy_job
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
from ansible_collections.jobgate.cloud.plugins.module_utils._copy_job.start import copy_job
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import run_module, task_module


def main() -> None:
    run_module(task_module(dict(
        recovery_point_arn=dict(type="str", required=True),
        source_backup_vault_name=dict(type="str", required=True),
        destination_backup_vault_arn=dict(type="str", required=True),
        iam_role_arn=dict(type="str", required=True),
        idempotency_token=dict(type="str", no_log=False),
        lifecycle=LIFECYCLE_OPTION,
        **AWS_ARG_SPEC,
    )), copy_job)


if __name__ == "__main__":
    main()
