"""Starting Backup report jobs: input validation, token handling and the "existed before the task" rule."""
from __future__ import annotations

import datetime

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws import source as aws_source
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_report import start as bs
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError

import aws_fakes  # tests/unit/plugins/module_utils/aws_fakes.py

NOW = 1_750_000_000.0


class FakeModule(aws_fakes.FakeModule):
    defaults = {"idempotency_token": None}


class FakeBackup:
    def __init__(self, jobs=None):
        self.jobs = jobs or []
        self.starts: list = []

    def list_report_jobs(self, **kwargs):
        return {"ReportJobs": [j for j in self.jobs if j["Plan"] == kwargs.get("ByReportPlanName")]}

    def start_report_job(self, **kwargs):
        self.starts.append(kwargs)
        for job in self.jobs:
            if job["Token"] == kwargs["IdempotencyToken"]:
                return {"ReportJobId": job["ReportJobId"]}
        job = {"ReportJobId": f"r{len(self.jobs)}", "Plan": kwargs["ReportPlanName"], "Token": kwargs["IdempotencyToken"],
               "Status": "CREATED", "CreationTime": datetime.datetime.fromtimestamp(NOW, datetime.timezone.utc)}
        self.jobs.append(job)
        return {"ReportJobId": job["ReportJobId"]}

    def describe_report_job(self, ReportJobId):
        return {"ReportJob": next(j for j in self.jobs if j["ReportJobId"] == ReportJobId)}


@pytest.fixture
def fake(monkeypatch):
    holder = FakeBackup()
    monkeypatch.setattr(aws_source, "AwsClient", lambda settings, service, **kw: AwsClient(
        settings, service, policy=RetryPolicy(), deadline=Deadline(sleep=lambda s: None), client=holder))
    monkeypatch.setattr(bs, "_time", lambda: NOW)
    return holder


@pytest.mark.parametrize("params,words", [
    ({"report_plan_name": "1plan"}, "report plan name"),
    ({"report_plan_name": "plan-x"}, "report plan name"),
    ({"report_plan_name": None}, "required"),
    ({"report_plan_name": "ok", "idempotency_token": " "}, "non-empty"),
    ({"report_plan_name": "ok", "idempotency_token": "a\nb"}, "control"),
    ({"report_plan_name": "ok", "idempotency_token": "x" * 1025}, "1024"),
])
def test_bad_input_before_any_client(monkeypatch, params, words):
    monkeypatch.setattr(aws_source, "AwsClient", lambda *a, **k: pytest.fail("a client was created for bad input"))
    with pytest.raises(JobGateError) as err:
        bs.report_job(FakeModule(**params))
    assert err.value.code == "ValidationError" and words in err.value.msg


def test_without_token_every_run_starts_with_a_fresh_token(fake):
    first = bs.report_job(FakeModule(report_plan_name="plan_a"))
    second = bs.report_job(FakeModule(report_plan_name="plan_a"))
    assert first["changed"] is True and second["changed"] is True
    assert first["job"]["report_job_id"] != second["job"]["report_job_id"]
    tokens = [s["IdempotencyToken"] for s in fake.starts]
    assert len(set(tokens)) == 2 and all(tokens)


def test_with_token_the_rerun_is_not_a_change(fake):
    first = bs.report_job(FakeModule(report_plan_name="plan_a", idempotency_token="t-1"))
    second = bs.report_job(FakeModule(report_plan_name="plan_a", idempotency_token="t-1"))
    assert first["changed"] is True and second["changed"] is False
    assert second["job"]["report_job_id"] == first["job"]["report_job_id"] and len(fake.jobs) == 1


def test_check_mode_starts_nothing(fake):
    out = bs.report_job(FakeModule(check_mode=True, report_plan_name="plan_a", idempotency_token="t-9"))
    assert out["changed"] is True and out["would_start"] == [{"report_plan_name": "plan_a", "idempotency_token": "t-9"}]
    assert fake.starts == []


def test_is_new_job():
    started = NOW
    recent = datetime.datetime.fromtimestamp(NOW - 10, datetime.timezone.utc)
    ancient = datetime.datetime.fromtimestamp(NOW - 3600, datetime.timezone.utc)
    assert bs.is_new_job("j", set(), recent, started) is True       # clocks may differ a little
    assert bs.is_new_job("j", {"j"}, recent, started) is False      # listed before the call
    assert bs.is_new_job("j", set(), ancient, started) is False     # clearly older than the task
    assert bs.is_new_job("j", set(), None, started) is True
