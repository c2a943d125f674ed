"""hci_edge_device_job through ansible-playbook against the emulator (HTTPS Resource Manager, Entra-style authority)."""
from __future__ import annotations

from datetime import datetime

import pytest

from start_support import job_ids, operations, started

HCI = "playbooks/start_hci_edge_device.yml"
COLLECT = {"job_type": "CollectLog", "from_date": "2025-04-11T00:00:00Z", "to_date": "2025-04-12T00:00:00Z"}
SUPPORT = {"job_type": "RemoteSupport", "access_level": "Diagnostics", "expiration_timestamp": "2030-01-01T00:00:00Z",
           "remote_support_type": "Enable"}


def machine(emulator) -> str:
    sub = emulator.state["azure"]["subscription_id"]
    return f"/subscriptions/{sub}/resourceGroups/edge-rg/providers/Microsoft.HybridCompute/machines/node-1"


def arm(emulator, *names):
    return [r for r in operations(emulator, *names) if r["service"] == "azure-arm"]


@pytest.mark.smoke
def test_collect_log_follows_the_operation_waits_and_a_rerun_starts_nothing(emulator, run_playbook, assert_no_secrets):
    emulator.admin("POST", "/azure/settings", {"retry_after": 2})
    extra = dict(COLLECT, resource_uri=machine(emulator), job_name="collect-logs-01", wait=True)
    first_run = run_playbook(HCI, emulator=emulator, extra_vars=extra)
    out = started(first_run)
    assert out["changed"] is True and not out.get("failed"), out
    job = out["job"]
    assert job["name"] == "collect-logs-01" and job["kind"] == "HCI"
    assert job["properties"]["job_type"] == "CollectLog" and job["properties"]["deployment_mode"] == "Deploy"
    assert job["normalized"]["state"] == "succeeded" and job["normalized"]["job_id"] == "collect-logs-01"
    puts = arm(emulator, "EdgeDeviceJobs_CreateOrUpdate")
    polls = arm(emulator, "OperationStatus")
    assert len(puts) == 1 and puts[0]["status"] == 201 and puts[0]["bearer"]
    assert polls and all(p["status"] == 200 for p in polls)
    # Retry-After: 2 was honoured between the PUT and the first operation poll.
    gap = (datetime.fromisoformat(polls[0]["time"].replace("Z", "+00:00"))
           - datetime.fromisoformat(puts[0]["time"].replace("Z", "+00:00"))).total_seconds()
    assert gap >= 1.9, gap
    assert_no_secrets(first_run.output, emulator)

    emulator.clear_requests()
    second_run = run_playbook(HCI, emulator=emulator, extra_vars=extra)
    second = started(second_run)
    assert second["changed"] is False and second["job"]["name"] == "collect-logs-01"
    assert arm(emulator, "EdgeDeviceJobs_CreateOrUpdate") == []
    assert len(job_ids(emulator, "hci_edge_device")) == 1
    assert_no_secrets(second_run.output, emulator)


def test_remote_support_enable_then_revoke(emulator, run_playbook):
    uri = machine(emulator)
    enable = started(run_playbook(HCI, emulator=emulator, extra_vars=dict(SUPPORT, resource_uri=uri, job_name="support-on")))
    assert enable["changed"] is True and enable["job"]["properties"]["type"] == "Enable"
    revoke = started(run_playbook(HCI, emulator=emulator, extra_vars=dict(
        SUPPORT, resource_uri=uri, job_name="support-off", access_level="None", remote_support_type="Revoke",
        deployment_mode="Validate", wait=True)))
    assert revoke["changed"] is True, revoke
    props = revoke["job"]["properties"]
    assert props["type"] == "Revoke" and props["access_level"] == "None" and props["deployment_mode"] == "Validate"
    assert revoke["job"]["normalized"]["terminal"] is True
    assert len(job_ids(emulator, "hci_edge_device")) == 2


