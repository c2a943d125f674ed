"""backup_report_job_info through ansible-playbook against the emulator."""
from __future__ import annotations

import datetime

import pytest

from aws_support import aws_client, aws_requests, seed

BACKUP = "playbooks/aws_backup_report.yml"


def info(result):
    return result.assert_ok().result("info")


@pytest.mark.smoke
def test_report_job_started_then_waited(emulator, run_playbook, assert_no_secrets):
    emulator.admin("POST", "/report-plans", {"name": "nightly_jobs"})
    job_id = aws_client(emulator, "backup").start_report_job(ReportPlanName="nightly_jobs")["ReportJobId"]
    emulator.clear_requests()
    result = run_playbook(BACKUP, emulator=emulator, extra_vars={"job_id": job_id, "wait": True})
    out = info(result)
    job = out["job"]
    assert job["report_job_id"] == job_id and job["status"] == "COMPLETED"
    assert job["normalized"]["state"] == "succeeded" and job["normalized"]["finished_at"]
    assert job["report_destination"]["s3_keys"], job
    assert "elapsed" in out
    assert all(r["signed"] and r["auth_ok"] for r in aws_requests(emulator))
    assert_no_secrets(result.output, emulator)


def test_job_ids_and_list_filters(emulator, run_playbook):
    done = seed(emulator, "backup_report", count=2, fields={"ReportPlanName": "plan_a"},
                timeline=[["CREATED", 0], ["COMPLETED", 0]])
    failed = seed(emulator, "backup_report", fields={"ReportPlanName": "plan_a"},
                  timeline=[["CREATED", 0], ["FAILED", 0, "Access Denied."]])
    old = seed(emulator, "backup_report", fields={"ReportPlanName": "plan_a"}, created_ago=3 * 86400,
               timeline=[["COMPLETED", 0]])
    other = seed(emulator, "backup_report", fields={"ReportPlanName": "plan_b"}, timeline=[["RUNNING", 0]])

    many = info(run_playbook(BACKUP, emulator=emulator, extra_vars={"job_ids": [other[0], done[0]]}))
    assert [j["report_job_id"] for j in many["jobs"]] == [other[0], done[0]]
    assert [j["normalized"]["state"] for j in many["jobs"]] == ["running", "succeeded"]

    plan_a = info(run_playbook(BACKUP, emulator=emulator, extra_vars={"report_plan_name": "plan_a"}))
    assert sorted(j["report_job_id"] for j in plan_a["jobs"]) == sorted(done + failed + old)

    only_failed = info(run_playbook(BACKUP, emulator=emulator, extra_vars={"status": "FAILED"}))
    assert [j["report_job_id"] for j in only_failed["jobs"]] == failed
    assert only_failed["jobs"][0]["normalized"]["message"] == "Access Denied."

    since = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = info(run_playbook(BACKUP, emulator=emulator,
                               extra_vars={"report_plan_name": "plan_a", "created_after": since}))
    assert sorted(j["report_job_id"] for j in recent["jobs"]) == sorted(done + failed)
    before = info(run_playbook(BACKUP, emulator=emulator, extra_vars={"created_before": since}))
    assert [j["report_job_id"] for j in before["jobs"]] == old


def test_list_paginates_to_the_end(emulator, run_playbook):
    ids = seed(emulator, "backup_report", count=130, fields={"ReportPlanName": "big_plan"})
    emulator.clear_requests()
    out = info(run_playbook(BACKUP, emulator=emulator, extra_vars={"report_plan_name": "big_plan"}))
    assert sorted(j["report_job_id"] for j in out["jobs"]) == sorted(ids)
    assert [r["operation"] for r in aws_requests(emulator)] == ["ListReportJobs", "ListReportJobs"]
