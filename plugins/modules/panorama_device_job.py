#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: panorama_device_job
short_description: Start AWS Panorama device jobs (software updates and reboots)
version_added: 0.1.0
description:
  - Starts over-the-air software updates (O(job_type=OTA)) or reboots (O(job_type=REBOOT)) of AWS Panorama
    appliances with C(CreateJobForDevices), one call per device (the API takes one device per call), started
    concurrently with a bounded pool.
  - O(job_type=OTA) is idempotent. A device that already runs O(image_version) gets no job and is listed in
    RV(unchanged_devices) (C(DescribeDevice)). A device with an unfinished OTA job to O(image_version) gets no new
    job; that job is returned instead (C(ListDevicesJobs) and C(DescribeDeviceJob)).
  - O(job_type=REBOOT) always starts a job.
  - Every device is looked at before any job starts, so a device that does not exist fails the task before anything
    is started.
  - With O(wait=true) the module polls until every returned job is terminal.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  device_ids:
    description:
      - The IDs of the devices to update or reboot.
      - Letters, digits, V(-) and V(_), 1 to 255 characters. Duplicates are handled once.
    type: list
    elements: str
    required: true
  job_type:
    description:
      - V(OTA) installs O(image_version); V(REBOOT) restarts the device.
    type: str
    choices: [OTA, REBOOT]
    required: true
  image_version:
    description:
      - The software version to install, for example V(4.3.55).
      - Required with O(job_type=OTA); refused with O(job_type=REBOOT).
    type: str
  allow_major_version_update:
    description:
      - Whether an OTA update may cross a major version (C(AllowMajorVersionUpdate)).
      - Only with O(job_type=OTA).
    type: bool
    default: false
notes:
  - AWS ended support for AWS Panorama on 31 May 2026, and botocore removed the Panorama service model in
    1.43.38. This module stays for whatever still serves the Panorama API (and for the emulator); it carries its own
    copy of the model, so it works with any botocore.
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (AWS IAM): C(panorama:CreateJobForDevices) to start the job; C(panorama:DescribeDevice) to read each
    device''s software version (with O(job_type=OTA)); C(panorama:ListDevicesJobs) to find an open OTA job of the
    device (with O(job_type=OTA)); C(panorama:DescribeDeviceJob) to read the jobs it finds or starts.'
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_start
seealso:
  - module: jobgate.cloud.panorama_device_job_info
  - name: CreateJobForDevices API reference
    description: The AWS Panorama operation this module calls.
    link: https://docs.aws.amazon.com/panorama/latest/api/API_CreateJobForDevices.html
"""

EXAMPLES = r"""
- name: Update two appliances to 4.3.55 and wait for the updates
  jobgate.cloud.panorama_device_job:
    device_ids:
      - device-4tafxo3vmtu7awdfdnqbbjlqa4
      - device-z7hf3mgm5ddk2aqzgb6tcg4gpe
    job_type: OTA
    image_version: 4.3.55
    wait: true
    wait_timeout: 3600
    wait_sleep: 30
  register: ota

- name: Stop when an update failed
  ansible.builtin.assert:
    that: ota.summary.all_succeeded           # also true when every device was already on 4.3.55
    fail_msg: "{{ ota.jobs | rejectattr('normalized.succeeded') | map(attribute='normalized.message') | list }}"

- name: Reboot one appliance, then gate on the reboot with the role
  jobgate.cloud.panorama_device_job:
    device_ids: [device-4tafxo3vmtu7awdfdnqbbjlqa4]
    job_type: REBOOT
    region: us-east-1
  register: reboot

- name: Wait for the reboot
  ansible.builtin.include_role:
    name: jobgate.cloud.wait_for_job
  vars:
    wait_for_job_kind: panorama_device
    wait_for_job_ids: "{{ reboot.jobs | map(attribute='job_id') | list }}"
"""

RETURN = r"""
jobs:
  description:
    - The jobs started or found, in the order of O(device_ids), each the C(DescribeDeviceJob) output with keys in
      snake_case plus C(normalized), as M(jobgate.cloud.panorama_device_job_info) returns them.
    - Devices in RV(unchanged_devices) have no entry.
  returned: always
  type: list
  elements: dict
  sample:
    - job_id: 2c9d4e5a-7d3b-4a0e-9f1e-3b5e8f0c1a2b
      job_type: OTA
      device_id: device-4tafxo3vmtu7awdfdnqbbjlqa4
      device_name: lobby-camera-hub
      image_version: 4.3.55
      status: PENDING
      created_time: "2024-05-01T12:00:00+00:00"
      normalized:
        provider: panorama_device
        job_id: 2c9d4e5a-7d3b-4a0e-9f1e-3b5e8f0c1a2b
        native_status: PENDING
        state: pending
        terminal: false
        succeeded: false
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
    device_id:
      description: The device's ID.
      type: str
      returned: always
    job_type:
      description: V(OTA) or V(REBOOT).
      type: str
      returned: always
    status:
      description: The API's status.
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
          description: The job's ID, to pass back in O(jobgate.cloud.panorama_device_job_info#module:job_id).
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
unchanged_devices:
  description: The devices that already run O(image_version) and got no job (always empty for V(REBOOT)).
  returned: always
  type: list
  elements: str
  sample: [device-z7hf3mgm5ddk2aqzgb6tcg4gpe]
# BEGIN shared: generated from tools/returns.yml by `make docs`; edit it there
would_start:
  description: In check mode, what the module would start, one entry per job.
  returned: in check mode
  type: list
  elements: dict
  sample:
    - device_id: device-4tafxo3vmtu7awdfdnqbbjlqa4
      job_type: OTA
      image_version: 4.3.55
      allow_major_version_update: false
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when RV(jobs) has exactly one entry
  type: dict
  sample:
    normalized:
      provider: panorama_device
      state: running
      terminal: false
summary:
  description:
    - Counts of the jobs by normalized state, and whether all are terminal, all succeeded, any failed.
    - With no job at all because every device is already on O(image_version) (all in RV(unchanged_devices)), RV(summary.all_terminal)
      and RV(summary.all_succeeded) are true; nothing is left to wait for, so a rerun of C(start, wait, assert all_succeeded)
      passes. In check mode the same holds when nothing would start.
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
      description: Whether every job is terminal (true when no device needed a job).
      type: bool
      returned: always
    all_succeeded:
      description: Whether every job succeeded (true when no device needed a job).
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
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_device.start import device_job


def main() -> None:
    run_module(task_module(dict(
        device_ids=dict(type="list", elements="str", required=True),
        job_type=dict(type="str", choices=["OTA", "REBOOT"], required=True),
        image_version=dict(type="str"),
        allow_major_version_update=dict(type="bool", default=False),
        **AWS_ARG_SPEC,
    )), device_job)


if __name__ == "__main__":
    main()