def test_same_name_with_other_properties_fails_without_a_put(emulator, run_playbook):
    uri = machine(emulator)
    started(run_playbook(HCI, emulator=emulator, extra_vars=dict(COLLECT, resource_uri=uri, job_name="collect-02")))
    emulator.clear_requests()
    out = started(run_playbook(HCI, emulator=emulator, extra_vars=dict(
        COLLECT, resource_uri=uri, job_name="collect-02", to_date="2025-04-13T00:00:00Z")))
    assert out["failed"] is True and out["changed"] is False
    assert out["error"]["code"] == "Conflict" and "toDate" in out["msg"] and "new job_name" in out["msg"]
    assert arm(emulator, "EdgeDeviceJobs_CreateOrUpdate") == []
    # The same instant written another way is the same job.
    same = started(run_playbook(HCI, emulator=emulator, extra_vars=dict(
        COLLECT, resource_uri=uri, job_name="collect-02", from_date="2025-04-11T02:00:00+02:00")))
    assert same["changed"] is False, same


def test_check_mode_starts_nothing(emulator, run_playbook):
    out = started(run_playbook(HCI, emulator=emulator, check=True,
                               extra_vars=dict(COLLECT, resource_uri=machine(emulator), job_name="collect-03")))
    assert out["changed"] is True and out["jobs"] == []
    assert out["would_start"][0]["job_name"] == "collect-03"
    assert out["would_start"][0]["properties"]["fromDate"] == "2025-04-11T00:00:00Z"
    assert arm(emulator, "EdgeDeviceJobs_CreateOrUpdate") == [] and job_ids(emulator, "hci_edge_device") == []


def test_bad_input_sends_no_request(emulator, run_playbook, assert_no_secrets):
    uri = machine(emulator)
    cases = [
        dict(COLLECT, resource_uri=uri, job_name="bad/../name"),
        dict(COLLECT, resource_uri=uri, job_name="collect-04", from_date="2025-04-13T00:00:00Z"),
        dict(COLLECT, resource_uri=uri + "/", job_name="collect-04"),
        dict(COLLECT, resource_uri=uri, job_name="collect-04", access_level="Diagnostics"),
        dict(SUPPORT, resource_uri=uri, job_name="support-04", expiration_timestamp="next week"),
    ]
    for extra in cases:
        result = run_playbook(HCI, emulator=emulator, extra_vars=extra)
        out = started(result)
        assert out["failed"] is True and out["error"]["code"] == "ValidationError", out
        assert_no_secrets(result.output, emulator)
    assert emulator.requests() == []


API_VERSIONS_PLAYBOOK = """
- name: Both HCI modules, without api_version, then the info module with a preview version
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Start a job at the default api-version and wait for it
      jobgate.cloud.hci_edge_device_job:
        resource_uri: "{{ resource_uri }}"
        job_name: default-version
        job_type: CollectLog
        from_date: "2025-04-11T00:00:00Z"
        to_date: "2025-04-12T00:00:00Z"
        wait: true
        wait_sleep: 1
    - name: Read it at the default api-version
      jobgate.cloud.hci_edge_device_job_info:
        resource_uri: "{{ resource_uri }}"
        job_name: default-version
    - name: Read it at the preview version, asked for
      jobgate.cloud.hci_edge_device_job_info:
        resource_uri: "{{ resource_uri }}"
        job_name: default-version
        api_version: 2024-09-01-preview
"""


def test_hci_modules_send_the_stable_api_version_unless_told_otherwise(emulator, run_playbook):
    run_playbook(API_VERSIONS_PLAYBOOK, emulator=emulator, extra_vars={"resource_uri": machine(emulator)}).assert_ok()
    log = arm(emulator, "EdgeDeviceJobs_CreateOrUpdate", "OperationStatus", "EdgeDeviceJobs_Get")
    assert "EdgeDeviceJobs_CreateOrUpdate" in [r["operation"] for r in log] and len(log) >= 4
    # every request of the first two tasks at 2025-10-01; the last task's one GET at the version it asked for
    assert [r["query"]["api-version"] for r in log] == ["2025-10-01"] * (len(log) - 1) + ["2024-09-01-preview"]
    assert log[-1]["operation"] == "EdgeDeviceJobs_Get"
