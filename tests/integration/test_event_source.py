"""The event source jobgate.cloud.job_status run by the real ansible-rulebook against the emulator.

ansible-rulebook loads the source from the collection as installed (ANSIBLE_COLLECTIONS_PATH), so these tests also
show that the source finds the collection's module_utils from the installed artifact. Runs are shared between
cases: one rulebook run watches every kind at once (with the throttling case inside it), and its restart with the
same persistence id checks that nothing fires twice.
"""
from __future__ import annotations

import datetime
import json
import time


from aws_support import add_devices, seed
from hci_support import RecordingServer, continue_job, machine_uri
from hci_support import seed as hci_seed
from harness import assert_no_secrets
from rulebook_support import Rulebook, one_source_rulebook

THROTTLE_RETRY_AFTER = 7


def states(rulebook, kind, job_id):
    return [(e["previous_state"], e["job"]["state"]) for e in rulebook.job_events(kind, job_id)]


def log_times(emulator, operation, status=None):
    """Wall times (epoch seconds) of the logged requests of one operation, optionally with one status."""
    out = []
    for entry in emulator.requests(operation=operation):
        if status is None or entry.get("status") == status:
            out.append(datetime.datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).timestamp())
    return out


def gaps(times):
    return [round(b - a, 2) for a, b in zip(times, times[1:])]


