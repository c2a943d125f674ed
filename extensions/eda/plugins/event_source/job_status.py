# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-rulebook event source jobgate.cloud.job_status: one event when a cloud job changes state.

The source is thin: its arguments are checked with the info modules' own argument specs and checks, and it polls
through the same job sources, clients and retries (plugins/module_utils/_eda/).
"""
from __future__ import annotations

import os
import sys
import typing as t

DOCUMENTATION = r"""
---
short_description: Watch cloud jobs and send an event when one changes state
description:
  - An ansible-rulebook event source that polls AWS Panorama device jobs, AWS Panorama package import jobs,
    AWS Backup report jobs, AWS Backup backup jobs, AWS Backup restore jobs, Azure Local (Azure Stack HCI) edge
    device jobs, AWS Backup copy jobs, AWS Backup malware scan jobs or Azure Local (Azure Stack HCI) update runs,
    and puts one event on the queue when a job becomes terminal (O(emit=terminal)) or whenever its normalized
    state changes (O(emit=transitions)).
  - It uses the same job sources, clients, retries and status vocabulary as the collection's info modules; the
    selection, filter and connection options are those of the kind's info module, with the same names, aliases and
    environment variables.
  - 'Each event is C({"job_status": {"kind": ..., "job": <normalized block>, "previous_state": ..., "detail": <the
    API job in snake_case>}}), and C(meta.uuid) is a UUIDv5 of the kind, the location, the job id and the state, so
    that a rulebook run with C(--persistence-id) never fires twice for the same job state, across restarts.'
  - Throttling, HTTP 5xx, timeouts and dropped connections never end the source; it backs off with jitter
    (at least any C(Retry-After)), and goes back to O(interval) once polls succeed. Bad arguments and
    authentication or access errors end it at once with one line that says why; ansible-rulebook then exits
    non-zero. No secret appears in anything it logs or raises.
  - A job whose event is out is dropped from memory and no longer polled. With ids given, once every job has
    finished the source stops polling and waits until the rulebook ends; without ids, it runs until stopped and
    picks up new jobs as the list API returns them.
