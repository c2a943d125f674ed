"""docs/gating_deployments.md works as written: every YAML snippet of the guide, taken from the guide itself, runs
in one play against an emulator (in the guide's region), twice; the second run starts nothing new and every gate
passes again (what a user rerunning a play after a failure relies on)."""
from __future__ import annotations

import datetime
import re

import yaml

from harness import REPO, EmulatorProcess, assert_no_secrets, run_playbook
from hci_support import machine_uri

GUIDE = REPO / "docs" / "gating_deployments.md"
STARTS = ("CreateJobForDevices", "CreatePackageImportJob", "StartReportJob", "StartBackupJob", "StartRestoreJob",
          "EdgeDeviceJobs_CreateOrUpdate")
REGION = "eu-west-1"
FAST = {"panorama_device:OTA": [["PENDING", 0], ["DOWNLOADING", 0.5], ["COMPLETED", 1.5]],
        "panorama_package_import": [["PENDING", 0], ["SUCCEEDED", 1]],
        "backup_report": [["CREATED", 0], ["RUNNING", 0.5], ["COMPLETED", 1]],
        "backup_job": [["CREATED", 0], ["RUNNING", 0.5], ["COMPLETED", 1.5]],
        "restore_job": [["PENDING", 0], ["RUNNING", 0.5], ["COMPLETED", 1.5]],
        "hci_edge_device": [["Scheduled", 0], ["DeploymentInProgress", 0.5], ["Succeeded", 1.5]]}


def snippets() -> tuple[dict, list]:
    """(the guide's module_defaults, every task of its other snippets, in order)."""
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(), re.S)]
    defaults = [b for b in blocks if isinstance(b, dict) and "module_defaults" in b]
    tasks = [task for b in blocks if isinstance(b, list) for task in b]
    assert len(defaults) == 1 and len(tasks) == sum(len(b) for b in blocks if isinstance(b, list))
    return defaults[0]["module_defaults"], tasks


def test_every_snippet_of_the_gating_guide_runs_twice(tmp_path):
    defaults, tasks = snippets()
    assert defaults["group/jobgate.cloud.aws"]["region"] == REGION
    names = [t["name"] for t in tasks]
    assert "Open a remote-support session for the maintenance window" in names and len(names) >= 12
    emu = EmulatorProcess(tmp_path / "emulator", extra_args=["--region", REGION])
    try:
        emu.admin("POST", "/devices", {"devices": [
            {"device_id": d, "name": f"hub-{d}", "current_software": "4.3.45", "latest_software": "4.3.55"}
            for d in ("device-store-1", "device-store-2")]})
        emu.admin("POST", "/report-plans", {"name": "pre_release_backup_audit"})
        emu.admin("POST", "/backup-vaults", {"name": "release-vault"})
        emu.admin("POST", "/resources", {"arn": f"arn:aws:rds:{REGION}:123456789012:db:orders-db"})
        emu.admin("POST", "/timelines", FAST)
        # the guide's connection defaults, pointed at the emulator
        defaults["group/jobgate.cloud.aws"]["endpoint_url"] = "{{ emulator_aws_endpoint }}"
        defaults["group/jobgate.cloud.azure"]["cloud_environment"] = "{{ emulator_https_endpoint }}"
        tomorrow = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
        until = tomorrow.strftime("%Y-%m-%dT%H:%M:%SZ")
        play = [{"name": "The gating guide's snippets", "hosts": "localhost", "gather_facts": False,
                 "module_defaults": defaults, "tasks": tasks,
                 "vars": {"store_devices": ["device-store-1", "device-store-2"], "release_id": "2.4", "change_id": 7,
                          "machine_id": machine_uri(emu), "support_until": until,
                          "subscription_id": emu.state["azure"]["subscription_id"],
                          # the last snippet decides on the report jobs of the earlier one
                          "report_job_ids": "{{ [report.job.normalized.job_id] }}"}}]
        text = yaml.safe_dump(play, sort_keys=False)
        runs, started = [], []
        for i in (1, 2):
            emu.clear_requests()
            runs.append(run_playbook(text, emulator=emu, out_dir=tmp_path / f"run{i}", verbosity=1))
            started.append(sorted(r["operation"] for r in emu.requests() if r.get("operation") in STARTS))
    finally:
        emu.stop()
    for run in runs:
        assert run.rc == 0, run.stdout[-6000:]
        assert_no_secrets(run.stdout + run.stderr, emu)
    first, second = (re.search(r"localhost\s*: ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=0", r.stdout)
                     for r in runs)
    assert first and second, runs[1].stdout[-3000:]
    assert int(first.group(2)) >= 5 and second.group(2) == "0", (first.group(0), second.group(0))
    assert "Roll out the application" in runs[1].stdout and "Migrate the schema" in runs[1].stdout
    # the first run started every kind of job (an OTA per device); the rerun asked again where the API takes an
    # idempotency token or a name (and finds the same jobs) and started no OTA: both devices run 4.3.55 by then
    every_kind = ["CreateJobForDevices"] * 2 + ["CreatePackageImportJob", "StartReportJob", "StartBackupJob",
                                                "StartRestoreJob", "EdgeDeviceJobs_CreateOrUpdate"]
    assert started[0] == sorted(every_kind), started
    assert "CreateJobForDevices" not in started[1], started


