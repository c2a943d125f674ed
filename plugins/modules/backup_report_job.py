#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: backup_report_job
short_description: Start an AWS Backup report job
version_added: 0.1.0
description:
  - Starts an on-demand report job of an AWS Backup report plan with C(StartReportJob).
  - Reports are run on purpose, again and again, so without O(idempotency_token) every run starts a report and
    reports C(changed=true).
  - With O(idempotency_token), running the task again returns the job the token started; that job is not a change
    when it existed before the task began.
  - With O(wait=true) the module polls until the job is terminal.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  report_plan_name:
    description:
      - The report plan to run; a letter, then letters, digits and underscores, at most 256 characters.
    type: str
    required: true
  idempotency_token:
    description:
      - A token that makes the call idempotent (C(IdempotencyToken)); the same token returns the same job.
      - Left out, each run sends a fresh token (so retries within the run never start a second report).
      - In check mode the module cannot tell whether a token was used before (the API never shows tokens), so it
        reports the job as one that would start.
    type: str
notes:
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (AWS IAM): C(backup:StartReportJob) to start the job; C(backup:ListReportJobs) to tell a new job
    from an earlier run''s (with O(idempotency_token)); C(backup:DescribeReportJob) to read the job it starts.'
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_start
seealso:
  - module: jobgate.cloud.backup_report_job_info
  - name: StartReportJob API reference
    description: The AWS Backup operation this module calls.
    link: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartReportJob.html
"""

EXAMPLES = r"""
- name: Run the nightly report and wait for it
  jobgate.cloud.backup_report_job:
    report_plan_name: nightly_backup_jobs
    wait: true
  register: report

- name: Run the report once per change window, safe to rerun
  jobgate.cloud.backup_report_job:
    report_plan_name: nightly_backup_jobs
    idempotency_token: "change-{{ change_id }}"
  register: report_once

- name: Where the report went
  ansible.builtin.debug:
    var: report.job.report_destination
"""

RETURN = r"""
jobs:
  description:
    - The job started (or returned for the token), the C(ReportJob) object of C(DescribeReportJob) with keys in
      snake_case plus C(normalized), as M(jobgate.cloud.backup_report_job_info) returns it.
  returned: always
  type: list
  elements: dict
  sample:
    - report_job_id: 9a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d
      report_plan_arn: arn:aws:backup:us-east-1:123456789012:report-plan:nightly_backup_jobs-4a7b8c9d
      report_template: BACKUP_JOB_REPORT
      creation_time: "2024-05-01T12:00:00+00:00"
      status: CREATED
      normalized:
        provider: backup_report
        job_id: 9a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d
        native_status: CREATED
        state: pending
        terminal: false
        succeeded: false
        percent_complete: null
        message: null
        created_at: "2024-05-01T12:00:00Z"
        updated_at: null
        finished_at: null
  contains:
    report_job_id:
      description: The report job's ID.
      type: str
      returned: always
    status:
      description: The API's status, V(CREATED), V(RUNNING), V(COMPLETED) or V(FAILED).
      type: str
      returned: always
    # BEGIN normalized: generated from tools/returns.yml by `make docs`; edit it there
    normalized:
      description: The job's status in the collection's vocabulary, the same for every kind of job.
      type: dict
      returned: always
      contains:
        provider:
          description: V(backup_report).
          type: str
          returned: always
        job_id:
          description: The job's ID, to pass back in O(jobgate.cloud.backup_report_job_info#module:report_job_id).
          type: str
          returned: always
        native_status:
          description: The API's status string, or null.
          type: str
          returned: always
        state:
          description:
            - V(pending) (CREATED), V(running) (RUNNING), V(succeeded) (COMPLETED), V(failed) (FAILED), or V(unknown)
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
          description: Always null for report jobs; the API reports no progress figure.
          type: int
          returned: always
        message:
          description: The API's C(StatusMessage), or null.
          type: str
          returned: always
        created_at:
          description: When the job was created, ISO 8601 in UTC.
          type: str
          returned: always
        updated_at:
          description: The job's C(CompletionTime) (the API has no separate update time), ISO 8601 in UTC, or null.
          type: str
          returned: always
        finished_at:
          description: When the job completed (C(CompletionTime)), ISO 8601 in UTC, or null while the job is open.
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
    - report_plan_name: nightly_backup_jobs
      idempotency_token: null
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when RV(jobs) has exactly one entry
  type: dict
  sample:
    normalized:
      provider: backup_report
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
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_report.start import report_job
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import run_module, task_module


def main() -> None:
    run_module(task_module(dict(
        report_plan_name=dict(type="str", required=True),
        idempotency_token=dict(type="str", no_log=False),
        **AWS_ARG_SPEC,
    )), report_job)


if __name__ == "__main__":
    main()