options:
  kind:
    description:
      - Which jobs to watch.
    type: str
    required: true
    # BEGIN kinds: generated from plugins/module_utils/_core/kinds.py by `make docs`; edit it there
    choices:
      - panorama_device
      - panorama_package_import
      - backup_report
      - hci_edge_device
      - backup_job
      - restore_job
      - copy_job
      - scan_job
      - hci_update_run
    # END kinds
  interval:
    description:
      - Seconds between the starts of two polls while the API answers; at least V(5).
      - While polls fail with retryable errors the pause doubles per failed poll (with jitter, at most 300 seconds).
    type: int
    default: 30
  emit:
    description:
      - V(terminal) sends one event per job, when it becomes V(succeeded), V(failed) or V(canceled).
      - V(transitions) sends one event per change of C(normalized.state), with the state before in
        C(previous_state) (null for the first state seen).
    type: str
    default: terminal
    choices: [terminal, transitions]
  on_start:
    description:
      - What the first poll that answers does with the jobs it finds.
      - V(emit) reports them as any later poll would (so jobs already terminal produce their event once; with
        O(emit=transitions) every job's current state is reported with C(previous_state) null).
      - V(skip) takes them as the starting point and reports only later changes; jobs already terminal are ignored.
    type: str
    default: emit
    choices: [emit, skip]
  job_ids:
    description:
      - The jobs to watch (for V(hci_edge_device) this option is O(job_names), for V(hci_update_run) O(run_names),
        of which O(job_ids) is an alias).
      - Without it the source watches every job the list API returns, with the kind's list filters.
      - One id may also be given in the kind's single-id option (O(job_id) for Panorama, O(report_job_id) for
        Backup report jobs, O(backup_job_id) for backup jobs, O(restore_job_id) for restore jobs, O(job_name) for
        HCI edge device jobs, O(copy_job_id) for copy jobs, O(scan_job_id) for scan jobs, O(run_name) for update runs).
    type: list
    elements: str
  job_names:
    description:
      - For V(hci_edge_device), the names of the edge device jobs to watch (alias O(job_ids)).
    type: list
    elements: str
  run_names:
    description:
      - For V(hci_update_run), the names of the update runs to watch (the last segment of each run's id; alias
        O(job_ids)).
    type: list
    elements: str
  device_id:
    description:
      - For V(panorama_device) in list mode, only the jobs of this device.
    type: str
  report_plan_name:
    description:
      - For V(backup_report) in list mode, only the jobs of this report plan.
    type: str
  status:
    description:
      - For V(backup_report) and V(restore_job) in list mode, only the jobs in this API status.
      - V(backup_report) takes V(CREATED), V(RUNNING), V(COMPLETED) or V(FAILED); V(restore_job) takes V(PENDING),
        V(RUNNING), V(COMPLETED), V(ABORTED) or V(FAILED).
    type: str
  state:
    description:
      - For V(backup_job), V(copy_job) and V(scan_job) in list mode, only the jobs in this State (the kind's
        info module lists the values each takes).
      - V(backup_job) takes V(CREATED), V(PENDING), V(RUNNING), V(ABORTING), V(ABORTED), V(COMPLETED), V(FAILED),
        V(EXPIRED) or V(PARTIAL); V(copy_job) takes V(CREATED), V(RUNNING), V(COMPLETED), V(FAILED) or V(PARTIAL);
        V(scan_job) takes V(CREATED), V(RUNNING), V(COMPLETED), V(COMPLETED_WITH_ISSUES), V(FAILED) or V(CANCELED).
    type: str
  resource_arn:
    description:
      - For V(backup_job), V(copy_job) and V(scan_job) in list mode, only the jobs of this resource (its ARN).
    type: str
  backup_vault_name:
    description:
      - For V(backup_job) in list mode, only the jobs that store into this backup vault; for V(scan_job), only the
        scans of recovery points in this vault.
    type: str
  resource_type:
    description:
      - For V(backup_job), V(restore_job), V(copy_job) and V(scan_job) in list mode, only the jobs of this resource
        type, for example V(RDS) or V(EBS) (V(scan_job) takes V(EBS), V(EC2) or V(S3)).
    type: str
  created_after:
    description:
      - For V(backup_report), V(backup_job), V(restore_job) and V(copy_job) in list mode, only the jobs created
        after this ISO 8601 date or date-time.
    type: str
  created_before:
    description:
      - For V(backup_report), V(backup_job), V(restore_job) and V(copy_job) in list mode, only the jobs created
        before this ISO 8601 date or date-time.
    type: str
  destination_vault_arn:
    description:
      - For V(copy_job) in list mode, only the jobs copying into this backup vault (its ARN).
    type: str
  source_recovery_point_arn:
    description:
      - For V(copy_job) in list mode, only the copies of this recovery point.
    type: str
  parent_job_id:
    description:
      - For V(copy_job) in list mode, only the child jobs of this parent (composite) copy job.
    type: str
  recovery_point_arn:
    description:
      - For V(scan_job) in list mode, only the scans of this recovery point.
    type: str
  scan_result_status:
    description:
      - For V(scan_job) in list mode, only the scans with this verdict.
    type: str
    choices: [NO_THREATS_FOUND, THREATS_FOUND, UNKNOWN]
  completed_after:
    description:
      - For V(scan_job) in list mode, only the scans completed after this ISO 8601 date or date-time.
    type: str
  completed_before:
    description:
      - For V(scan_job) in list mode, only the scans completed before this ISO 8601 date or date-time.
    type: str
  resource_uri:
    description:
      - For V(hci_edge_device), the ARM id of the Arc machine, C(/subscriptions/.../resourceGroups/.../providers/
        Microsoft.HybridCompute/machines/NAME).
    type: str
  edge_device_name:
    description:
      - For V(hci_edge_device), the edge device of the machine.
    type: str
    default: default
  cluster_id:
    description:
      - For V(hci_update_run), the ARM id of the Azure Local cluster, C(/subscriptions/.../resourceGroups/.../
        providers/Microsoft.AzureStackHCI/clusters/NAME).
    type: str
  update_name:
    description:
      - For V(hci_update_run), the update whose runs to watch; without O(run_names) every run of it, new ones as
        they appear.
    type: str
  api_version:
    description:
      - For V(hci_edge_device) and V(hci_update_run), the C(api-version) of the Microsoft.AzureStackHCI resource
        provider, as in C(jobgate.cloud.hci_edge_device_job_info) and C(jobgate.cloud.hci_update_run_info).
    type: str
    default: "2025-10-01"
extends_documentation_fragment:
  - jobgate.cloud.aws
  - jobgate.cloud.azure
