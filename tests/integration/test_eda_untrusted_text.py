"""Text from an API is data: a job's message, a name or a tag holding Jinja never runs on the controller.

ansible-rulebook passes a rule's event to run_playbook as the extra variable ansible_eda, which ansible-core loads
as trusted template text. These tests put Jinja that would create a file into every text field a kind has (status
messages, a device name, a package name, a tag's key and value), run the real ansible-rulebook with the guide's
safe rule and playbook (docs/event_driven.md, taken from the guide itself) and with the collection's own
rulebooks, and check that no file appears and the text arrives verbatim, in the event and in the playbook. The
guide's unsafe way is run too: it does create the files, which shows that the payload is live. The role and the
filter under the installed ansible-core (2.18 in the smoke run) are checked without ansible-rulebook.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from aws_support import add_devices, seed
from harness import REPO
from hci_support import RecordingServer, machine_uri
from hci_support import seed as hci_seed
from rulebook_support import Rulebook

GUIDE = REPO / "docs/event_driven.md"


def payload(directory: Path, field: str) -> str:
    """Jinja that creates directory/pwned-<field> if anything renders it."""
    return "{{ lookup('ansible.builtin.pipe', 'touch %s/pwned-%s') }} {%% if true %%}x{%% endif %%} {# c #}" % (
        directory, field)


def code_block_after(text: str, marker: str) -> str:
    match = re.search(re.escape(marker) + r".*?```yaml\n(.*?)```", text, re.S)
    assert match, f"the guide has no yaml block after {marker!r}"
    return match.group(1)


def guide_blocks() -> dict:
    text = GUIDE.read_text()
    return {
        "rulebook": yaml.safe_load(code_block_after(text, "In the rulebook:")),
        "playbook": yaml.safe_load(code_block_after(text, "and in the playbook `notify.yml`:")),
        "unsafe_action": yaml.safe_load(code_block_after(text, "Never this, in the rulebook")),
        "unsafe_playbook": yaml.safe_load(code_block_after(text, "nor this, in the playbook")),
    }


def pwned(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("pwned-*"))


def test_the_guides_safe_way_keeps_every_kinds_text_data(emulator, tmp_path):
    trap = tmp_path / "trap"
    trap.mkdir()
    dumps = tmp_path / "decoded"
    dumps.mkdir()
    # A failed job of every kind that has a message, with Jinja in it; a device and a package with Jinja in their
    # names; a package import job with Jinja in a tag's key and value.
    report, = seed(emulator, "backup_report", timeline=[["CREATED", 0], ["FAILED", 0, payload(trap, "report")]])
    backup, = seed(emulator, "backup_job", timeline=[["CREATED", 0], ["FAILED", 0, payload(trap, "backup")]])
    restore, = seed(emulator, "restore_job", timeline=[["PENDING", 0], ["FAILED", 0, payload(trap, "restore")]])
    tags = [{"ResourceType": "PACKAGE", "Tags": {payload(trap, "tag-key"): payload(trap, "tag-value")}}]
    package, = seed(emulator, "panorama_package_import", timeline=[["PENDING", 0], ["FAILED", 0,
                                                                                    payload(trap, "import")]],
                    fields={"JobTags": tags, "OutputConfig": {"PackageVersionOutputConfig": {
                        "PackageName": payload(trap, "package-name"), "PackageVersion": "1.0"}}})
    emulator.admin("POST", "/devices", {"devices": [{"device_id": "device-jinja", "name": payload(trap, "device")}]})
    ota, = seed(emulator, "panorama_device", fields={"DeviceId": "device-jinja"}, timeline=[["COMPLETED", 0]])
    uri = machine_uri(emulator)
    hci_seed(emulator, uri, "jinja-job-1", timeline=[["Failed", 0]], reported_properties={
        "deploymentStatus": {"steps": [{"name": "Collect", "exception": [payload(trap, "hci")]}]}})

    guide = guide_blocks()
    action = guide["rulebook"][0]["rules"][0]["action"]
    assert action["run_playbook"]["name"] == "notify.yml"
    playbook = guide["playbook"]
    # One more task after the guide's own: write what the playbook decoded, to compare with the event.
    playbook[0]["tasks"].append({"name": "Keep what the playbook read", "ansible.builtin.copy": {
        "content": "{{ report | to_json }}", "dest": str(dumps) + "/{{ report.kind }}.json", "mode": "0600"}})
    workdir = tmp_path / "rulebook"
    workdir.mkdir()
    (workdir / "notify.yml").write_text(yaml.safe_dump(playbook, sort_keys=False))
    common = {"interval": 5}
    sources = [
        {"kind": "backup_report", "job_ids": [report]},
        {"kind": "backup_job", "job_ids": [backup]},
        {"kind": "restore_job", "job_ids": [restore]},
        {"kind": "panorama_package_import", "job_ids": [package]},
        {"kind": "panorama_device", "device_id": "device-jinja"},
        {"kind": "hci_edge_device", "resource_uri": uri, "job_names": ["jinja-job-1"]},
    ]
    rulebook = workdir / "rulebook.yml"
    rulebook.write_text(yaml.safe_dump([{
        "name": "The guide's rule, for every kind", "hosts": "all",
        "sources": [{"name": s["kind"], "jobgate.cloud.job_status": {**s, **common}} for s in sources],
        "rules": [{"name": "Every job event", "condition": "event.job_status is defined",
                   "actions": [{"print_event": None}, action]}],
    }], sort_keys=False))
    kinds = [s["kind"] for s in sources]
    with Rulebook(rulebook, workdir, emulator=emulator) as run:
        run.wait_until(lambda: all((dumps / f"{kind}.json").exists() for kind in kinds), 180,
                       "every kind's playbook run")
    assert pwned(trap) == [], run.tail()

    # The events carry the text verbatim, and the playbook read exactly the event the rule saw.
    for kind in kinds:
        (event,) = run.job_events(kind)
        assert json.loads((dumps / f"{kind}.json").read_text()) == event, kind
    by_kind = {kind: run.job_events(kind)[0] for kind in kinds}
    for kind, field in (("backup_report", "report"), ("backup_job", "backup"), ("restore_job", "restore"),
                        ("panorama_package_import", "import"), ("hci_edge_device", "hci")):
        assert by_kind[kind]["job"]["message"] == payload(trap, field), kind
        assert by_kind[kind]["job"]["state"] == "failed"
    imported = by_kind["panorama_package_import"]["detail"]
    assert imported["job_tags"] == [{"resource_type": "PACKAGE", "tags": tags[0]["Tags"]}], imported
    assert imported["output_config"]["package_version_output_config"]["package_name"] == payload(trap, "package-name")
    assert by_kind["panorama_device"]["job"]["job_id"] == ota
    assert by_kind["panorama_device"]["detail"]["device_name"] == payload(trap, "device")
    # The guide's playbook printed the message after set_fact, as the API wrote it.
    assert f"Report job {report} failed: {payload(trap, 'report')}" in run.output, run.tail()


def test_the_guides_unsafe_way_runs_the_jobs_text(emulator, tmp_path):
    trap = tmp_path / "trap"
    trap.mkdir()
    # The message names the file through a variable each task of the playbook sets, so each way shows on its own.
    message = "{{ lookup('ansible.builtin.pipe', 'touch ' ~ pwned_path) }}"
    report, = seed(emulator, "backup_report", timeline=[["CREATED", 0], ["FAILED", 0, message]])
    guide = guide_blocks()
    unsafe = guide["unsafe_playbook"]
    names = [f"pwned-task{i}" for i in range(len(unsafe[0]["tasks"]))]
    for task, name in zip(unsafe[0]["tasks"], names):
        task["vars"] = {"pwned_path": str(trap / name)}
    workdir = tmp_path / "rulebook"
    workdir.mkdir()
    (workdir / "notify.yml").write_text(yaml.safe_dump(unsafe, sort_keys=False))
    rule = dict(guide["rulebook"][0]["rules"][0], action=guide["unsafe_action"]["action"])
    rulebook = workdir / "rulebook.yml"
    rulebook.write_text(yaml.safe_dump([{
        "name": "The guide's unsafe rule", "hosts": "all",
        "sources": [{"name": "reports", "jobgate.cloud.job_status": {"kind": "backup_report", "job_ids": [report],
                                                                     "interval": 5}}],
        "rules": [rule]}], sort_keys=False))
    with Rulebook(rulebook, workdir, emulator=emulator) as run:
        run.wait_until(lambda: pwned(trap) == names or "PLAY RECAP" in run.output, 120, "the playbook's end")
    # Both ways ran the job's message: the extra variable the rule set, and ansible_eda.
    assert pwned(trap) == names, run.tail()


def test_the_shipped_rulebooks_keep_the_text_data(emulator, tmp_path):
    trap = tmp_path / "trap"
    trap.mkdir()
    webhook = RecordingServer()
    add_devices(emulator, "device-eda-7")
    emulator.admin("POST", "/devices", {"devices": [{"device_id": "device-eda-7", "name": payload(trap, "device")}]})
    emulator.admin("POST", "/report-plans", {"name": "nightly_reports"})
    common = {"jobgate_poll_interval": 5}
    ota_run = Rulebook("extensions/eda/rulebooks/panorama_ota_succeeded.yml", tmp_path / "ota", emulator=emulator,
                       variables={**common, "panorama_device_id": "device-eda-7"})
    report_run = Rulebook("extensions/eda/rulebooks/backup_report_failed.yml", tmp_path / "report",
                          emulator=emulator, variables={**common, "backup_report_plan_name": "nightly_reports",
                                                        "jobgate_notify_url": webhook.url + "/notify"})
    try:
        ota_run.wait_until(lambda: emulator.requests(operation="ListDevicesJobs"), 60, "the OTA rulebook's first poll")
        report_run.wait_until(lambda: emulator.requests(operation="ListReportJobs"), 60,
                              "the report rulebook's first poll")
        ota, = seed(emulator, "panorama_device", fields={"DeviceId": "device-eda-7"},
                    timeline=[["PENDING", 0], ["COMPLETED", 1]])
        bad, = seed(emulator, "backup_report", fields={"ReportPlanName": "nightly_reports"},
                    timeline=[["RUNNING", 0], ["FAILED", 1, payload(trap, "report")]])
        ota_run.wait_for_line(f"OTA job {ota} succeeded: device device-eda-7", 90)
        report_run.wait_until(lambda: [r for r in webhook.seen if "body" in r], 90, "the notify playbook's POST")
    finally:
        ota_run.stop()
        report_run.stop()
        webhook.close()
    assert pwned(trap) == [], report_run.tail() + ota_run.tail()
    (posted,) = [r for r in webhook.seen if "body" in r]
    post = json.loads(posted["body"])
    assert post["job"]["job_id"] == bad and post["job"]["message"] == payload(trap, "report")
    assert post["text"].endswith(f"failed: {payload(trap, 'report')}"), post["text"]
    assert f"device device-eda-7 ({payload(trap, 'device')}) runs image" in ota_run.output, ota_run.tail()


@pytest.mark.smoke
def test_the_role_reports_a_failed_jobs_text_as_it_is(emulator, run_playbook, tmp_path):
    trap = tmp_path / "trap"
    trap.mkdir()
    why = payload(trap, "role")
    ids = emulator.admin("POST", "/jobs", {"jobs": [{"kind": "backup_report",
                                                     "timeline": [["CREATED", 0], ["FAILED", 2, why]]}]})["job_ids"]
    result = run_playbook("playbooks/role_wait_for_job.yml", emulator=emulator, extra_vars={
        "wait_for_job_kind": "backup_report", "wait_for_job_ids": ids, "wait_for_job_delay": 1,
        "wait_for_job_timeout": 40, "wait_for_job_aws": {"endpoint_url": emulator.aws_endpoint}})
    out = result.result("outcome")
    assert pwned(trap) == [], result.tail()
    assert out["failed"] and out["msg"].endswith(f"{ids[0]} failed (FAILED): {why}"), result.tail()
    assert out["result"]["jobs"][0]["normalized"]["message"] == why


@pytest.mark.smoke
def test_the_filter_keeps_an_event_data_under_this_ansible_core(run_playbook, tmp_path):
    """The extra variables as ansible-rulebook makes them (the rule's extra_vars rendered by Jinja's native
    environment, plus ansible_eda), loaded from a file as ansible-runner passes them (`-e @file`, trusted), read by
    the guide's playbooks under the installed ansible-core: 2.18 in `make test-2.18`, which has no ansible-rulebook."""
    import jinja2.nativetypes  # pylint: disable=import-outside-toplevel

    trap = tmp_path / "trap"
    trap.mkdir()
    job = {"job_id": "j-1", "state": "failed", "message": payload(trap, "message") + " 100% <b>&'+\u00e9 %7B"}
    job_status = {"kind": "backup_report", "previous_state": "running", "job": job,
                  "detail": {"tags": {"__ansible_unsafe": "x", "__ansible_vault": "y", payload(trap, "key"): "v"}}}
    guide = guide_blocks()
    template = guide["rulebook"][0]["rules"][0]["action"]["run_playbook"]["extra_vars"]["jobgate_event"]
    env = jinja2.nativetypes.NativeEnvironment(undefined=jinja2.StrictUndefined)  # what ansible-rulebook renders with
    encoded = env.from_string(template).render({"event": {"job_status": job_status}})
    eda = {"ruleset": "r", "rule": "r", "event": {"job_status": job_status}}
    playbook = guide["playbook"]
    playbook[0]["tasks"].append({"name": "Keep what the playbook read", "ansible.builtin.copy": {
        "content": "{{ failed_job | to_json }}", "dest": str(tmp_path / "decoded.json"), "mode": "0600"}})
    safe = run_playbook(yaml.safe_dump(playbook), extra_vars={"jobgate_event": encoded, "ansible_eda": eda},
                        out_dir=tmp_path / "safe")
    assert safe.rc == 0 and pwned(trap) == [], safe.tail()
    assert json.loads((tmp_path / "decoded.json").read_text()) == job
    unsafe = run_playbook(yaml.safe_dump(guide["unsafe_playbook"]), out_dir=tmp_path / "unsafe",
                          extra_vars={"message": job["message"], "ansible_eda": eda})
    assert "pwned-message" in pwned(trap), unsafe.tail()
