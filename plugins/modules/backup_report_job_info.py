#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: backup_report_job_info
short_description: Get the status of AWS Backup report jobs
version_added: 0.1.0
description:
  - Gets AWS Backup Audit Manager report jobs with C(DescribeReportJob), one job, several jobs, or every job the
    API lists.
  - Without O(report_job_id) or O(job_ids) the module lists report jobs with C(ListReportJobs), paginated to the end,
    filtered by O(report_plan_name), O(status), O(created_after) and O(created_before).
  - Every job carries a C(normalized) block with the same shape for every kind of job the collection knows.
  - With O(wait=true) the module polls until every job is terminal.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  report_job_id:
    description:
      - The ID of one report job, as returned by C(StartReportJob).
      - At most 1024 bytes; V(..), V(/), V(?) and V(#) are refused.
      - Mutually exclusive with O(job_ids) and the list filters.
    type: str
    aliases: [job_id]
  job_ids:
    description:
      - The IDs of several report jobs. From four IDs on, the module reads them through C(ListReportJobs) (few
        requests however many jobs, which throttled accounts need; the caller needs C(backup:ListReportJobs) for
        it) and describes on its own, concurrently with a bounded pool, only what the list did not return. Without
        that permission it falls back to C(DescribeReportJob) per job.
      - Duplicates are fetched once; RV(jobs) keeps the order of the list.
      - Mutually exclusive with O(report_job_id) and the list filters.
    type: list
    elements: str
  report_plan_name:
    description:
      - In list mode, only the jobs of this report plan.
    type: str
  status:
    description:
      - In list mode, only the jobs in this status.
    type: str
    choices: [CREATED, RUNNING, COMPLETED, FAILED]
notes:
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (AWS IAM): C(backup:DescribeReportJob) to read each job; C(backup:ListReportJobs) to list jobs (in
    list mode; with 4 or more ids it saves requests, and without it they are described one by one).'
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_info
  - jobgate.cloud.backup_created
seealso:
  - name: DescribeReportJob API reference
    description: The AWS Backup operation this module calls.
    link: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeReportJob.html
"""

EXAMPLES = r"""
- name: Start a report and wait for it
  block:
    - name: Start the report job
      jobgate.cloud.backup_report_job:
        report_plan_name: daily_jobs
        region: us-east-1
      register: started

    - name: Wait for the report
      jobgate.cloud.backup_report_job_info:
        report_job_id: "{{ started.jobs[0].report_job_id }}"
        region: us-east-1
        wait: true
        wait_timeout: 600
      register: report

    - name: Where the report went
      ansible.builtin.debug:
        msg: "{{ report.job.report_destination.s3_keys }}"
      when: report.job.normalized.succeeded

- name: Failed report jobs of one plan this month
  jobgate.cloud.backup_report_job_info:
    report_plan_name: daily_jobs
    status: FAILED
    created_after: "2024-05-01"
  register: failed_reports
"""

RETURN = r"""
jobs:
  description:
    - The jobs, each the C(ReportJob) object of C(DescribeReportJob) with keys in snake_case, plus C(normalized).
    - In list mode the entries are the C(ReportJob) objects C(ListReportJobs) returns.
    - In the order of O(job_ids); in list mode in the order the API listed them.
  returned: always
  type: list
  elements: dict
  sample:
    - report_job_id: 9a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
      report_plan_arn: arn:aws:backup:us-east-1:123456789012:report-plan:daily_jobs-4a7b8c9d
      report_template: BACKUP_JOB_REPORT
      creation_time: "2024-05-01T12:00:00+00:00"
      completion_time: "2024-05-01T12:05:00+00:00"
      status: COMPLETED
      status_message: null
      report_destination:
        s3_bucket_name: my-backup-reports
        s3_keys:
          - Backup/123456789012/2024/05/01/daily_jobs.csv
      normalized:
        provider: backup_report
        job_id: 9a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
        native_status: COMPLETED
        state: succeeded
        terminal: true
        succeeded: true
        percent_complete: null
        message: null
        created_at: "2024-05-01T12:00:00Z"
        updated_at: "2024-05-01T12:05:00Z"
        finished_at: "2024-05-01T12:05:00Z"
  contains:
    report_job_id:
      description: The report job's ID.
      type: str
      returned: always
    report_plan_arn:
      description: The ARN of the report plan the job ran.
      type: str
      returned: always
    report_template:
      description: The report template, for example V(BACKUP_JOB_REPORT).
      type: str
      returned: always
    creation_time:
      description: When the job was created.
      type: str
      returned: always
    completion_time:
      description: When the job completed.
      type: str
      returned: when the job has completed
    status:
      description: The API's status, V(CREATED), V(RUNNING), V(COMPLETED) or V(FAILED).
      type: str
      returned: always
    status_message:
      description: Why the job is in its status; read it when the job failed.
      type: str
      returned: when the API reports it
    report_destination:
      description: The S3 bucket and keys the report was published to.
      type: dict
      returned: when the report was published
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
          description: The job's ID, to pass back in O(report_job_id).
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
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when exactly one job was asked for with O(report_job_id) (or a one-element O(job_ids))
  type: dict
  sample:
    normalized:
      provider: backup_report
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

from ansible_collections.jobgate.cloud.plugins.module_utils._backup_report.source import INFO_ARG_SPEC, report_job_info
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import run_module, task_module


def main() -> None:
    run_module(task_module(INFO_ARG_SPEC), report_job_info)


if __name__ == "__main__":
    main()