def test_one_event_per_job_of_every_kind_and_no_second_firing_after_a_restart(emulator, tmp_path):
    # Backup report jobs watched by id: one done before the start, one that succeeds and one that fails once
    # ansible-rulebook polls (the jobs that must be seen open stay open until then: /jobs/continue below; a busy
    # machine's ansible-rulebook took over 30 s to start).
    done_early, = seed(emulator, "backup_report", timeline=[["COMPLETED", 0]], created_ago=30)
    succeeds, = seed(emulator, "backup_report", timeline=[["CREATED", 0], ["RUNNING", 1]])
    fails, = seed(emulator, "backup_report", timeline=[["CREATED", 0], ["RUNNING", 1]])
    # Panorama device jobs of one device, every transition (the OTA job starts once the source runs).
    add_devices(emulator, "device-eda-1")
    # An HCI edge device job that stays open until the test moves it on.
    uri = machine_uri(emulator)
    hci_seed(emulator, uri, "support-eda-1", job_type="RemoteSupport",
             timeline=[["Scheduled", 0], ["DeploymentInProgress", 0.2]])
    # A report plan watched in list mode; its old job is not reported (on_start: skip).
    old_in_plan, = seed(emulator, "backup_report", fields={"ReportPlanName": "watched_plan"},
                        timeline=[["COMPLETED", 0]], created_ago=60)
    # AWS Backup backup jobs of one database in list mode (one ends PARTIAL: a failure), a restore by id.
    db = "arn:aws:rds:us-east-1:123456789012:db:eda-db"
    backup_done, = seed(emulator, "backup_job", fields={"ResourceArn": db}, timeline=[["CREATED", 0], ["RUNNING", 1]])
    backup_partial, = seed(emulator, "backup_job", fields={"ResourceArn": db}, timeline=[["CREATED", 0], ["RUNNING", 1]])
    restore, = seed(emulator, "restore_job", timeline=[["PENDING", 0]])
    variables = {"backup_job_ids": [done_early, succeeds, fails], "ota_device_id": "device-eda-1",
                 "backup_resource_arn": db, "restore_job_ids": [restore],
                 "hci_resource_uri": uri, "hci_job_names": ["support-eda-1"], "list_plan_name": "watched_plan",
                 "drools_db_file_path": str(tmp_path / "h2" / "eda"), "drools_deduplication_window_size": 100}

    with Rulebook("watch_jobs.yml", tmp_path / "run1", variables=variables, emulator=emulator,
                  persistence_id="jobgate-eda-test", verbosity=2) as run1:
        run1.wait_until(lambda: log_times(emulator, "ListReportJobs", 200) and log_times(emulator, "ListDevicesJobs")
                        and log_times(emulator, "EdgeDeviceJobs_Get"), 90, "the first poll of every source")
        # Each state lasts two polls and more (interval 5 s), so a source slowed by a busy machine still sees it.
        for kind, job_id, rest in (("backup_report", succeeds, [["COMPLETED", 25]]),
                                   ("backup_report", fails, [["FAILED", 25, "Access Denied."]]),
                                   ("backup_job", backup_done, [["COMPLETED", 20]]),
                                   ("backup_job", backup_partial, [["PARTIAL", 20]]),
                                   ("restore_job", restore, [["RUNNING", 12], ["COMPLETED", 24]])):
            emulator.admin("POST", "/jobs/continue", {"kind": kind, "job_id": job_id, "timeline": rest})
        ota, = seed(emulator, "panorama_device", fields={"DeviceId": "device-eda-1"},
                    timeline=[["PENDING", 0], ["DOWNLOADING", 11], ["REBOOTING", 16], ["COMPLETED", 24]])
        continue_job(emulator, uri, "support-eda-1", [["DeploymentInProgress", 0], ["Succeeded", 3]])
        # Throttle the list source (its next two polls, each one request: aws_config allows no retry): it must
        # ride through and pick up a job created meanwhile.
        emulator.admin("POST", "/faults", {"match": {"service": "backup", "operation": "ListReportJobs"},
                                           "kind": "throttle", "count": 2, "retry_after": THROTTLE_RETRY_AFTER})
        throttled_from = time.time()
        new_in_plan, = seed(emulator, "backup_report", fields={"ReportPlanName": "watched_plan"},
                            timeline=[["CREATED", 0], ["COMPLETED", 1]])
        run1.wait_until(lambda: run1.job_events("backup_report", new_in_plan), 90, "the list source's event")
        run1.wait_until(lambda: len([t for t in log_times(emulator, "ListReportJobs", 200) if t > throttled_from]) >= 3,
                        40, "two more polls after the throttling")
        run1.wait_until(lambda: states(run1, "panorama_device", ota)[-1:] == [("running", "succeeded")]
                        and run1.job_events("backup_report", succeeds) and run1.job_events("backup_report", fails)
                        and run1.job_events("hci_edge_device") and run1.job_events("backup_job", backup_partial)
                        and run1.job_events("backup_job", backup_done)
                        and states(run1, "restore_job", restore)[-1:] == [("running", "succeeded")],
                        90, "every job's last event")
        time.sleep(1)  # anything repeated would follow within a poll's reach of the last event
    first = run1.output

    # Exactly one event per job when it ends, with the API job as detail.
    assert states(run1, "backup_report", done_early) == [(None, "succeeded")]
    assert states(run1, "backup_report", succeeds) == [("running", "succeeded")]
    (failed,) = run1.job_events("backup_report", fails)
    assert failed["previous_state"] == "running"
    assert failed["job"]["state"] == "failed" and failed["job"]["message"] == "Access Denied."
    assert failed["detail"]["report_job_id"] == fails and failed["detail"]["status"] == "FAILED"
    assert "normalized" not in failed["detail"]
    # Transitions in order.
    assert states(run1, "panorama_device", ota) == [(None, "pending"), ("pending", "running"), ("running", "succeeded")]
    assert run1.job_events("panorama_device", ota)[-1]["detail"]["job_type"] == "OTA"
    # The HCI job.
    (hci,) = run1.job_events("hci_edge_device")
    assert hci["job"]["job_id"] == "support-eda-1" and hci["job"]["state"] == "succeeded"
    assert hci["previous_state"] == "running"
    assert hci["detail"]["properties"]["job_type"] == "RemoteSupport"
    # List mode: the new job once, the old one never.
    assert states(run1, "backup_report", new_in_plan) == [(None, "succeeded")]
    assert not run1.job_events("backup_report", old_in_plan)
    # Backup jobs (list mode, terminal events): COMPLETED succeeds, PARTIAL fails; the restore's transitions.
    assert states(run1, "backup_job", backup_done) == [("running", "succeeded")]
    (partial,) = run1.job_events("backup_job", backup_partial)
    assert partial["job"]["state"] == "failed" and partial["job"]["native_status"] == "PARTIAL"
    assert partial["detail"]["resource_arn"] == db and partial["job"]["percent_complete"] == 100
    assert states(run1, "restore_job", restore) == [(None, "pending"), ("pending", "running"), ("running", "succeeded")]
    uuids = [e["meta"]["uuid"] for e in run1.events]
    assert len(uuids) == len(set(uuids)) == 8 + 2 + 3

    # Throttled: the source went on, waited at least Retry-After after each throttled answer, then came back to 5 s.
    lists = [t for t in log_times(emulator, "ListReportJobs") if t > throttled_from - 6]
    throttled = log_times(emulator, "ListReportJobs", 429)
    after = [t for t in log_times(emulator, "ListReportJobs", 200) if t > throttled[-1]]
    assert len(throttled) == 2, gaps(lists)
    assert all(gap >= THROTTLE_RETRY_AFTER - 0.5 for gap in gaps(throttled + after[:1])), gaps(lists)
    assert all(4 <= gap <= 6.5 for gap in gaps(after[:3])), gaps(lists)
    assert "poll failed, trying again in" in first and "ThrottlingException" in first
    assert_no_secrets(first, emulator)

    # Finished jobs are not polled any more: once a source's jobs have all had their event, it sends nothing more
    # (by id), and in list mode a finished job is not described again.
    for kind, operation in (("backup_report", "DescribeReportJob"), ("panorama_device", "DescribeDeviceJob"),
                            ("hci_edge_device", "EdgeDeviceJobs_Get")):
        last_event = max(t for t, e in zip(run1.event_times, run1.events) if e["job_status"]["kind"] == kind
                         and e["job_status"]["job"]["job_id"] != new_in_plan)
        later = [t for t in log_times(emulator, operation) if t > last_event + 0.5]
        assert not later, f"{operation} sent {len(later)} time(s) after the last {kind} event"

    # Restart with the same persistence id, plus one more job: only that one fires.
    late, = seed(emulator, "backup_report", timeline=[["COMPLETED", 0]])
    variables["backup_job_ids"] = [done_early, succeeds, fails, late]
    with Rulebook("watch_jobs.yml", tmp_path / "run2", variables=variables, emulator=emulator,
                  persistence_id="jobgate-eda-test", verbosity=1) as run2:
        run2.wait_until(lambda: run2.job_events("backup_report", late), 60, "the new job's event")
        # the source did put the old jobs' events again (on_start: emit); the rule engine dropped them
        run2.wait_until(lambda: all(f"job {job_id} first seen " in run2.output
                                    for job_id in (done_early, succeeds, fails, "support-eda-1")),
                        30, "the source's log of every event it put")
        time.sleep(2)
    assert [e["job_status"]["job"]["job_id"] for e in run2.events] == [late], run2.tail()


