#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: hci_edge_device_job_info
short_description: Get the status of Azure Local (Azure Stack HCI) edge device jobs
version_added: 0.1.0
description:
  - Gets Azure Local (formerly Azure Stack HCI) edge device jobs (log collection and remote support jobs of an
    Azure Local machine, resource type C(Microsoft.AzureStackHCI/edgeDevices/jobs)) from Azure Resource Manager, one
    job, several jobs, or every job of the edge device.
  - Without O(job_name) or O(job_names) the module lists the edge device's jobs (C(EdgeDeviceJobs_ListByEdgeDevice)),
    following C(nextLink) to the end.
  - Every job carries a C(normalized) block with the same shape for every kind of job the collection knows.
  - With O(wait=true) the module polls until every job is terminal.
  - Every name and the O(resource_uri) are checked before any request is sent.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  job_name:
    description:
      - The name of one job on the edge device.
      - 3 to 24 letters, digits or hyphens.
      - Mutually exclusive with O(job_names).
    type: str
    aliases: [job_id]
  job_names:
    description:
      - The names of several jobs. From four names on, they are read from the edge device's job list
        (ListByEdgeDevice) in as few requests as its pages allow; a name the list lacks is read on its own.
      - Duplicates are fetched once; RV(jobs) keeps the order of the list.
      - Mutually exclusive with O(job_name).
    type: list
    elements: str
    aliases: [job_ids]
  resource_uri:
    description:
      - The ARM id of the Arc machine the edge device belongs to,
        C(/subscriptions/{subscription id}/resourceGroups/{group}/providers/Microsoft.HybridCompute/machines/{name}).
      - The leading V(/) may be left out; a trailing V(/), V(..), V(?), V(#), percent-encoding and control
        characters are refused.
    type: str
    required: true
  edge_device_name:
    description:
      - The name of the edge device on the machine; Azure Local names it V(default).
      - 3 to 24 letters, digits or hyphens.
    type: str
    default: default
  api_version:
    description:
      - The C(api-version) of the Microsoft.AzureStackHCI resource provider to call.
      - V(YYYY-MM-DD) or V(YYYY-MM-DD-preview). The default is the stable version; the preview versions with the
        same edge device job shape (V(2024-09-01-preview) and the others since V(2023-12-01-preview)) work too,
        when asked for.
    type: str
    default: "2025-10-01"
notes:
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (Azure RBAC): C(Microsoft.AzureStackHCI/edgeDevices/jobs/read) to read and list the edge device''s
    jobs.'
  - Assign them at O(resource_uri) or above (its resource group, the subscription). Azure custom role definitions
    for reading and for starting are in the collection's C(docs/permissions.md).
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.azure
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_info
seealso:
  - name: Edge Device Jobs REST API reference
    description: The Resource Manager operations this module calls.
    link: https://learn.microsoft.com/rest/api/stackhci/edge-device-jobs
"""

EXAMPLES = r"""
- name: Get one log collection job with AWX's Azure credential (AZURE_* environment variables)
  jobgate.cloud.hci_edge_device_job_info:
    resource_uri: /subscriptions/{{ subscription_id }}/resourceGroups/edge-rg/providers/Microsoft.HybridCompute/machines/node-1
    job_name: collect-logs-0412
  register: collect

- name: Wait for remote support to be enabled on two machines' jobs, with a service principal profile
  jobgate.cloud.hci_edge_device_job_info:
    resource_uri: "{{ machine_id }}"
    job_names:
      - remote-support-1
      - remote-support-2
    profile: edge-ops
    wait: true
    wait_timeout: 1800
    wait_sleep: 15
  register: support

- name: Stop when a job failed
  ansible.builtin.assert:
    that: support.summary.all_succeeded
    fail_msg: "{{ support.jobs | rejectattr('normalized.succeeded') | map(attribute='normalized.message') | list }}"

- name: List every job of the edge device on Azure Stack Hub style Resource Manager
  jobgate.cloud.hci_edge_device_job_info:
    resource_uri: "{{ machine_id }}"
    cloud_environment: https://management.local.azurestack.external
    api_version: 2025-10-01
  register: all_jobs
"""

RETURN = r"""
jobs:
  description:
    - The jobs, each the whole ARM resource (C(id), C(name), C(type), C(kind), C(properties), C(system_data)) with
      keys in snake_case, plus C(normalized).
    - In the order of O(job_names); in list mode in the order Resource Manager listed them.
  returned: always
  type: list
  elements: dict
  sample:
    - id: "/subscriptions/fd3c3665-1729-4b7b-9a38-238e83b0f98b/resourceGroups/edge-rg/providers/Microsoft.HybridCompute/machines/node-1\
        /providers/Microsoft.AzureStackHCI/edgeDevices/default/jobs/remote-support-1"
      name: remote-support-1
      type: Microsoft.AzureStackHCI/edgeDevices/jobs
      kind: HCI
      properties:
        job_type: RemoteSupport
        access_level: Diagnostics
        type: Enable
        expiration_timestamp: "2025-01-29T10:43:27Z"
        deployment_mode: Deploy
        provisioning_state: Succeeded
        job_id: 7a3c1f0e-0c4d-4d5e-9a43-1d2e3f4a5b6c
        start_time_utc: "2025-01-28T10:43:30Z"
        end_time_utc: "2025-01-28T10:45:02Z"
        status: Succeeded
        reported_properties:
          percent_complete: 100
      system_data:
        created_by: 00000000-0000-0000-0000-000000000000
        created_by_type: Application
        created_at: "2025-01-28T10:43:28Z"
        last_modified_by: 00000000-0000-0000-0000-000000000000
        last_modified_by_type: Application
        last_modified_at: "2025-01-28T10:45:02Z"
      normalized:
        provider: hci_edge_device
        job_id: remote-support-1
        native_status: Succeeded
        state: succeeded
        terminal: true
        succeeded: true
        percent_complete: 100
        message: null
        created_at: "2025-01-28T10:43:28Z"
        updated_at: "2025-01-28T10:45:02Z"
        finished_at: "2025-01-28T10:45:02Z"
  contains:
    id:
      description: The job's ARM id.
      type: str
      returned: always
    name:
      description: The job's name, what O(job_name) takes.
      type: str
      returned: always
    type:
      description: V(Microsoft.AzureStackHCI/edgeDevices/jobs).
      type: str
      returned: always
    kind:
      description: The edge solution kind, V(HCI) for Azure Local (Azure Stack HCI).
      type: str
      returned: when the API reports it
    properties:
      description:
        - The job's properties in snake_case, for example C(job_type) (V(CollectLog), V(RemoteSupport)),
          C(deployment_mode), C(provisioning_state), C(status), C(start_time_utc), C(end_time_utc) and
          C(reported_properties) (C(percent_complete), C(validation_status), C(deployment_status), C(node_settings)).
      type: dict
      returned: always
    system_data:
      description: Who created and last changed the job, and when.
      type: dict
      returned: when the API reports it
    # BEGIN normalized: generated from tools/returns.yml by `make docs`; edit it there
    normalized:
      description: The job's status in the collection's vocabulary, the same for every kind of job.
      type: dict
      returned: always
      contains:
        provider:
          description: V(hci_edge_device).
          type: str
          returned: always
        job_id:
          description: The job's ID, to pass back in O(job_name).
          type: str
          returned: always
        native_status:
          description: C(properties.status), or null when the job has none.
          type: str
          returned: always
        state:
          description:
            - V(pending) (Scheduled), V(running) (ValidationInProgress, DeploymentInProgress, ValidationSuccess in Deploy
              mode), V(paused) (Paused), V(succeeded) (Succeeded, DeploymentSuccess, ValidationSuccess in Validate mode),
              V(failed) (Failed, ValidationFailed, DeploymentFailed), V(canceled) (Canceled), or V(unknown).
            - Without C(properties.status), C(provisioning_state) Failed gives V(failed), Canceled V(canceled), Accepted,
              Provisioning or Updating V(running), anything else V(unknown).
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
          description: C(reported_properties.percent_complete), or null.
          type: int
          returned: always
        message:
          description: The first exception text of the validation or deployment steps, or the node's connection error
            message, or null.
          type: str
          returned: always
        created_at:
          description: C(system_data.created_at) (else C(start_time_utc)), ISO 8601 in UTC, or null.
          type: str
          returned: always
        updated_at:
          description: C(system_data.last_modified_at), ISO 8601 in UTC, or null.
          type: str
          returned: always
        finished_at:
          description: C(end_time_utc), ISO 8601 in UTC, or null while the job is open.
          type: str
          returned: always
    # END normalized
# BEGIN shared: generated from tools/returns.yml by `make docs`; edit it there
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when exactly one job was asked for with O(job_name) (or a one-element O(job_names))
  type: dict
  sample:
    normalized:
      provider: hci_edge_device
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
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_edge_device.source import INFO_ARG_SPEC, edge_device_job_info


def main() -> None:
    run_module(task_module(INFO_ARG_SPEC), edge_device_job_info)


if __name__ == "__main__":
    main()
