#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: hci_edge_device_job
short_description: Start an Azure Local (Azure Stack HCI) edge device job (log collection or remote support)
version_added: 0.1.0
description:
  - Creates a log collection (O(job_type=CollectLog)) or remote support (O(job_type=RemoteSupport)) job on the edge
    device of an Azure Local (Azure Stack HCI) Arc machine with a PUT of C(Microsoft.AzureStackHCI/edgeDevices/jobs)
    (C(EdgeDeviceJobs_CreateOrUpdate)); the body has C(kind) V(HCI) and the job's C(properties).
  - After the PUT the module follows the long-running operation (C(Azure-AsyncOperation), else C(Location)) to
    its end, honouring C(Retry-After), within O(wait_timeout). A job that failed is returned, not raised.
  - A job named O(job_name) that already exists with the same properties starts nothing and is returned
    (C(changed=false)). One that exists with different properties fails the task before any PUT, since jobs are
    not edited; use a new O(job_name).
  - With O(wait=true) the module then polls until the job is terminal.
  - Every name, date and the O(resource_uri) are checked before any request is sent.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  resource_uri:
    description:
      - The ARM id of the Arc machine the edge device belongs to,
        C(/subscriptions/{subscription id}/resourceGroups/{group}/providers/Microsoft.HybridCompute/machines/{name}).
    type: str
    required: true
  edge_device_name:
    description:
      - The name of the edge device on the machine; Azure Local names it V(default).
    type: str
    default: default
  job_name:
    description:
      - The name of the job to create; 3 to 24 letters, digits or hyphens.
    type: str
    required: true
    aliases: [job_id]
  job_type:
    description:
      - V(CollectLog) collects logs between O(from_date) and O(to_date).
      - V(RemoteSupport) enables or revokes Microsoft support's remote access (O(remote_support_type)).
    type: str
    choices: [CollectLog, RemoteSupport]
    required: true
  deployment_mode:
    description:
      - V(Deploy) runs the job; V(Validate) only validates it.
    type: str
    choices: [Validate, Deploy]
    default: Deploy
  from_date:
    description:
      - Start of the log window, ISO 8601 (no zone means UTC), for example V(2025-05-01T00:00:00Z).
      - Required with O(job_type=CollectLog); refused otherwise.
    type: str
  to_date:
    description:
      - End of the log window, ISO 8601; later than O(from_date).
      - Required with O(job_type=CollectLog); refused otherwise.
    type: str
  access_level:
    description:
      - What remote support may do.
      - Required with O(job_type=RemoteSupport); refused otherwise.
    type: str
    choices: ["None", Diagnostics, DiagnosticsAndRepair]
  expiration_timestamp:
    description:
      - When remote access ends, ISO 8601.
      - Required with O(job_type=RemoteSupport); refused otherwise.
    type: str
  remote_support_type:
    description:
      - V(Enable) grants remote access; V(Revoke) withdraws it (the job's C(properties.type)).
      - Required with O(job_type=RemoteSupport); refused otherwise.
    type: str
    choices: [Enable, Revoke]
  api_version:
    description:
      - The C(api-version) of the Microsoft.AzureStackHCI resource provider to call.
      - Defaults to the stable V(2025-10-01); a preview version of the same job shape, such as
        V(2024-09-01-preview), is used when given here.
    type: str
    default: "2025-10-01"
notes:
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (Azure RBAC): C(Microsoft.AzureStackHCI/edgeDevices/jobs/write) to start the job (PUT); C(Microsoft.AzureStackHCI/edgeDevices/jobs/read)
    to find a job of the same name, read the job it starts; C(Microsoft.AzureStackHCI/locations/operationStatuses/read)
    to follow the PUT''s long-running operation (its Azure-AsyncOperation URL).'
  - Assign them at O(resource_uri) or above (its resource group, the subscription). Azure custom role definitions
    for reading and for starting are in the collection's C(docs/permissions.md).
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.azure
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_start
seealso:
  - module: jobgate.cloud.hci_edge_device_job_info
  - name: Edge Device Jobs REST API reference
    description: The Resource Manager operations this module calls.
    link: https://learn.microsoft.com/rest/api/stackhci/edge-device-jobs
"""

EXAMPLES = r"""
- name: Collect a day of logs from a machine and wait for the collection
  jobgate.cloud.hci_edge_device_job:
    resource_uri: /subscriptions/{{ subscription_id }}/resourceGroups/edge-rg/providers/Microsoft.HybridCompute/machines/node-1
    job_name: collect-logs-0412
    job_type: CollectLog
    from_date: "2025-04-11T00:00:00Z"
    to_date: "2025-04-12T00:00:00Z"
    wait: true
  register: collect

- name: Give Microsoft support diagnostic access for a week
  jobgate.cloud.hci_edge_device_job:
    resource_uri: "{{ machine_id }}"
    job_name: remote-support-0412
    job_type: RemoteSupport
    access_level: Diagnostics
    expiration_timestamp: "{{ '%Y-%m-%dT%H:%M:%SZ' | strftime(now(utc=true).timestamp() + 7 * 86400, utc=true) }}"
    remote_support_type: Enable

- name: Revoke it again
  jobgate.cloud.hci_edge_device_job:
    resource_uri: "{{ machine_id }}"
    job_name: revoke-support-0419
    job_type: RemoteSupport
    access_level: "None"
    expiration_timestamp: "2025-04-19T00:00:00Z"
    remote_support_type: Revoke
"""

RETURN = r"""
jobs:
  description:
    - The job created or found, the whole ARM resource (C(id), C(name), C(type), C(kind), C(properties),
      C(system_data)) with keys in snake_case plus C(normalized), as M(jobgate.cloud.hci_edge_device_job_info)
      returns it.
  returned: always
  type: list
  elements: dict
  sample:
    - id: "/subscriptions/fd3c3665-1729-4b7b-9a38-238e83b0f98b/resourceGroups/edge-rg/providers/Microsoft.HybridCompute/machines/node-1\
        /providers/Microsoft.AzureStackHCI/edgeDevices/default/jobs/collect-logs-0412"
      name: collect-logs-0412
      type: Microsoft.AzureStackHCI/edgeDevices/jobs
      kind: HCI
      properties:
        job_type: CollectLog
        from_date: "2025-04-11T00:00:00Z"
        to_date: "2025-04-12T00:00:00Z"
        deployment_mode: Deploy
        provisioning_state: Succeeded
        status: Succeeded
      normalized:
        provider: hci_edge_device
        job_id: collect-logs-0412
        native_status: Succeeded
        state: succeeded
        terminal: true
        succeeded: true
        percent_complete: 100
        message: null
        created_at: "2025-04-12T08:00:00Z"
        updated_at: "2025-04-12T08:03:00Z"
        finished_at: "2025-04-12T08:03:00Z"
  contains:
    id:
      description: The job's ARM id.
      type: str
      returned: always
    name:
      description: The job's name.
      type: str
      returned: always
    kind:
      description: V(HCI).
      type: str
      returned: always
    properties:
      description: The job's properties, keys in snake_case.
      type: dict
      returned: always
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
          description: The job's ID, to pass back in O(jobgate.cloud.hci_edge_device_job_info#module:job_name).
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
would_start:
  description: In check mode, what the module would start, one entry per job.
  returned: in check mode
  type: list
  elements: dict
  sample:
    - job_name: collect-logs-0412
      edge_device_name: default
      kind: HCI
      job_type: CollectLog
      deployment_mode: Deploy
      properties:
        jobType: CollectLog
        deploymentMode: Deploy
        fromDate: '2025-04-11T00:00:00Z'
        toDate: '2025-04-12T00:00:00Z'
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when RV(jobs) has exactly one entry
  type: dict
  sample:
    normalized:
      provider: hci_edge_device
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

from ansible_collections.jobgate.cloud.plugins.module_utils._azure.credentials import AZURE_ARG_SPEC
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import run_module, task_module
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_edge_device.source import DEFAULT_API_VERSION, DEFAULT_EDGE_DEVICE
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_edge_device.start import edge_device_job


def main() -> None:
    run_module(task_module(dict(
        resource_uri=dict(type="str", required=True),
        edge_device_name=dict(type="str", default=DEFAULT_EDGE_DEVICE),
        job_name=dict(type="str", required=True, aliases=["job_id"]),
        job_type=dict(type="str", choices=["CollectLog", "RemoteSupport"], required=True),
        deployment_mode=dict(type="str", choices=["Validate", "Deploy"], default="Deploy"),
        from_date=dict(type="str"),
        to_date=dict(type="str"),
        access_level=dict(type="str", choices=["None", "Diagnostics", "DiagnosticsAndRepair"]),
        expiration_timestamp=dict(type="str"),
        remote_support_type=dict(type="str", choices=["Enable", "Revoke"]),
        api_version=dict(type="str", default=DEFAULT_API_VERSION),
        **AZURE_ARG_SPEC,
    )), edge_device_job)


if __name__ == "__main__":
    main()
