"""`start, wait, assert all_succeeded` for every start module, run twice in a row: the rerun, which finds every
target already where the task asks, must pass its own gate (issue 13; CONTRACT "What every info module returns")."""
from __future__ import annotations

from start_support import operations

# The snippet, once per start module, in one play; each result saved for the test to read.
RERUN_PLAYBOOK = """
- name: Start, wait and gate, for every start module
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/jobgate.cloud.aws:
      endpoint_url: "{{ emulator_aws_endpoint }}"
  tasks:
    - name: OTA update
      jobgate.cloud.panorama_device_job:
        device_ids: [device-lobby-hub]
        job_type: OTA
        image_version: 4.3.55
        wait: true
        wait_sleep: 1
      register: ota
    - name: Package import
      jobgate.cloud.panorama_package_import_job:
        input_config: {s3_location: {bucket_name: edge-packages, object_key: manifest.json, region: us-east-1}}
        output_config: {package_name: lobby-app, package_version: "1.0"}
        wait: true
        wait_sleep: 1
      register: import
    - name: Backup report
      jobgate.cloud.backup_report_job:
        report_plan_name: nightly_backup_audit
        idempotency_token: release-42
        wait: true
        wait_sleep: 1
      register: report
    - name: HCI log collection
      jobgate.cloud.hci_edge_device_job:
        resource_uri: "{{ resource_uri }}"
        job_name: rerun-logs
        job_type: CollectLog
        from_date: "2026-01-01T00:00:00Z"
        to_date: "2026-01-02T00:00:00Z"
        wait: true
        wait_sleep: 1
      register: logs
    - name: Gate on every one of them
      ansible.builtin.assert:
        that:
          - ota.summary.all_succeeded
          - import.summary.all_succeeded
          - report.summary.all_succeeded
          - logs.summary.all_succeeded
    - name: Save the results
      ansible.builtin.copy:
        content: "{{ {'ota': ota, 'import': import, 'report': report, 'logs': logs} | to_json }}"
        dest: "{{ out_dir }}/rerun.json"
        mode: "0600"
"""
STARTS = ("CreateJobForDevices", "CreatePackageImportJob", "StartReportJob", "EdgeDeviceJobs_CreateOrUpdate")


def test_every_start_module_passes_its_gate_on_a_rerun_with_nothing_left_to_do(emulator, run_playbook):
    emulator.admin("POST", "/devices", {"device_id": "device-lobby-hub", "name": "lobby", "current_software": "4.3.45",
                                        "latest_software": "4.3.55"})
    emulator.admin("POST", "/report-plans", {"name": "nightly_backup_audit"})
    emulator.admin("POST", "/timelines", {
        "panorama_device:OTA": [["PENDING", 0], ["DOWNLOADING", 0.3], ["COMPLETED", 0.6]],
        "panorama_package_import": [["PENDING", 0], ["SUCCEEDED", 0.5]],
        "backup_report": [["CREATED", 0], ["RUNNING", 0.2], ["COMPLETED", 0.5]],
        "hci_edge_device": [["Scheduled", 0], ["DeploymentInProgress", 0.2], ["Succeeded", 0.5]]})
    sub = emulator.state["azure"]["subscription_id"]
    extra = {"resource_uri": f"/subscriptions/{sub}/resourceGroups/edge-rg/providers/Microsoft.HybridCompute/machines/n1"}

    first = run_playbook(RERUN_PLAYBOOK, emulator=emulator, extra_vars=extra, verbosity=0).assert_ok().result("rerun")
    assert all(first[name]["changed"] for name in first), first
    assert sorted(r["operation"] for r in operations(emulator, *STARTS)) == sorted(STARTS)

    emulator.clear_requests()
    second = run_playbook(RERUN_PLAYBOOK, emulator=emulator, extra_vars=extra, verbosity=0).assert_ok().result("rerun")
    assert not any(second[name]["changed"] for name in second), second
    # no OTA and no PUT; the import and the report are asked for again with the same token and come back the same
    assert operations(emulator, "CreateJobForDevices", "EdgeDeviceJobs_CreateOrUpdate") == []
    # the device is already on 4.3.55: no job at all, and still a gate that opens
    ota = second["ota"]
    assert ota["jobs"] == [] and ota["unchanged_devices"] == ["device-lobby-hub"]
    assert ota["summary"] == {"total": 0, "pending": 0, "running": 0, "paused": 0, "succeeded": 0, "failed": 0,
                              "canceled": 0, "unknown": 0, "all_terminal": True, "all_succeeded": True,
                              "any_failed": False}
    # the others find the job of the first run, finished
    for name in ("import", "report", "logs"):
        assert second[name]["job"]["normalized"]["job_id"] == first[name]["job"]["normalized"]["job_id"]
        assert second[name]["summary"]["total"] == 1 and second[name]["summary"]["all_succeeded"] is True