def test_one_event_per_finished_copy_and_scan_job(emulator, tmp_path):
    # Copy jobs by id (one done before the start, one that succeeds, one that ends PARTIAL: a failure); the scans
    # of one recovery point in list mode (one clean, one that finds threats: a failure for the gate). The jobs that
    # must be seen running stay so until ansible-rulebook has polled (a loaded machine's start-up takes its time).
    copy_early, = seed(emulator, "copy_job", timeline=[["COMPLETED", 0]], created_ago=30)
    copied, = seed(emulator, "copy_job", timeline=[["CREATED", 0], ["RUNNING", 1]])
    copy_partial, = seed(emulator, "copy_job", timeline=[["CREATED", 0], ["RUNNING", 1]])
    point = "arn:aws:ec2:us-east-1::snapshot/snap-0eda0000000000000"
    scan_clean, = seed(emulator, "scan_job", fields={"RecoveryPointArn": point},
                       timeline=[["CREATED", 0], ["RUNNING", 1]])
    scan_threats, = seed(emulator, "scan_job", fields={"RecoveryPointArn": point, "ScanResultStatus": "THREATS_FOUND"},
                         timeline=[["CREATED", 0], ["RUNNING", 1]])
    other_point, = seed(emulator, "scan_job", timeline=[["COMPLETED", 0]])   # another recovery point: never reported
    variables = {"copy_job_ids": [copy_early, copied, copy_partial], "scan_point": point}
    with Rulebook("watch_copy_scan.yml", tmp_path / "run", variables=variables, emulator=emulator,
                  verbosity=2) as run:
        run.wait_until(lambda: log_times(emulator, "DescribeCopyJob", 200) and log_times(emulator, "ListScanJobs", 200),
                       120, "the first poll of both sources")
        for kind, job_id, rest in (("copy_job", copied, [["COMPLETED", 12]]),
                                   ("copy_job", copy_partial, [["PARTIAL", 14, "1 of 2 child copy jobs failed."]]),
                                   ("scan_job", scan_clean, [["COMPLETED", 12]]),
                                   ("scan_job", scan_threats, [["COMPLETED", 14, "1 infected file."]])):
            emulator.admin("POST", "/jobs/continue", {"kind": kind, "job_id": job_id, "timeline": rest})
        run.wait_until(lambda: all(run.job_events(kind, job_id) for kind, job_id in (
            ("copy_job", copy_early), ("copy_job", copied), ("copy_job", copy_partial),
            ("scan_job", scan_clean), ("scan_job", scan_threats))), 120, "every job's event")
        time.sleep(6)  # a poll's reach: anything repeated would follow
    assert states(run, "copy_job", copy_early) == [(None, "succeeded")]
    assert states(run, "copy_job", copied) == [("running", "succeeded")]
    (partial,) = run.job_events("copy_job", copy_partial)
    assert partial["job"]["state"] == "failed" and partial["job"]["native_status"] == "PARTIAL"
    assert partial["job"]["message"] == "1 of 2 child copy jobs failed." and partial["detail"]["copy_job_id"] == copy_partial
    assert states(run, "scan_job", scan_clean) == [("running", "succeeded")]
    (threats,) = run.job_events("scan_job", scan_threats)
    assert threats["job"]["state"] == "failed" and threats["job"]["native_status"] == "COMPLETED"
    assert threats["job"]["message"] == ("The scan completed and found threats (ScanResultStatus THREATS_FOUND). "
                                         "1 infected file.")
    assert threats["detail"]["scan_result"] == {"scan_result_status": "THREATS_FOUND"}
    assert not run.job_events("scan_job", other_point)
    uuids = [e["meta"]["uuid"] for e in run.events]
    assert len(uuids) == len(set(uuids)) == 5
    assert {r["query"].get("ByRecoveryPointArn") for r in emulator.requests(operation="ListScanJobs")} == {point}
    assert_no_secrets(run.output, emulator)