notes:
  - The AWS connection options (from C(access_key) to C(aws_config), and the C(assume_role_*) options) apply to the
    AWS kinds, the Azure ones (C(auth_source) to C(cert_validation_mode)) to V(hci_edge_device) and
    V(hci_update_run); options of another kind are refused. Credentials are best injected as environment variables (as EDA controller's credential
    types do) or as extra vars referenced in the rulebook.
  - With C(--persistence-id), ansible-rulebook remembers the C(meta.uuid) of the last events it processed, as many
    as its variable C(drools_deduplication_window_size) says (5 unless set). Set it to at least the number of jobs
    the source may report at start, so that a restart with O(on_start=emit) fires nothing twice.
"""

EXAMPLES = r"""
# Run a playbook when a Panorama OTA update succeeds.
- name: Panorama OTA follow-up
  hosts: all
  sources:
    - jobgate.cloud.job_status:
        kind: panorama_device
        region: us-east-1
        interval: 30
        on_start: skip
  rules:
    - name: OTA succeeded
      condition: >-
        event.job_status.job.state == "succeeded" and event.job_status.detail.job_type == "OTA"
      action:
        run_playbook:
          name: jobgate.cloud.eda_ota_succeeded

# Every change of state of two Backup report jobs, credentials from the environment.
- name: Report jobs
  hosts: all
  sources:
    - jobgate.cloud.job_status:
        kind: backup_report
        job_ids: ["{{ report_job_a }}", "{{ report_job_b }}"]
        emit: transitions
        interval: 10
  rules:
    - name: Print every change
      condition: event.job_status is defined
      action:
        print_event:

# Every backup of one database that ends, whatever its outcome.
- name: Database backups
  hosts: all
  sources:
    - jobgate.cloud.job_status:
        kind: backup_job
        resource_arn: arn:aws:rds:us-east-1:123456789012:db:orders-db
        region: us-east-1
        on_start: skip
  rules:
    - name: Backup did not complete
      condition: event.job_status.job.state != "succeeded"
      action:
        debug:
          msg: "{{ event.job_status.job.job_id }} ended {{ event.job_status.job.native_status }}: {{ event.job_status.job.message }}"

# An HCI edge device job, with the service principal passed as extra vars.
- name: HCI remote support
  hosts: all
  sources:
    - jobgate.cloud.job_status:
        kind: hci_edge_device
        resource_uri: "{{ arc_machine_id }}"
        job_names: [remote-support-1]
        client_id: "{{ azure_client_id }}"
        secret: "{{ azure_secret }}"
        tenant: "{{ azure_tenant }}"
  rules:
    - name: Failed
      condition: event.job_status.job.state == "failed"
      action:
        debug:
          msg: "{{ event.job_status.job.job_id }} failed: {{ event.job_status.job.message }}"
"""


def _collections_root() -> str | None:
    """The directory holding ``ansible_collections/jobgate/cloud``, if this file lies inside such a tree.

    ansible-rulebook runs a source with ``runpy.run_path``, without Ansible's collection loader, so the package
    ``ansible_collections`` is importable only from a directory on ``sys.path``. This file is
    ``<root>/ansible_collections/jobgate/cloud/extensions/eda/plugins/event_source/job_status.py``.
    """
    path = os.path.abspath(__file__)  # no symlink resolution: a linked collection tree keeps its own root
    parts = []
    for _level in range(8):
        path, name = os.path.split(path)
        parts.append(name)
    if parts[5:8] == ["cloud", "jobgate", "ansible_collections"]:
        return path
    return None


_ROOT = _collections_root()
if _ROOT and _ROOT not in sys.path:
    # The collection this file belongs to, ahead of any other copy, so the source and its module_utils agree.
    sys.path.insert(0, _ROOT)

from ansible_collections.jobgate.cloud.plugins.module_utils._eda.args import prepare  # noqa: E402
from ansible_collections.jobgate.cloud.plugins.module_utils._eda.watch import watch  # noqa: E402


async def main(queue: t.Any, args: dict) -> None:
    """Entry point ansible-rulebook calls: check every argument before any request, then poll until cancelled."""
    await watch(queue, prepare(args))


if __name__ == "__main__":
    import asyncio

    class _PrintQueue:
        async def put(self, event: dict) -> None:
            print(event)

    # For a quick try outside ansible-rulebook: python job_status.py '{"kind": "backup_report", ...}'
    import json

    asyncio.run(main(_PrintQueue(), json.loads(sys.argv[1] if len(sys.argv) > 1 else "{}")))
