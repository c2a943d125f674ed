"""docs/event_driven.md works as written: its first rulebook and its inventory, taken from the guide itself, and the
shipped rulebook backup_report_failed with that inventory, run by the real ansible-rulebook against the emulator on
a host where interpreter discovery finds a broken Python first (a pyenv shim of a version that is not installed,
as a newcomer's machine had it); without the guide's ansible_python_interpreter the playbook fails there."""
from __future__ import annotations

import re
import stat
import time

import yaml

from aws_support import seed
from harness import REPO, assert_no_secrets
from hci_support import RecordingServer
from rulebook_support import VENV_BIN, Rulebook

GUIDE = REPO / "docs" / "event_driven.md"


def yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, re.S)


def guide_parts() -> tuple[str, str]:
    blocks = yaml_blocks(GUIDE.read_text())
    rulebook = next(b for b in blocks if "jobgate.cloud.job_status:" in b and "rules:" in b)
    inventory, = (b for b in blocks if b.startswith("# inventory.yml"))
    return rulebook, inventory


def shims(directory):
    """What pyenv leaves on PATH for a Python it does not have: found by `command -v`, failing when run."""
    directory.mkdir()
    for name in ("python3.14", "python3.13"):
        shim = directory / name
        shim.write_text(f'#!/bin/sh\necho "pyenv: {name}: command not found" >&2\nexit 127\n')
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return directory


def test_the_guides_rulebook_and_inventory_run_the_playbooks(emulator, tmp_path):
    rulebook, inventory = guide_parts()
    source = yaml.safe_load(rulebook)[0]["sources"][0]["jobgate.cloud.job_status"]
    assert source["kind"] == "backup_report" and source["on_start"] == "emit"
    assert yaml.safe_load(inventory)["all"]["hosts"]["localhost"]["ansible_python_interpreter"] == \
        "{{ ansible_playbook_python }}"
    plan = source["report_plan_name"]
    emulator.admin("POST", "/report-plans", {"name": plan})
    early, = seed(emulator, "backup_report", fields={"ReportPlanName": plan},
                  timeline=[["FAILED", 0, "The S3 bucket does not exist."]])
    (tmp_path / "rulebook.yml").write_text(rulebook)
    (tmp_path / "inventory.yml").write_text(inventory)
    # the inventory the guide used to describe, for contrast: interpreter discovery finds the shim
    (tmp_path / "bare.yml").write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n")
    path = f"{shims(tmp_path / 'shims')}:{VENV_BIN}:/usr/bin:/bin"
    # The shipped rulebook's playbook posts to the webhook with a module (uri) that runs on the inventory's host.
    webhook = RecordingServer()
    shipped = REPO / "extensions" / "eda" / "rulebooks" / "backup_report_failed.yml"
    runs = {"guide": Rulebook(tmp_path / "rulebook.yml", tmp_path / "guide", emulator=emulator, env={"PATH": path},
                              inventory=tmp_path / "inventory.yml")}
    for name, inventory_file in (("shipped", "inventory.yml"), ("bare", "bare.yml")):
        runs[name] = Rulebook(shipped, tmp_path / name, emulator=emulator, env={"PATH": path},
                              inventory=tmp_path / inventory_file,
                              variables={"backup_report_plan_name": plan, "jobgate_poll_interval": 5,
                                         "jobgate_notify_url": f"{webhook.url}/{name}"})
    try:
        runs["guide"].wait_for_line(f"AWS Backup report job {early} of ", 120)
        for name in ("shipped", "bare"):
            runs[name].wait_for_line("watching every listed job", 120)
        time.sleep(6)  # past both sources' first poll (on_start: skip), so the next job is a change they report
        late, = seed(emulator, "backup_report", fields={"ReportPlanName": plan},
                     timeline=[["RUNNING", 0], ["FAILED", 1, "The S3 bucket does not exist."]])
        runs["shipped"].wait_until(lambda: [r for r in webhook.seen if "body" in r], 120, "the notify playbook's POST")
        runs["shipped"].wait_for_line(f"AWS Backup report job {late} of ", 60)  # the task after the POST
        runs["bare"].wait_until(lambda: "command not found" in runs["bare"].output, 120, "the shim's failure")
    finally:
        for run in runs.values():
            run.stop()
        webhook.close()
    guide = runs["guide"].output
    assert "The S3 bucket does not exist." in guide and "command not found" not in guide, runs["guide"].tail()
    assert "command not found" not in runs["shipped"].output, runs["shipped"].tail()
    assert f"AWS Backup report job {late} of " in runs["shipped"].output, runs["shipped"].tail()
    assert [r["path"] for r in webhook.seen if "body" in r] == ["/shipped"]
    for run in runs.values():
        assert_no_secrets(run.output, emulator)