def test_the_awx_guide_s_resume_snippets_run_twice(emulator, run_playbook, tmp_path):
    """docs/awx.md, "Resuming a gate": the start that keeps its ids, then the resume play with those ids as extra
    vars, each run twice, as a relaunch would; the second start returns the same backup (its token)."""
    text = (REPO / "docs" / "awx.md").read_text()
    section = text.split("### Resuming a gate", 1)[1]
    start_tasks, resume = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", section, re.S)[:2]]
    assert any("ansible.builtin.set_stats" in task for task in start_tasks)
    database = f"arn:aws:rds:{emulator.region}:123456789012:db:orders-db"
    emulator.admin("POST", "/backup-vaults", {"name": "release-vault"})
    emulator.admin("POST", "/resources", {"arn": database})
    emulator.admin("POST", "/timelines", {"backup_job": [["CREATED", 0], ["RUNNING", 0.5], ["COMPLETED", 2]]})
    start_play = [{"hosts": "localhost", "gather_facts": False,
                   "module_defaults": {"group/jobgate.cloud.aws": {"endpoint_url": "{{ emulator_aws_endpoint }}"}},
                   "vars": {"database_arn": database, "release_id": "2.4", "backup_role_arn":
                            "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"},
                   "tasks": start_tasks + [{"name": "Save the ids", "ansible.builtin.copy": {
                       "content": "{{ backup.jobs | map(attribute='normalized.job_id') | list | to_json }}",
                       "dest": "{{ out_dir }}/ids.json", "mode": "0600"}}]}]
    starts = [run_playbook(yaml.safe_dump(start_play), emulator=emulator, verbosity=1) for _run in (1, 2)]
    for run in starts:
        run.assert_ok()
    ids = [(run.out_dir / "ids.json").read_text() for run in starts]
    assert ids[0] == ids[1] and len(yaml.safe_load(ids[0])) == 1, ids
    resume[0]["module_defaults"] = {"group/jobgate.cloud.aws": {"endpoint_url": "{{ emulator_aws_endpoint }}"}}
    for _run in (1, 2):
        run = run_playbook(yaml.safe_dump(resume), emulator=emulator, verbosity=1,
                           extra_vars={"gate_kind": "backup_job", "gate_ids": yaml.safe_load(ids[0])})
        run.assert_ok()
        assert "backup_job jobs: 1 succeeded, 0 failed, 0 canceled, 0 still open" in run.stdout, run.tail()
