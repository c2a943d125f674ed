#!/usr/bin/python
# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: hci_update
short_description: Apply a solution update to an Azure Local (Azure Stack HCI) cluster
version_added: 0.1.0
description:
  - Applies an update to an Azure Local (formerly Azure Stack HCI) cluster with a POST to
    C(Microsoft.AzureStackHCI/clusters/updates/{update}/apply) (C(Updates_Post)), and returns the update run it
    started.
  - The apply is a long-running operation; the module follows it (C(Azure-AsyncOperation), honouring
    C(Retry-After)) to its end within O(wait_timeout). Its answer names no run, so the run it started is the run of
    the update that Resource Manager did not list before the POST. The operation ends once the run has started;
    with O(wait=true) the module then polls the run until it is terminal (an update run takes hours).
  - Idempotent. An update whose state is V(Installed) starts nothing and returns no run (RV(jobs) is empty, the
    update is in RV(cluster_update), and RV(summary.all_succeeded) is true). An update with a run in progress starts
    nothing and returns that run.
  - A run that failed is returned, not raised; its C(normalized.message) is the root cause from its step tree.
  - The O(cluster_id) and O(update_name) are checked before any request is sent.
author:
  - jobgate.cloud contributors (@jobgate-cloud)
options:
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
      - The name of the update to apply, for example V(Solution12.2604.1003.20) (the C(name) of one of the
        cluster's updates).
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
  - 'Permissions (Azure RBAC): C(Microsoft.AzureStackHCI/clusters/updates/read) to read the update''s state (an Installed
    update starts nothing); C(Microsoft.AzureStackHCI/clusters/updates/apply/action) to apply the update (POST .../apply)
    (when the update is neither installed nor has a run in progress); C(Microsoft.AzureStackHCI/clusters/updates/updateRuns/read)
    to find a run in progress, tell the new run from earlier ones, read it; C(Microsoft.AzureStackHCI/locations/operationStatuses/read)
    to follow the apply''s long-running operation (its Azure-AsyncOperation URL) (when it applies the update).'
  - Assign them at O(cluster_id) or above (its resource group, the subscription). Azure custom role definitions for
    reading and for starting are in the collection's C(docs/permissions.md).
  # END permissions
extends_documentation_fragment:
  - jobgate.cloud.azure
  - jobgate.cloud.job_wait
  - jobgate.cloud.job_start
seealso:
  - module: jobgate.cloud.hci_update_run_info
  - name: Updates REST API reference
    description: The Resource Manager operations this module calls.
    link: https://learn.microsoft.com/rest/api/stackhci/updates
"""

EXAMPLES = r"""
- name: Apply a solution update and wait for its run (hours)
  jobgate.cloud.hci_update:
    cluster_id: /subscriptions/{{ subscription_id }}/resourceGroups/edge-rg/providers/Microsoft.AzureStackHCI/clusters/cluster-1
    update_name: Solution12.2604.1003.20
    wait: true
    wait_timeout: 21600
    wait_sleep: 60
  register: applied

- name: Stop with the root cause when the run failed
  ansible.builtin.assert:
    that: applied.summary.all_succeeded
    fail_msg: "{{ applied.jobs | rejectattr('normalized.succeeded') | map(attribute='normalized.message') | list }}"

- name: Start the update on many clusters, then gate on every run with one include of the role
  jobgate.cloud.hci_update:
    cluster_id: "{{ item }}"
    update_name: Solution12.2604.1003.20
  loop: "{{ cluster_ids }}"
  register: started
"""

RETURN = r"""
cluster_update:
  description:
    - The update as Resource Manager answered C(Updates_Get) before anything was started, keys in snake_case
      (C(id), C(name), C(type), C(location), C(properties) with C(state), C(version), C(display_name) ...).
    - Named C(cluster_update), not C(update), so that C(result.cluster_update) works in Jinja (C(update) is a
      method of every dict).
  returned: always
  type: dict
  sample:
    id: "/subscriptions/fd3c3665-1729-4b7b-9a38-238e83b0f98b/resourceGroups/edge-rg/providers/Microsoft.AzureStackHCI\
      /clusters/cluster-1/updates/Solution12.2604.1003.20"
    name: Solution12.2604.1003.20
    type: Microsoft.AzureStackHCI/clusters/updates
    properties:
      state: Installed
      version: 12.2604.1003.20
      installed_date: "2026-04-06T03:58:42Z"
jobs:
  description:
    - The run it started, or the run in progress it found; empty when the update is installed (and in check mode
      when a run would start).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The run's ARM id; its last segment is the run's name.
      type: str
      returned: always
    name:
      description: The resource name, which may read C(update/run).
      type: str
      returned: always
    properties:
      description: The run's properties, keys in snake_case (C(state), C(time_started), C(progress) ...).
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
          description: The run's name as its URL has it, the last segment of its C(id) (what O(jobgate.cloud.hci_update_run_info#module:run_name)
            takes).
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
would_start:
  description: In check mode, what the module would start, one entry per job.
  returned: in check mode
  type: list
  elements: dict
  sample:
    - cluster_id: /subscriptions/fd3c3665-1729-4b7b-9a38-238e83b0f98b/resourceGroups/edge-rg/providers/Microsoft.AzureStackHCI/clusters/cluster-1
      update_name: Solution12.2604.1003.20
      update_state: Ready
      api_version: '2025-10-01'
job:
  description: The single job, the same as the only entry of RV(jobs).
  returned: when RV(jobs) has exactly one entry
  type: dict
  sample:
    normalized:
      provider: hci_update_run
      state: running
      terminal: false
summary:
  description:
    - Counts of the runs by normalized state, and whether all are terminal, all succeeded, any failed.
    - When the update is already installed, no run is started or returned, and RV(summary.all_terminal) and RV(summary.all_succeeded)
      are true; nothing is left to wait for, so a rerun of C(start, wait, assert all_succeeded) passes. In check
      mode the same holds when nothing would start.
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
      description: Whether every run is terminal (true when the update is already installed).
      type: bool
      returned: always
    all_succeeded:
      description: Whether every run succeeded (true when the update is already installed).
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
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_update_run.source import DEFAULT_API_VERSION
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_update_run.start import update_apply


def main() -> None:
    run_module(task_module(dict(
        cluster_id=dict(type="str", required=True),
        update_name=dict(type="str", required=True),
        api_version=dict(type="str", default=DEFAULT_API_VERSION),
        **AZURE_ARG_SPEC,
    )), update_apply)


if __name__ == "__main__":
    main()