def test_bad_input_ends_the_run_with_a_clear_line_and_no_request(emulator, tmp_path):
    # (the unit tests go through every check; these show what ansible-rulebook makes of one)
    cases = {
        "short_interval": ({"kind": "backup_report", "interval": 2}, "interval must be at least 5"),
        "bad_id": ({"kind": "backup_report", "job_ids": ["../etc"]}, "not a valid Backup report job id"),
        "option_of_another_kind": ({"kind": "panorama_device", "resource_uri": "/subscriptions/x"},
                                   "resource_uri (an option of hci_edge_device)"),
    }
    emulator.clear_requests()
    runs = {name: Rulebook(one_source_rulebook(tmp_path / f"{name}.yml", args), tmp_path / name, emulator=emulator)
            for name, (args, _text) in cases.items()}
    for name, run in runs.items():
        rc = run.wait(90)
        expected = cases[name][1]
        assert rc != 0, run.tail()
        lines = [line for line in run.output.splitlines() if "jobgate.cloud.job_status" in line and "stopped" in line]
        assert lines and expected in lines[0], run.tail()
        assert "Traceback" not in run.output, run.tail()
    assert emulator.requests() == []


def test_wrong_secret_ends_the_run_without_leaking(emulator, tmp_path):
    wrong = "wR0ngS3cretValue-0123456789abcdef"
    job_id, = seed(emulator, "backup_report", timeline=[["RUNNING", 0]])
    uri = machine_uri(emulator)
    hci_seed(emulator, uri, "support-eda-2", timeline=[["Scheduled", 0]])
    az = emulator.state["azure"]
    cases = {
        # AWS: the wrong secret in the environment
        "aws": ({"kind": "backup_report", "job_ids": [job_id], "interval": 5}, {"AWS_SECRET_ACCESS_KEY": wrong},
                "InvalidSignatureException"),
        # Azure: the service principal as extra vars referenced in the rulebook, the other way credentials arrive
        "azure": ({"kind": "hci_edge_device", "resource_uri": uri, "job_names": ["support-eda-2"],
                   "client_id": az["client_id"], "tenant": az["tenant"], "secret": "{{ azure_secret }}"},
                  {"AZURE_SECRET": None, "AZURE_CLIENT_ID": None, "AZURE_TENANT": None}, "AuthenticationFailed"),
    }
    runs = {cloud: Rulebook(one_source_rulebook(tmp_path / f"{cloud}.yml", args), tmp_path / cloud, emulator=emulator,
                            env=env, variables={"azure_secret": wrong}, verbosity=2)
            for cloud, (args, env, _code) in cases.items()}
    for cloud, run in runs.items():
        rc = run.wait(90)
        assert rc != 0, run.tail()
        assert cases[cloud][2] in run.output and "stopped" in run.output, run.tail()
        assert wrong not in run.output, run.tail()
        assert_no_secrets(run.output, emulator)


