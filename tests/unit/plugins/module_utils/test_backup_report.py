"""Backup report job source: validation before any request, list filters and pagination, describe."""
from __future__ import annotations

import datetime

import pytest
from botocore.stub import Stubber

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws import source as aws_source
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AwsSettings
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_report import source as br_source
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_report.source import (
    BackupReportJobSource, check_report_job_id, check_report_plan_name, parse_time,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError

import aws_fakes  # tests/unit/plugins/module_utils/aws_fakes.py

UTC = datetime.timezone.utc
T0 = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


class FakeModule(aws_fakes.FakeModule):
    defaults = {"report_job_id": None, "job_ids": None, "report_plan_name": None, "status": None,
                "created_after": None, "created_before": None}


@pytest.fixture
def no_client(monkeypatch):
    aws_fakes.refuse_clients(monkeypatch)


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return AwsClient(AwsSettings(region="us-east-1", access_key="AKIDEXAMPLE", secret_key="s3cr3t-value"), "backup",
                     policy=RetryPolicy(), deadline=Deadline(sleep=lambda s: None))


# ------------------------------------------------------------------------------------------------ validation
@pytest.mark.parametrize("good", ["9a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "r", "x" * 1024, "ü" * 512])
def test_valid_report_job_ids(good):
    assert check_report_job_id("report_job_id", good) == good


@pytest.mark.parametrize("bad", ["", "  ", "..", "a/b", "a?b", "a#b", "x" * 1025, "ü" * 513, "a\nb", None, 7])
def test_invalid_report_job_ids(bad):
    with pytest.raises(JobGateError) as err:
        check_report_job_id("report_job_id", bad)
    assert err.value.code == "ValidationError" and err.value.retryable is False


@pytest.mark.parametrize("name,ok", [("daily_jobs", True), ("a", True), ("a" * 256, True), ("a" * 257, False),
                                     ("1plan", False), ("plan-1", False), ("", False), ("plan\n", False)])
def test_report_plan_name(name, ok):
    if ok:
        assert check_report_plan_name(name) == name
    else:
        with pytest.raises(JobGateError):
            check_report_plan_name(name)


@pytest.mark.parametrize("text,expected", [
    ("2024-05-01", T0.replace(hour=0)),
    ("2024-05-01T12:00:00Z", T0),
    ("2024-05-01T14:00:00+02:00", T0),
    ("2024-05-01T12:00:00", T0),
])
def test_parse_time(text, expected):
    assert parse_time("created_after", text) == expected


@pytest.mark.parametrize("text", ["yesterday", "1714564800", "2024-13-01", "2024-05-01T25:00:00Z", ""])
def test_parse_time_rejects(text):
    with pytest.raises(JobGateError) as err:
        parse_time("created_after", text)
    assert err.value.code == "ValidationError" and "created_after" in err.value.msg


@pytest.mark.parametrize("params", [
    {"report_job_id": "a/b"},
    {"job_ids": ["ok", "?"]},
    {"report_job_id": "a", "job_ids": ["b"]},
    {"report_job_id": "a", "status": "FAILED"},
    {"status": "DONE"},
    {"report_plan_name": "bad-name"},
    {"created_after": "last week"},
    {"created_after": "2024-05-02", "created_before": "2024-05-01"},
])
def test_handler_rejects_bad_input_before_any_client(no_client, params):
    with pytest.raises(JobGateError) as err:
        br_source.report_job_info(FakeModule(**params))
    assert err.value.code == "ValidationError"


# ------------------------------------------------------------------------------------------------ source
def test_describe_returns_the_inner_report_job(client):
    source = BackupReportJobSource(client)
    job = {"ReportJobId": "r1", "Status": "RUNNING", "CreationTime": T0, "ReportTemplate": "BACKUP_JOB_REPORT"}
    with Stubber(client.client) as stub:
        stub.add_response("describe_report_job", {"ReportJob": job}, {"ReportJobId": "r1"})
        assert source.describe("r1") == job


def test_describe_not_found(client):
    source = BackupReportJobSource(client)
    with Stubber(client.client) as stub:
        stub.add_client_error("describe_report_job", "ResourceNotFoundException", "Cannot find report job", 404)
        with pytest.raises(JobGateError) as err:
            source.describe("r-missing")
    assert err.value.error_block()["retryable"] is False and err.value.http_status == 404
    assert "Backup report job r-missing" in err.value.msg and "us-east-1" in err.value.msg


def test_list_sends_filters_and_paginates(client):
    after = T0
    before = T0 + datetime.timedelta(days=1)
    source = BackupReportJobSource(client, report_plan_name="daily_jobs", status="COMPLETED", created_after=after,
                                   created_before=before)
    filters = {"ByReportPlanName": "daily_jobs", "ByStatus": "COMPLETED", "ByCreationAfter": after,
               "ByCreationBefore": before}
    with Stubber(client.client) as stub:
        stub.add_response("list_report_jobs", {"ReportJobs": [{"ReportJobId": "r1", "Status": "COMPLETED"}],
                                               "NextToken": "n1"}, filters)
        stub.add_response("list_report_jobs", {"ReportJobs": [{"ReportJobId": "r2", "Status": "COMPLETED"}]},
                          dict(filters, NextToken="n1"))
        jobs = source.list_jobs()
        stub.assert_no_pending_responses()
    assert [j["ReportJobId"] for j in jobs] == ["r1", "r2"]


def test_list_without_filters_sends_none(client):
    with Stubber(client.client) as stub:
        stub.add_response("list_report_jobs", {"ReportJobs": []}, {})
        assert BackupReportJobSource(client).list_jobs() == []


def test_handler_list_mode_passes_parsed_times(monkeypatch, client):
    seen = {}

    def fake_list(source):  # list mode: no ids were given
        seen.update(source.filters, ids=None)
        return []

    monkeypatch.setattr(aws_source, "AwsClient", lambda settings, service, **kw: client)
    monkeypatch.setattr(br_source.BackupReportJobSource, "list_jobs", fake_list)
    br_source.report_job_info(FakeModule(report_plan_name="daily_jobs", status="FAILED", created_after="2024-05-01T12:00:00Z"))
    assert seen == {"ids": None, "ByReportPlanName": "daily_jobs", "ByStatus": "FAILED", "ByCreationAfter": T0,
                    "ByCreationBefore": None}


def test_list_since_narrows_the_window_in_big_pages(client):
    since = T0 + datetime.timedelta(hours=1)
    source = BackupReportJobSource(client, report_plan_name="daily_jobs", created_after=T0)
    with Stubber(client.client) as stub:
        stub.add_response("list_report_jobs", {"ReportJobs": []},
                          {"ByReportPlanName": "daily_jobs", "ByCreationAfter": since - br_source.CREATION_MARGIN,
                           "MaxResults": 1000})
        stub.add_response("list_report_jobs", {"ReportJobs": []},
                          {"ByReportPlanName": "daily_jobs", "ByCreationAfter": T0, "MaxResults": 1000})
        source.list_since(since)
        source.list_since(T0 + datetime.timedelta(minutes=2))  # never before the user's own created_after
        stub.assert_no_pending_responses()


def test_list_since_keeps_the_window_with_a_status_filter(client):
    # a job shows up in the FAILED list only once it failed, however long ago it was created
    source = BackupReportJobSource(client, status="FAILED")
    with Stubber(client.client) as stub:
        stub.add_response("list_report_jobs", {"ReportJobs": []}, {"ByStatus": "FAILED", "MaxResults": 1000})
        source.list_since(T0)
        stub.assert_no_pending_responses()
