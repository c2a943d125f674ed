#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: panorama_device_job_info
short_description: Get the status of AWS Panorama device jobs
version_added: 0.1.0
description:
  - Gets AWS Panorama device jobs (over-the-air software updates and reboots of Panorama appliances) with
    C(DescribeDeviceJob), one job, several jobs, or every job the API lists.
  - Without O(job_id) or O(job_ids) the module lists device jobs with C(ListDevicesJobs) (optionally for one
    O(device_id)), paginated to the end, and describes each listed job, because the list has no status.
  - Every job carries a C(normalized) block with the same shape for every kind of job the collection knows.
  - With O(wait=true) the module polls until every job is terminal.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  job_id:
    description:
      - The ID of one device job, as returned by C(CreateJobForDevices).
      - Letters, digits, V(-) and V(_), 1 to 255 characters.
      - Mutually exclusive with O(job_ids) and O(device_id).
    type: str
  job_ids:
    description:
      - The IDs of several device jobs, fetched concurrently with a bounded pool.
      - Duplicates are fetched once; RV(jobs) keeps the order of the list.
      - Mutually exclusive with O(job_id) and O(device_id).
    type: list
    elements: str
  device_id:
    description:
      - In list mode, only the jobs of this device.
    type: str
notes:
  - AWS ended support for AWS Panorama on 31 May 2026, and botocore removed the Panorama service model in
    1.43.38. This module stays for whatever still serves the Panorama API (and for the emulator); it carries its own
    copy of the model, so it works with any botocore.
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (AWS IAM): C(panorama:DescribeDeviceJob) to read each job; C(panorama:ListDevicesJobs) to list jobs
    (in list mode).'
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_info
seealso:
  - module: jobgate.cloud.panorama_package_import_job_info
  - name: DescribeDeviceJob API reference
    description: The AWS Panorama operation this module calls.
    link: https://docs.aws.amazon.com/panorama/latest/api/API_DescribeDeviceJob.html
"""

EXAMPLES = r"""
- name: Get one device job
  jobgate.cloud.panorama_device_job_info:
    job_id: "{{ ota_job_id }}"
    region: us-east-1
  register: device_job

- name: Wait for an OTA update to finish on several appliances
  jobgate.cloud.panorama_device_job_info:
    job_ids: "{{ started.jobs | map(attribute='job_id') | list }}"
    wait: true
    wait_timeout: 3600
    wait_sleep: 30
  register: ota

- name: Stop when an update failed
  ansible.builtin.assert:
    that: ota.summary.all_succeeded
    fail_msg: "{{ ota.jobs | rejectattr('normalized.succeeded') | map(attribute='normalized.message') | list }}"

- name: List every job of one device
  jobgate.cloud.panorama_device_job_info:
    device_id: device-4tafxo3vmtu7awdfdnqbbjlqa4
    profile: edge-fleet
  register: device_history
"""

RETURN = r"""
jobs:
  description:
    - The jobs, each the C(DescribeDeviceJob) output with keys in snake_case, plus C(normalized).
    - In the order of O(job_ids); in list mode in the order the API listed them.
  returned: always
  type: list
  elements: dict
  sample:
    - job_id: 2c9d4e5a-7d3b-4a0e-9f1e-3b5e8f0c1a2b
      job_type: OTA
      device_id: device-4tafxo3vmtu7awdfdnqbbjlqa4
      device_name: lobby-camera-hub
      device_arn: arn:aws:panorama:us-east-1:123456789012:device/device-4tafxo3vmtu7awdfdnqbbjlqa4
      device_type: PANORAMA_APPLIANCE
      image_version: 4.3.55
      status: COMPLETED
      created_time: "2024-05-01T12:00:00+00:00"
      normalized:
        provider: panorama_device
        job_id: 2c9d4e5a-7d3b-4a0e-9f1e-3b5e8f0c1a2b
        native_status: COMPLETED
        state: succeeded
        terminal: true
        succeeded: true
        percent_complete: null
        message: null
        created_at: "2024-05-01T12:00:00Z"
        updated_at: null
        finished_at: null
  contains:
    job_id:
      description: The job's ID.
      type: str
      returned: always
    job_type:
      description: V(OTA) or V(REBOOT).
      type: str
      returned: always
    device_id:
      description: The device's ID.
      type: str
      returned: always
    device_name:
      description: The device's name.
      type: str
      returned: always
    device_arn:
      description: The device's ARN.
      type: str
      returned: always
    device_type:
      description: The device's type.
      type: str
      returned: always
    image_version:
      description: For an OTA job, the software version the device is updated to.
      type: str
      returned: when the API reports it
    status:
      description: The API's status, V(PENDING), V(IN_PROGRESS), V(DOWNLOADING), V(VERIFYING), V(REBOOTING), V(COMPLETED) or V(FAILED).
      type: str
      returned: always
    created_time:
      description: When the job was created.
      type: str
      returned: always
    # BEGIN normalized: generated from tools/returns.yml by `make docs`; edit it there
    normalized:
      description: The job's status in the collection's vocabulary, the same for every kind of job.
      type: dict
      returned: always
      contains:
        provider:
          description: V(panorama_device).
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
            - V(pending) (PENDING), V(running) (IN_PROGRESS, DOWNLOADING, VERIFYING, REBOOTING), V(succeeded) (COMPLETED),
              V(failed) (FAILED), or V(unknown) for anything else.
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
          description: Always null for device jobs; the API reports no progress figure.
          type: int
          returned: always
        message:
          description: Always null for device jobs; C(DescribeDeviceJob) has no status message.
          type: str
          returned: always
        created_at:
          description: When the job was created, ISO 8601 in UTC.
          type: str
          returned: always
        updated_at:
          description: Always null for device jobs; C(DescribeDeviceJob) has no update time.
          type: str
          returned: always
        finished_at:
          description: Always null for device jobs; C(DescribeDeviceJob) has no end time.
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
      provider: panorama_device
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
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_device.source import INFO_ARG_SPEC, device_job_info


def main() -> None:
    run_module(task_module(INFO_ARG_SPEC), device_job_info)


if __name__ == "__main__":
    main()
