#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: panorama_package_import_job_info
short_description: Get the status of AWS Panorama package import jobs
version_added: 0.1.0
description:
  - Gets AWS Panorama package import jobs with C(DescribePackageImportJob), one job, several jobs, or every job the
    API lists.
  - Without O(job_id) or O(job_ids) the module lists import jobs with C(ListPackageImportJobs), paginated to the end;
    the list carries each job's status.
  - Every job carries a C(normalized) block with the same shape for every kind of job the collection knows.
  - With O(wait=true) the module polls until every job is terminal.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  job_id:
    description:
      - The ID of one package import job, as returned by C(CreatePackageImportJob).
      - Letters, digits, V(-) and V(_), 1 to 255 characters.
      - Mutually exclusive with O(job_ids).
    type: str
  job_ids:
    description:
      - The IDs of several package import jobs, fetched concurrently with a bounded pool.
      - While waiting on four or more jobs, C(ListPackageImportJobs) tells which jobs changed, and only those are
        described again.
      - Duplicates are fetched once; RV(jobs) keeps the order of the list.
      - Mutually exclusive with O(job_id).
    type: list
    elements: str
notes:
  - AWS ended support for AWS Panorama on 31 May 2026, and botocore removed the Panorama service model in
    1.43.38. This module stays for whatever still serves the Panorama API (and for the emulator); it carries its own
    copy of the model, so it works with any botocore.
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (AWS IAM): C(panorama:DescribePackageImportJob) to read each job; C(panorama:ListPackageImportJobs)
    to list jobs (in list mode; with 4 or more ids it saves requests, and without it they are described one by one).'
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_info
seealso:
  - module: jobgate.cloud.panorama_device_job_info
  - name: DescribePackageImportJob API reference
    description: The AWS Panorama operation this module calls.
    link: https://docs.aws.amazon.com/panorama/latest/api/API_DescribePackageImportJob.html
"""

EXAMPLES = r"""
- name: Wait for a package import to finish
  jobgate.cloud.panorama_package_import_job_info:
    job_id: "{{ import_job_id }}"
    region: us-east-1
    wait: true
    wait_timeout: 900
  register: package_import

- name: Show why the import failed
  ansible.builtin.fail:
    msg: "{{ package_import.job.normalized.message }}"
  when: package_import.job.normalized.state == 'failed'

- name: List every package import job of the account and region
  jobgate.cloud.panorama_package_import_job_info:
    profile: edge-fleet
    region: eu-west-1
  register: imports

- name: Names of the imports still open
  ansible.builtin.debug:
    msg: "{{ imports.jobs | rejectattr('normalized.terminal') | map(attribute='job_id') | list }}"
"""

RETURN = r"""
jobs:
  description:
    - The jobs, each the C(DescribePackageImportJob) output with keys in snake_case, plus C(normalized).
    - In list mode the entries come from C(ListPackageImportJobs), which carries the status but not the input and
      output configuration.
    - In the order of O(job_ids); in list mode in the order the API listed them.
  returned: always
  type: list
  elements: dict
  sample:
    - job_id: 0d4c1e2f-5a6b-4c7d-8e9f-0a1b2c3d4e5f
      job_type: NODE_PACKAGE_VERSION
      status: SUCCEEDED
      status_message: Package import succeeded.
      client_token: import-people-counter-1
      created_time: "2024-05-01T12:00:00+00:00"
      last_updated_time: "2024-05-01T12:03:10+00:00"
      input_config:
        package_version_input_config:
          s3_location:
            bucket_name: my-panorama-packages
            object_key: people-counter/manifest.json
            region: us-east-1
      output_config:
        package_version_output_config:
          package_name: people_counter
          package_version: "1.0"
          mark_latest: true
      output:
        package_id: package-4fh4emu6l2ywkmzaajaq2f2ave
        package_arn: arn:aws:panorama:us-east-1:123456789012:package/package-4fh4emu6l2ywkmzaajaq2f2ave
        package_version: "1.0"
        patch_version: 9a8b7c
        output_s3_location:
          bucket_name: my-panorama-packages
          object_key: people-counter/output.json
      job_tags: []
      normalized:
        provider: panorama_package_import
        job_id: 0d4c1e2f-5a6b-4c7d-8e9f-0a1b2c3d4e5f
        native_status: SUCCEEDED
        state: succeeded
        terminal: true
        succeeded: true
        percent_complete: null
        message: Package import succeeded.
        created_at: "2024-05-01T12:00:00Z"
        updated_at: "2024-05-01T12:03:10Z"
        finished_at: "2024-05-01T12:03:10Z"
  contains:
    job_id:
      description: The job's ID.
      type: str
      returned: always
    job_type:
      description: V(NODE_PACKAGE_VERSION) or V(MARKETPLACE_NODE_PACKAGE_VERSION).
      type: str
      returned: always
    status:
      description: The API's status, V(PENDING), V(SUCCEEDED) or V(FAILED).
      type: str
      returned: always
    status_message:
      description: The API's status message.
      type: str
      returned: when the API reports it
    client_token:
      description: The client token the job was created with.
      type: str
      returned: when the job was described (not in list mode)
    created_time:
      description: When the job was created.
      type: str
      returned: always
    last_updated_time:
      description: When the job last changed.
      type: str
      returned: always
    input_config:
      description: Where the package was imported from, as the API returns it.
      type: dict
      returned: when the job was described (not in list mode)
    output_config:
      description: The package name and version the import produces, as the API returns it.
      type: dict
      returned: when the job was described (not in list mode)
    output:
      description: The imported package, once the import succeeded.
      type: dict
      returned: when the job was described and has succeeded
    job_tags:
      description: Tags applied to the package, as the API returns them (tag keys and values kept as they are).
      type: list
      elements: dict
      returned: when the job was described (not in list mode)
    # BEGIN normalized: generated from tools/returns.yml by `make docs`; edit it there
    normalized:
      description: The job's status in the collection's vocabulary, the same for every kind of job.
      type: dict
      returned: always
      contains:
        provider:
          description: V(panorama_package_import).
          type: str
          returned: always
        job_id:
          description: The job's ID, to pass back in O(job_id).
          type: str
          returned: always
        native_status:
          description: The API's status string, or null.
          type: str
          returned: always
        state:
          description:
            - V(pending) (PENDING), V(succeeded) (SUCCEEDED), V(failed) (FAILED), or V(unknown) for anything else.
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
          description: Always null for package import jobs; the API reports no progress figure.
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
          description: When the job last changed (C(LastUpdatedTime)), ISO 8601 in UTC, or null.
          type: str
          returned: always
        finished_at:
          description: When the job finished (its C(LastUpdatedTime) once terminal), ISO 8601 in UTC, or null while
            the job is open.
          type: str
          returned: always
    # END normalized
# BEGIN shared: generated from tools/returns.yml by `make docs`; edit it there
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when exactly one job was asked for with O(job_id) (or a one-element O(job_ids))
  type: dict
  sample:
    normalized:
      provider: panorama_package_import
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
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_package_import.source import (
    INFO_ARG_SPEC, package_import_job_info,
)


def main() -> None:
    run_module(task_module(INFO_ARG_SPEC), package_import_job_info)


if __name__ == "__main__":
    main()
