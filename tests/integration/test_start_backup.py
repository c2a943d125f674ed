"""backup_report_job through ansible-playbook against the emulator."""
from __future__ import annotations

import pytest

from start_support import job_ids, operations, started

REPORT = "playbooks/start_backup_report.yml"


def add_plan(emulator, name: str = "nightly_backup_jobs") -> str:
    emulator.admin("POST", "/report-plans", {"name": name})
    return name


def test_without_a_token_every_run_starts_a_report(emulator, run_playbook, assert_no_secrets):
    plan = add_plan(emulator)
    first_run = run_playbook(REPORT, emulator=emulator, extra_vars={"report_plan_name": plan, "wait": True})
    first = started(first_run)
    assert first["changed"] is True and not first.get("failed")
    assert first["job"]["status"] == "COMPLETED" and first["job"]["normalized"]["succeeded"] is True
    assert first["job"]["report_destination"]["s3_keys"]
    assert first["summary"]["all_succeeded"] is True and first["elapsed"] > 0
    assert_no_secrets(first_run.output, emulator)

    second = started(run_playbook(REPORT, emulator=emulator, extra_vars={"report_plan_name": plan}))
    assert second["changed"] is True and second["job"]["report_job_id"] != first["job"]["report_job_id"]
    assert len(job_ids(emulator, "backup_report")) == 2
    assert len(operations(emulator, "StartReportJob")) == 2


@pytest.mark.smoke
def test_with_a_token_a_rerun_returns_the_same_job(emulator, run_playbook):
    plan = add_plan(emulator)
    extra = {"report_plan_name": plan, "idempotency_token": "change-4711"}
    first = started(run_playbook(REPORT, emulator=emulator, extra_vars=extra))
    assert first["changed"] is True
    second = started(run_playbook(REPORT, emulator=emulator, extra_vars=dict(extra, wait=True)))
    assert second["changed"] is False
    assert second["job"]["report_job_id"] == first["job"]["report_job_id"]
    assert second["job"]["normalized"]["terminal"] is True
    assert job_ids(emulator, "backup_report") == [first["job"]["report_job_id"]]
    # Another token is another report.
    third = started(run_playbook(REPORT, emulator=emulator, extra_vars=dict(extra, idempotency_token="change-4712")))
    assert third["changed"] is True and len(job_ids(emulator, "backup_report")) == 2


def test_check_mode_starts_nothing(emulator, run_playbook):
    plan = add_plan(emulator)
    out = started(run_playbook(REPORT, emulator=emulator, check=True, extra_vars={"report_plan_name": plan}))
    assert out["changed"] is True and out["jobs"] == []
    assert out["would_start"] == [{"report_plan_name": plan, "idempotency_token": None}]
    assert operations(emulator, "StartReportJob") == [] and job_ids(emulator, "backup_report") == []


def test_bad_input_and_missing_plan(emulator, run_playbook, assert_no_secrets):
    for extra in ({"report_plan_name": "9starts_with_digit"}, {"report_plan_name": "has-dash"},
                  {"report_plan_name": "ok_plan", "idempotency_token": ""}):
        out = started(run_playbook(REPORT, emulator=emulator, extra_vars=extra))
        assert out["failed"] is True and out["error"]["code"] == "ValidationError", out
    assert operations(emulator) == []
    result = run_playbook(REPORT, emulator=emulator, extra_vars={"report_plan_name": "no_such_plan"})
    out = started(result)
    assert out["failed"] is True and out["changed"] is False
    assert out["error"]["code"] == "ResourceNotFoundException" and out["error"]["retryable"] is False
    assert "no_such_plan" in out["msg"]
    assert_no_secrets(result.output, emulator)