def test_shipped_rulebooks_run_a_playbook_on_ota_success_and_notify_on_a_failed_report(emulator, tmp_path):
    webhook = RecordingServer()
    add_devices(emulator, "device-eda-9")
    emulator.admin("POST", "/report-plans", {"name": "nightly_reports"})
    common = {"jobgate_poll_interval": 5}
    ota_run = Rulebook("extensions/eda/rulebooks/panorama_ota_succeeded.yml", tmp_path / "ota", emulator=emulator,
                       variables={**common, "panorama_device_id": "device-eda-9"})
    report_run = Rulebook("extensions/eda/rulebooks/backup_report_failed.yml", tmp_path / "report",
                          emulator=emulator, variables={**common, "backup_report_plan_name": "nightly_reports",
                                                        "jobgate_notify_url": webhook.url + "/notify"})
    try:
        ota_run.wait_until(lambda: log_times(emulator, "ListDevicesJobs"), 60, "the OTA rulebook's first poll")
        report_run.wait_until(lambda: log_times(emulator, "ListReportJobs"), 60, "the report rulebook's first poll")
        ota, = seed(emulator, "panorama_device", fields={"DeviceId": "device-eda-9"},
                    timeline=[["PENDING", 0], ["COMPLETED", 1]])
        seed(emulator, "panorama_device", fields={"DeviceId": "device-eda-9", "JobType": "REBOOT"},
             timeline=[["COMPLETED", 0]])
        ok, = seed(emulator, "backup_report", fields={"ReportPlanName": "nightly_reports"}, timeline=[["COMPLETED", 0]])
        bad, = seed(emulator, "backup_report", fields={"ReportPlanName": "nightly_reports"},
                    timeline=[["RUNNING", 0], ["FAILED", 1, "The S3 bucket does not exist."]])
        ota_run.wait_for_line(f"OTA job {ota} succeeded: device device-eda-9", 90)
        report_run.wait_until(lambda: [r for r in webhook.seen if "body" in r], 90, "the notify playbook's POST")
    finally:
        ota_run.stop()
        report_run.stop()
        webhook.close()
    assert ota_run.output.count("succeeded: device device-eda-9") == 1, ota_run.tail()
    (posted,) = [r for r in webhook.seen if "body" in r]
    assert posted["path"] == "/notify" and posted["headers"]["Content-Type"] == "application/json"
    post = json.loads(posted["body"])
    assert bad in post["text"] and "The S3 bucket does not exist." in post["text"]
    assert post["job"]["job_id"] == bad and post["job"]["state"] == "failed"
    assert f"AWS Backup report job {ok}" not in report_run.output, "a report job that succeeded was reported"
    for run in (ota_run, report_run):
        assert_no_secrets(run.output, emulator)


def test_one_event_per_finished_update_run(emulator, tmp_path):
    """Azure Local update runs in list mode: one event per run when it ends (a failed one with its root cause),
    none for a run whose state is Unknown (not terminal), a run that appears later picked up."""
    sub = emulator.state["azure"]["subscription_id"]
    cluster = f"/subscriptions/{sub}/resourceGroups/edge-rg/providers/Microsoft.AzureStackHCI/clusters/eda-cluster"
    update = "Solution12.2604.1003.20"

    def run(name, timeline):
        emulator.admin("POST", "/jobs", {"kind": "hci_update_run", "cluster_id": cluster, "update_name": update,
                                         "name": name, "timeline": timeline})

    run("run-done", [["Succeeded", 0]])
    run("run-unknown", [["Unknown", 0]])
    args = {"kind": "hci_update_run", "cluster_id": cluster, "update_name": update, "interval": 5}
    with Rulebook(one_source_rulebook(tmp_path / "updates.yml", args), tmp_path / "run", emulator=emulator,
                  verbosity=2) as rulebook:
        rulebook.wait_until(lambda: log_times(emulator, "UpdateRuns_List"), 90, "the first poll")
        # Each lasts two polls and more (interval 5 s), so a source slowed by a busy machine still sees it running.
        run("run-fails", [["InProgress", 0], ["Failed", 12, "Host node-2 lost its storage."]])
        run("run-later", [["InProgress", 0], ["Succeeded", 12]])
        rulebook.wait_until(lambda: rulebook.job_events("hci_update_run", "run-fails")
                            and rulebook.job_events("hci_update_run", "run-later"), 90, "every run's event")
        time.sleep(6)  # a poll more: nothing repeats, the Unknown run stays silent
    assert states(rulebook, "hci_update_run", "run-done") == [(None, "succeeded")]
    (failed,) = rulebook.job_events("hci_update_run", "run-fails")
    assert failed["previous_state"] == "running" and failed["job"]["state"] == "failed"
    assert failed["job"]["message"] == "Host node-2 lost its storage." and failed["job"]["finished_at"]
    assert failed["detail"]["properties"]["state"] == "Failed" and "normalized" not in failed["detail"]
    assert states(rulebook, "hci_update_run", "run-later") == [("running", "succeeded")]
    assert not rulebook.job_events("hci_update_run", "run-unknown")
    assert len(rulebook.events) == 3
    assert_no_secrets(rulebook.output, emulator)
