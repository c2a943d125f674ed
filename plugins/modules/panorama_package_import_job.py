#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: panorama_package_import_job
short_description: Start an AWS Panorama package import job
version_added: 0.1.0
description:
  - Imports a node package version from S3 into AWS Panorama with C(CreatePackageImportJob).
  - Idempotent through O(client_token). Left out, the token is a digest of the other inputs, so running the same
    task again returns the job the first run started instead of starting another one.
  - C(changed) is true only when the returned job did not exist before the task (the module lists the import
    jobs before the call to tell).
  - With O(wait=true) the module polls until the job is terminal.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  job_type:
    description:
      - The kind of import, C(JobType).
    type: str
    choices: [NODE_PACKAGE_VERSION, MARKETPLACE_NODE_PACKAGE_VERSION]
    default: NODE_PACKAGE_VERSION
  input_config:
    description:
      - Where the package manifest is (C(InputConfig.PackageVersionInputConfig)).
    type: dict
    required: true
    suboptions:
      s3_location:
        description: The manifest's S3 location.
        type: dict
        required: true
        suboptions:
          bucket_name:
            description: The bucket, 1 to 255 characters.
            type: str
            required: true
          object_key:
            description: The manifest's object key, 1 to 255 characters.
            type: str
            required: true
          region:
            description: The bucket's region.
            type: str
  output_config:
    description:
      - The package version to create (C(OutputConfig.PackageVersionOutputConfig)).
    type: dict
    required: true
    suboptions:
      package_name:
        description: The node package's name; letters, digits, V(-) and V(_), 1 to 128 characters.
        type: str
        required: true
      package_version:
        description: The package version, C(MAJOR.MINOR), for example V(1.0).
        type: str
        required: true
      mark_latest:
        description: Whether to mark the new patch version as the latest one. Left out, the API decides.
        type: bool
  job_tags:
    description:
      - Tags for the resources the job creates (C(JobTags)).
    type: list
    elements: dict
    suboptions:
      resource_type:
        description: The kind of resource the tags go on.
        type: str
        choices: [PACKAGE]
        default: PACKAGE
      tags:
        description: Tag keys and values; at most 50 tags.
        type: dict
        required: true
  client_token:
    description:
      - The idempotency token, C(ClientToken); letters, digits, V(-) and V(_), at most 64 characters.
      - Left out, a digest of O(job_type), O(input_config), O(output_config) and O(job_tags) (V(jobgate-) and 56
        hexadecimal digits), the same on every run with the same inputs.
      - A token already used with different inputs fails the task; jobs are not edited.
    type: str
notes:
  - AWS ended support for AWS Panorama on 31 May 2026, and botocore removed the Panorama service model in
    1.43.38. This module stays for whatever still serves the Panorama API (and for the emulator); it carries its own
    copy of the model, so it works with any botocore.
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (AWS IAM): C(panorama:CreatePackageImportJob) to start the job; C(panorama:ListPackageImportJobs)
    to tell a new job from an earlier run''s; C(panorama:DescribePackageImportJob) to read the job it finds or starts.'
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_start
seealso:
  - module: jobgate.cloud.panorama_package_import_job_info
  - name: CreatePackageImportJob API reference
    description: The AWS Panorama operation this module calls.
    link: https://docs.aws.amazon.com/panorama/latest/api/API_CreatePackageImportJob.html
"""

EXAMPLES = r"""
- name: Import a node package version and wait for the import
  jobgate.cloud.panorama_package_import_job:
    input_config:
      s3_location:
        bucket_name: my-panorama-packages
        object_key: people_counter/1.0/package.json
        region: us-east-1
    output_config:
      package_name: people_counter
      package_version: "1.0"
      mark_latest: true
    job_tags:
      - resource_type: PACKAGE
        tags:
          CostCenter: edge-vision
    wait: true
  register: package_import

- name: Fail when the import failed
  ansible.builtin.assert:
    that: package_import.job.normalized.succeeded
    fail_msg: "{{ package_import.job.normalized.message }}"
"""

RETURN = r"""
jobs:
  description:
    - The job started (or returned for the token), the C(DescribePackageImportJob) output with keys in snake_case
      plus C(normalized), as M(jobgate.cloud.panorama_package_import_job_info) returns it.
  returned: always
  type: list
  elements: dict
  sample:
    - job_id: 8d2b8b0e-5c63-4ad4-9d4e-0a1b2c3d4e5f
      job_type: NODE_PACKAGE_VERSION
      client_token: jobgate-3f0c9a5d2e6b47c1a8e9f00112233445566778899aabbccddeeff0011
      status: PENDING
      status_message: Import job is pending.
      job_tags:
        - resource_type: PACKAGE
          tags:
            CostCenter: edge-vision
      normalized:
        provider: panorama_package_import
        job_id: 8d2b8b0e-5c63-4ad4-9d4e-0a1b2c3d4e5f
        native_status: PENDING
        state: pending
        terminal: false
        succeeded: false
        percent_complete: null
        message: Import job is pending.
        created_at: "2024-05-01T12:00:00Z"
        updated_at: "2024-05-01T12:00:00Z"
        finished_at: null
  contains:
    job_id:
      description: The job's ID.
      type: str
      returned: always
    status:
      description: The API's status, V(PENDING), V(SUCCEEDED) or V(FAILED).
      type: str
      returned: always
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
          description: The job's ID, to pass back in O(jobgate.cloud.panorama_package_import_job_info#module:job_id).
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
client_token:
  description: The client token sent (or that would be sent), given or derived.
  returned: always
  type: str
  sample: jobgate-3f0c9a5d2e6b47c1a8e9f00112233445566778899aabbccddeeff0011
# BEGIN shared: generated from tools/returns.yml by `make docs`; edit it there
would_start:
  description: In check mode, what the module would start, one entry per job.
  returned: in check mode
  type: list
  elements: dict
  sample:
    - job_type: NODE_PACKAGE_VERSION
      client_token: jobgate-3f0c9a5d2e6b47c1a8e9f00112233445566778899aabbccddeeff0011
      package_name: people_counter
      package_version: '1.0'
      bucket_name: my-panorama-packages
      object_key: people_counter/1.0/package.json
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when RV(jobs) has exactly one entry
  type: dict
  sample:
    normalized:
      provider: panorama_package_import
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
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_package_import.start import package_import_job


def main() -> None:
    run_module(task_module(dict(
        job_type=dict(type="str", choices=["NODE_PACKAGE_VERSION", "MARKETPLACE_NODE_PACKAGE_VERSION"], default="NODE_PACKAGE_VERSION"),
        input_config=dict(type="dict", required=True, options=dict(
            s3_location=dict(type="dict", required=True, options=dict(
                bucket_name=dict(type="str", required=True),
                object_key=dict(type="str", required=True, no_log=False),
                region=dict(type="str"),
            )),
        )),
        output_config=dict(type="dict", required=True, options=dict(
            package_name=dict(type="str", required=True),
            package_version=dict(type="str", required=True),
            mark_latest=dict(type="bool"),
        )),
        job_tags=dict(type="list", elements="dict", options=dict(
            resource_type=dict(type="str", choices=["PACKAGE"], default="PACKAGE"),
            tags=dict(type="dict", required=True),
        )),
        client_token=dict(type="str", no_log=False),
        **AWS_ARG_SPEC,
    )), package_import_job)


if __name__ == "__main__":
    main()
