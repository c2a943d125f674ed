"""AWS Backup malware scan jobs: validation before any client, and the source against botocore's Stubber
(requests checked against the Backup model): list filters become ListScanJobs members (a completion window, the
API has no creation one), batched reads without a window, and the verdict deciding a COMPLETED scan's state."""
from __future__ import annotations

import datetime

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.jobgate.cloud.plugins.module_utils._aws import source as aws_source
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AwsSettings
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import fetch_many
from ansible_collections.jobgate.cloud.plugins.module_utils._scan_job import source as sj_source
from ansible_collections.jobgate.cloud.plugins.module_utils._scan_job.source import ScanJobSource

import aws_fakes  # tests/unit/plugins/module_utils/aws_fakes.py

UTC = datetime.timezone.utc
T0 = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
VOLUME = "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0"
POINT = "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0"


class InfoModule(aws_fakes.FakeModule):
    defaults = {name: None for name in sj_source.INFO_ARG_SPEC if name not in aws_fakes.AWS_PARAMS}


@pytest.fixture
def stub(monkeypatch):
    client = boto3.client("backup", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                          aws_secret_access_key="s3cr3t-value")
    stubber = Stubber(client)
    wrapped = AwsClient(AwsSettings(region="us-east-1", access_key="AKIDEXAMPLE", secret_key="s3cr3t-value"),
                        "backup", policy=RetryPolicy(), deadline=Deadline(sleep=lambda s: None), client=client)
    monkeypatch.setattr(aws_source, "AwsClient", lambda settings, service, **kw: wrapped)
    with stubber:
        yield stubber, wrapped
    stubber.assert_no_pending_responses()


def scan(job_id, state="COMPLETED", verdict="NO_THREATS_FOUND", **more):
    job = {"AccountId": "123456789012", "BackupVaultArn": "arn:aws:backup:us-east-1:123456789012:backup-vault:v",
           "BackupVaultName": "v", "CreatedBy": {"BackupPlanArn": "p", "BackupPlanId": "p", "BackupPlanVersion": "1",
                                                 "BackupRuleId": "r"},
           "CreationDate": T0, "IamRoleArn": "r", "MalwareScanner": "GUARDDUTY", "RecoveryPointArn": POINT,
           "ResourceArn": VOLUME, "ResourceName": "vol", "ResourceType": "EBS", "ScanJobId": job_id,
           "ScanMode": "FULL_SCAN", "ScannerRoleArn": "s", "State": state}
    if verdict is not None:
        job["ScanResult"] = {"ScanResultStatus": verdict}
    job.update(more)
    return job


@pytest.mark.parametrize("params,words", [
    ({"scan_job_id": "a/b"}, "scan_job_id"),
    ({"job_ids": ["ok", "x#y"]}, "job_ids"),
    ({"scan_job_id": "j", "scan_result_status": "THREATS_FOUND"}, "cannot be combined"),
    ({"state": "PARTIAL"}, "state"),
    ({"resource_type": "RDS"}, "resource_type"),
    ({"scan_result_status": "CLEAN"}, "scan_result_status"),
    ({"recovery_point_arn": "snap-1"}, "recovery_point_arn"),
    ({"resource_arn": "vol-1"}, "resource_arn"),
    ({"backup_vault_name": "a b"}, "backup_vault_name"),
    ({"completed_after": "2025-02-01", "completed_before": "2025-01-01"}, "earlier"),
    ({"completed_before": "1714564800"}, "ISO 8601"),
])
def test_bad_input_before_any_client(monkeypatch, params, words):
    aws_fakes.refuse_clients(monkeypatch)
    with pytest.raises(JobGateError) as err:
        sj_source.scan_job_info(InfoModule(**params))
    assert err.value.code == "ValidationError" and words in err.value.msg


def test_a_completed_scan_with_threats_fails_the_gate(stub):
    stubber, _client = stub
    stubber.add_response("describe_scan_job", scan("S-1", verdict="THREATS_FOUND", StatusMessage="3 infected files."),
                         {"ScanJobId": "S-1"})
    out = sj_source.scan_job_info(InfoModule(scan_job_id="S-1"))
    block = out["job"]["normalized"]
    assert (block["native_status"], block["state"], block["terminal"]) == ("COMPLETED", "failed", True)
    assert "THREATS_FOUND" in block["message"] and block["message"].endswith("3 infected files.")
    assert out["summary"]["all_succeeded"] is False and out["summary"]["any_failed"] is True
    assert out["job"]["scan_result"] == {"scan_result_status": "THREATS_FOUND"}


def test_list_filters_become_list_scan_jobs_members_and_page_to_the_end(stub):
    stubber, _client = stub
    expected = {"ByState": "COMPLETED", "ByBackupVaultName": "vault-a", "ByRecoveryPointArn": POINT, "ByResourceArn": VOLUME,
                "ByResourceType": "EBS", "ByScanResultStatus": "NO_THREATS_FOUND", "ByCompleteAfter": T0,
                "ByCompleteBefore": T0 + datetime.timedelta(days=1)}
    stubber.add_response("list_scan_jobs", {"ScanJobs": [scan("s1")], "NextToken": "t2"}, expected)
    stubber.add_response("list_scan_jobs", {"ScanJobs": [scan("s2")]}, dict(expected, NextToken="t2"))
    out = sj_source.scan_job_info(InfoModule(
        state="COMPLETED", backup_vault_name="vault-a", recovery_point_arn=POINT, resource_arn=VOLUME, resource_type="EBS",
        scan_result_status="NO_THREATS_FOUND", completed_after="2024-05-01T12:00:00Z", completed_before="2024-05-02T12:00Z"))
    assert [j["scan_job_id"] for j in out["jobs"]] == ["s1", "s2"] and out["summary"]["all_succeeded"] is True


def test_batched_reads_list_without_a_window_and_describe_the_rest(stub):
    stubber, client = stub
    stubber.add_response("list_scan_jobs", {"ScanJobs": [scan(f"s{i}") for i in range(4)]}, {"MaxResults": 1000})
    stubber.add_response("describe_scan_job", scan("old", "RUNNING", None), {"ScanJobId": "old"})
    raws = fetch_many(ScanJobSource(client), ["s0", "s1", "s2", "s3", "old"], max_workers=1,
                      hints={"s0": {"CreationDate": T0}})
    assert [r["ScanJobId"] for r in raws] == ["s0", "s1", "s2", "s3", "old"]


def test_the_event_sources_list_keeps_the_filters_and_adds_no_window(stub):
    stubber, client = stub
    stubber.add_response("list_scan_jobs", {"ScanJobs": [scan("s1")]},
                         {"ByScanResultStatus": "THREATS_FOUND", "MaxResults": 1000})
    source = ScanJobSource(client, ByScanResultStatus="THREATS_FOUND")
    assert [j["ScanJobId"] for j in source.list_since(T0)] == ["s1"]
