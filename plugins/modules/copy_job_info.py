#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: copy_job_info
short_description: Get the status of AWS Backup copy jobs
version_added: 0.1.0
description:
  - Gets AWS Backup copy jobs (a recovery point copied to another backup vault, often in another region or
    account) with C(DescribeCopyJob), one job, several jobs, or every job the API lists.
  - Without O(copy_job_id) or O(job_ids) the module lists copy jobs with C(ListCopyJobs), paginated to the end,
    filtered by O(state), O(resource_arn), O(resource_type), O(destination_vault_arn),
    O(source_recovery_point_arn), O(parent_job_id), O(created_after) and O(created_before).
  - A parent (composite) copy job is one job; its child jobs are jobs of their own, which the module does not
    expand (list them with O(parent_job_id)). A parent that ends V(PARTIAL) failed for a gate.
  - Every job carries a C(normalized) block with the same shape for every kind of job the collection knows.
  - With O(wait=true) the module polls until every job is terminal.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  copy_job_id:
    description:
      - The ID of one copy job, as returned by C(StartCopyJob).
      - At most 1024 bytes; V(..), V(/), V(?) and V(#) are refused.
      - Mutually exclusive with O(job_ids) and the list filters.
    type: str
    aliases: [job_id]
  job_ids:
    description:
      - The IDs of several copy jobs. From four IDs on, the module reads them through C(ListCopyJobs) (few
        requests however many jobs; the caller needs C(backup:ListCopyJobs) for it) and describes on its own,
        concurrently with a bounded pool, only what the list did not return, among them parent jobs (whose child
        counts only C(DescribeCopyJob) is relied on for) and jobs older than the list covers.
      - Duplicates are fetched once; RV(jobs) keeps the order of the list.
      - Mutually exclusive with O(copy_job_id) and the list filters.
    type: list
    elements: str
  state:
    description:
      - In list mode, only the jobs in this state.
    type: str
    choices: [CREATED, RUNNING, COMPLETED, FAILED, PARTIAL]
  resource_arn:
    description:
      - In list mode, only the copies of recovery points of this resource.
    type: str
  resource_type:
    description:
      - In list mode, only the jobs copying this resource type, for example V(RDS), V(EBS) or V(DynamoDB).
    type: str
  destination_vault_arn:
    description:
      - In list mode, only the jobs copying into this backup vault (its ARN).
    type: str
  source_recovery_point_arn:
    description:
      - In list mode, only the copies of this recovery point.
    type: str
  parent_job_id:
    description:
      - In list mode, only the child jobs of this parent (composite) copy job.
    type: str
notes:
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (AWS IAM): C(backup:DescribeCopyJob) to read each job; C(backup:ListCopyJobs) to list jobs (in list
    mode; with 4 or more ids it saves requests, and without it they are described one by one).'
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_info
  - jobgate.cloud.backup_created
seealso:
  - module: jobgate.cloud.copy_job
  - module: jobgate.cloud.backup_job_info
  - name: DescribeCopyJob API reference
    description: The AWS Backup operation this module calls.
    link: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeCopyJob.html
"""

EXAMPLES = r"""
- name: Wait for the disaster recovery copy before failing over
  jobgate.cloud.copy_job_info:
    copy_job_id: "{{ copy.job.normalized.job_id }}"
    wait: true
    wait_timeout: 7200
  register: copied

- name: The recovery point in the other region
  ansible.builtin.debug:
    msg: "{{ copied.job.destination_recovery_point_arn }}"
  when: copied.summary.all_succeeded

- name: Copies into the disaster recovery vault that failed since Monday
  jobgate.cloud.copy_job_info:
    state: FAILED
    destination_vault_arn: arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault
    created_after: "2024-05-06"
  register: failed_copies
"""

RETURN = r"""
jobs:
  description:
    - The jobs, each the C(CopyJob) of the C(DescribeCopyJob) answer with keys in snake_case, plus C(normalized).
    - In list mode, and for many ids, the entries are the C(ListCopyJobs) entries, which have the same members.
    - In the order of O(job_ids); in list mode in the order the API listed them.
  returned: always
  type: list
  elements: dict
  sample:
    - copy_job_id: 0B2A7F6E-3D1C-4E5B-8A9F-7C6D5E4B3A21
      account_id: "123456789012"
      source_backup_vault_arn: arn:aws:backup:us-east-1:123456789012:backup-vault:release-vault
      source_recovery_point_arn: arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-8e0f4c2a
      destination_backup_vault_arn: arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault
      destination_recovery_point_arn: arn:aws:rds:us-west-2:123456789012:snapshot:awsbackup:copyjob-0b2a7f6e
      resource_arn: arn:aws:rds:us-east-1:123456789012:db:orders-db
      resource_type: RDS
      resource_name: orders-db
      creation_date: "2024-05-01T13:00:00+00:00"
      completion_date: "2024-05-01T13:25:00+00:00"
      state: COMPLETED
      backup_size_in_bytes: 21474836480
      iam_role_arn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
      is_parent: false
      normalized:
        provider: copy_job
        job_id: 0B2A7F6E-3D1C-4E5B-8A9F-7C6D5E4B3A21
        native_status: COMPLETED
        state: succeeded
        terminal: true
        succeeded: true
        percent_complete: null
        message: null
        created_at: "2024-05-01T13:00:00Z"
        updated_at: "2024-05-01T13:25:00Z"
        finished_at: "2024-05-01T13:25:00Z"
  contains:
    copy_job_id:
      description: The copy job's ID.
      type: str
      returned: always
    source_backup_vault_arn:
      description: The backup vault the recovery point is copied from.
      type: str
      returned: when the API reports it
    source_recovery_point_arn:
      description: The recovery point copied.
      type: str
      returned: when the API reports it
    destination_backup_vault_arn:
      description: The backup vault the recovery point is copied to.
      type: str
      returned: when the API reports it
    destination_recovery_point_arn:
      description: The copy, a recovery point in the destination vault.
      type: str
      returned: when the API reports it
    resource_arn:
      description: The resource the recovery point was taken of.
      type: str
      returned: when the API reports it
    resource_type:
      description: The resource's type, for example V(RDS) or V(EBS).
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
    creation_date:
      description: When the job was created.
      type: str
      returned: always
    completion_date:
      description: When the job ended.
      type: str
      returned: when the job has ended
    backup_size_in_bytes:
      description: The size of the recovery point copied.
      type: int
      returned: when the API reports it
    iam_role_arn:
      description: The IAM role the copy runs as.
      type: str
      returned: when the API reports it
    is_parent:
      description: Whether the job is a parent (composite) job; its children are jobs of their own.
      type: bool
      returned: when the API reports it
    parent_job_id:
      description: The parent (composite) job of a child job.
      type: str
      returned: for a child job
    number_of_child_jobs:
      description: How many child jobs a parent job has.
      type: int
      returned: for a parent job
    child_jobs_in_state:
      description:
        - How many of a parent job's child jobs are in each state; the keys are the API's state names as it
          gives them (V(COMPLETED), V(FAILED) ...), not converted to snake_case.
      type: dict
      returned: for a parent job
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
          description: The job's ID, to pass back in O(copy_job_id).
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
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when exactly one job was asked for with O(copy_job_id) (or a one-element O(job_ids))
  type: dict
  sample:
    normalized:
      provider: copy_job
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

from ansible_collections.jobgate.cloud.plugins.module_utils._copy_job.source import INFO_ARG_SPEC, copy_job_info
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import run_module, task_module


def main() -> None:
    run_module(task_module(INFO_ARG_SPEC), copy_job_info)


if __name__ == "__main__":
    main()
