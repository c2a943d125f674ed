#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: hci_update_run_info
short_description: Get the status of Azure Local (Azure Stack HCI) update runs
version_added: 0.1.0
description:
  - Gets the runs of a solution update on an Azure Local (formerly Azure Stack HCI) cluster (resource type
    C(Microsoft.AzureStackHCI/clusters/updates/updateRuns)) from Azure Resource Manager, one run, several runs, or
    every run of the update.
  - Without O(run_name) or O(run_names) the module lists the update's runs (C(UpdateRuns_List)), following
    C(nextLink) to the end.
  - Every run carries a C(normalized) block with the same shape for every kind of job the collection knows. A run's
    C(normalized.message) is the root cause of its failure, the most deeply nested error message of its step tree.
  - With O(wait=true) the module polls until every run is terminal. A run whose state is V(Unknown) is not.
  - The O(cluster_id) and every name are checked before any request is sent.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
  run_name:
    description:
      - The name of one run of the update, as its URL has it (a GUID; the last segment of the run's C(id)).
      - Mutually exclusive with O(run_names).
    type: str
    aliases: [job_id]
  run_names:
    description:
      - The names of several runs. From four names on, they are read from the update's run list
        (C(UpdateRuns_List)) in as few requests as its pages allow; a name the list lacks is read on its own.
      - Duplicates are fetched once; RV(jobs) keeps the order of the list.
      - Mutually exclusive with O(run_name).
    type: list
    elements: str
    aliases: [job_ids]
  cluster_id:
    description:
      - The ARM id of the Azure Local cluster,
        C(/subscriptions/{subscription id}/resourceGroups/{group}/providers/Microsoft.AzureStackHCI/clusters/{name}).
      - The leading V(/) may be left out; a trailing V(/), V(..), V(?), V(#), percent-encoding and control
        characters are refused.
    type: str
    required: true
  update_name:
    description:
      - The name of the update whose runs to read, for example V(Solution12.2604.1003.20).
      - 1 to 128 letters, digits, V(.), V(_) or V(-).
    type: str
    required: true
  api_version:
    description:
      - The C(api-version) of the Microsoft.AzureStackHCI resource provider to call.
      - V(YYYY-MM-DD) or V(YYYY-MM-DD-preview). The default is the stable version.
    type: str
    default: "2025-10-01"
notes:
  # BEGIN permissions: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
  - 'Permissions (Azure RBAC): C(Microsoft.AzureStackHCI/clusters/updates/updateRuns/read) to read and list the update''s
    runs.'
  - Assign them at O(cluster_id) or above (its resource group, the subscription). Azure custom role definitions for
    reading and for starting are in the collection's C(docs/permissions.md).
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.azure
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_info
seealso:
  - module: jobgate.cloud.hci_update
  - name: Update Runs REST API reference
    description: The Resource Manager operations this module calls.
    link: https://learn.microsoft.com/rest/api/stackhci/update-runs
"""

EXAMPLES = r"""
- name: Wait for an update run with AWX's Azure credential (AZURE_* environment variables)
  jobgate.cloud.hci_update_run_info:
    cluster_id: /subscriptions/{{ subscription_id }}/resourceGroups/edge-rg/providers/Microsoft.AzureStackHCI/clusters/cluster-1
    update_name: Solution12.2604.1003.20
    run_name: 23b779ba-0d52-4a80-8571-45ca74664ec3
    wait: true
    wait_timeout: 14400
    wait_sleep: 60
  register: update_run

- name: Stop with the root cause when the run failed
  ansible.builtin.assert:
    that: update_run.summary.all_succeeded
    fail_msg: "{{ update_run.job.normalized.message }}"

- name: List every run of the update
  jobgate.cloud.hci_update_run_info:
    cluster_id: "{{ cluster_id }}"
    update_name: Solution12.2604.1003.20
  register: all_runs
"""

RETURN = r"""
jobs:
  description:
    - The update runs, each the whole ARM resource (C(id), C(name), C(type), C(location), C(properties)) with keys
      in snake_case, plus C(normalized).
    - In the order of O(run_names); in list mode in the order Resource Manager listed them.
  returned: always
  type: list
  elements: dict
  sample:
    - id: "/subscriptions/fd3c3665-1729-4b7b-9a38-238e83b0f98b/resourceGroups/edge-rg/providers/Microsoft.AzureStackHCI\
        /clusters/cluster-1/updates/Solution12.2604.1003.20/updateRuns/23b779ba-0d52-4a80-8571-45ca74664ec3"
      name: Solution12.2604.1003.20/23b779ba-0d52-4a80-8571-45ca74664ec3
      type: Microsoft.AzureStackHCI/clusters/updates/updateRuns
      location: eastus
      properties:
        provisioning_state: Succeeded
        state: Failed
        time_started: "2026-04-06T01:36:33Z"
        last_updated_time: "2026-04-06T03:58:42Z"
        duration: PT2H22M9S
        progress:
          name: Unnamed step
          description: Update Azure Local.
          status: Error
          error_message: ""
          start_time_utc: "2026-04-06T01:36:33Z"
          end_time_utc: "2026-04-06T03:58:42Z"
          last_updated_time_utc: "2026-04-06T03:58:42Z"
          steps:
            - name: Update the hosts
              description: Updates each host of the cluster.
              status: Error
              error_message: "Type 'UpdateHosts' of Role 'Cloud' raised an exception"
              steps:
                - name: Update node-2
                  status: Error
                  error_message: The host did not come back after its restart.
                  steps: []
      normalized:
        provider: hci_update_run
        job_id: 23b779ba-0d52-4a80-8571-45ca74664ec3
        native_status: Failed
        state: failed
        terminal: true
        succeeded: false
        percent_complete: null
        message: The host did not come back after its restart.
        created_at: "2026-04-06T01:36:33Z"
        updated_at: "2026-04-06T03:58:42Z"
        finished_at: "2026-04-06T03:58:42Z"
  contains:
    id:
      description: The run's ARM id; its last segment is the run's name (what O(run_name) takes).
      type: str
      returned: always
    name:
      description: The resource name, which may read C(update/run).
      type: str
      returned: always
    type:
      description: V(Microsoft.AzureStackHCI/clusters/updates/updateRuns).
      type: str
      returned: always
    location:
      description: The region the run's cluster is registered in.
      type: str
      returned: when the API reports it
    properties:
      description:
        - The run's properties in snake_case, for example C(state) (V(Unknown), V(InProgress), V(Succeeded),
          V(Failed)), C(provisioning_state), C(time_started), C(last_updated_time), C(duration) and C(progress),
          the step tree (C(name), C(description), C(status), C(error_message), C(start_time_utc), C(end_time_utc),
          C(last_updated_time_utc), C(expected_execution_time) and C(steps), each a step of the same shape).
      type: dict
      returned: always
    # BEGIN normalized: generated from tools/returns.yml by `make docs`; edit it there
    normalized:
      description: The job's status in the collection's vocabulary, the same for every kind of job.
      type: dict
      returned: always
      contains:
        provider:
          description: V(hci_update_run).
          type: str
          returned: always
        job_id:
          description: The run's name as its URL has it, the last segment of its C(id) (what O(run_name) takes).
          type: str
          returned: always
        native_status:
          description: C(properties.state), or null when the run has none.
          type: str
          returned: always
        state:
          description:
            - V(running) (InProgress), V(succeeded) (Succeeded), V(failed) (Failed), or V(unknown) (Unknown, a run without
              a state, or anything else; not terminal).
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
          description: Always null for update runs; the API reports no progress figure.
          type: int
          returned: always
        message:
          description: 'The root cause of a failure: the most deeply nested non-empty C(error_message) of the C(progress)
            step tree (the first such in the tree''s order), or null.'
          type: str
          returned: always
        created_at:
          description: When the run started (C(properties.time_started)), ISO 8601 in UTC, or null.
          type: str
          returned: always
        updated_at:
          description: When the run's last step completed (C(properties.last_updated_time)), ISO 8601 in UTC, or null.
          type: str
          returned: always
        finished_at:
          description: The C(progress) step tree's C(end_time_utc) once the run is terminal, ISO 8601 in UTC; null while
            the run is open, even when the tree has one.
          type: str
          returned: always
    # END normalized
# BEGIN shared: generated from tools/returns.yml by `make docs`; edit it there
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when exactly one job was asked for with O(run_name) (or a one-element O(run_names))
  type: dict
  sample:
    normalized:
      provider: hci_update_run
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
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_update_run.source import INFO_ARG_SPEC, update_run_info


def main() -> None:
    run_module(task_module(INFO_ARG_SPEC), update_run_info)


if __name__ == "__main__":
    main()
