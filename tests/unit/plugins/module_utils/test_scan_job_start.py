"""Starting AWS Backup malware scan jobs: every option checked before any client (an incremental scan needs its
base, a full scan takes none), the request as the model takes it (botocore's Stubber checks it), the token and
change rules, and check mode sending nothing."""
from __future__ import annotations

import datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from ansible_collections.jobgate.cloud.plugins.module_utils._aws import source as aws_source
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AwsSettings
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._scan_job import start as sj_start

import aws_fakes  # tests/unit/plugins/module_utils/aws_fakes.py

UTC = datetime.timezone.utc
T0 = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
NOW = T0.timestamp() + 60
ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
SCANNER = "arn:aws:iam::123456789012:role/GuardDutyMalwareScanRole"
POINT = "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0"
BASE = "arn:aws:ec2:us-east-1::snapshot/snap-00000000000000000"
REQUEST = {"BackupVaultName": "release-vault", "RecoveryPointArn": POINT, "IamRoleArn": ROLE, "ScannerRoleArn": SCANNER,
           "MalwareScanner": "GUARDDUTY", "ScanMode": "FULL_SCAN"}


class ScanModule(aws_fakes.FakeModule):
    defaults = {"backup_vault_name": "release-vault", "recovery_point_arn": POINT, "iam_role_arn": ROLE,
                "scanner_role_arn": SCANNER, "malware_scanner": "GUARDDUTY", "scan_mode": "FULL_SCAN",
                "scan_base_recovery_point_arn": None, "idempotency_token": None}


@pytest.fixture
def stub(monkeypatch):
    client = boto3.client("backup", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                          aws_secret_access_key="s3cr3t-value")
    stubber = Stubber(client)
    wrapped = AwsClient(AwsSettings(region="us-east-1", access_key="AKIDEXAMPLE", secret_key="s3cr3t-value"),
                        "backup", policy=RetryPolicy(), deadline=Deadline(sleep=lambda s: None), client=client)
    monkeypatch.setattr(aws_source, "AwsClient", lambda settings, service, **kw: wrapped)
    monkeypatch.setattr(sj_start, "_time", lambda: NOW)
    with stubber:
        yield stubber
    stubber.assert_no_pending_responses()


def described(job_id, created=T0):
    return {"AccountId": "123456789012", "BackupVaultArn": "arn:aws:backup:us-east-1:123456789012:backup-vault:v",
            "BackupVaultName": "release-vault", "CreatedBy": {"BackupPlanArn": "p", "BackupPlanId": "p",
                                                              "BackupPlanVersion": "1", "BackupRuleId": "r"},
            "CreationDate": created, "IamRoleArn": ROLE, "MalwareScanner": "GUARDDUTY", "RecoveryPointArn": POINT,
            "ResourceArn": "arn:aws:ec2:us-east-1:123456789012:volume/vol-1", "ResourceName": "vol-1",
            "ResourceType": "EBS", "ScanJobId": job_id, "ScanMode": "FULL_SCAN", "ScannerRoleArn": SCANNER,
            "State": "CREATED"}


@pytest.mark.parametrize("params,words", [
    ({"backup_vault_name": None}, "backup_vault_name is required"),
    ({"scanner_role_arn": None}, "scanner_role_arn is required"),
    ({"scan_mode": None}, "scan_mode is required"),
    ({"scan_mode": "DEEP"}, "scan_mode"),
    ({"scan_mode": "INCREMENTAL_SCAN"}, "scan_base_recovery_point_arn is required"),
    ({"scan_base_recovery_point_arn": BASE}, "INCREMENTAL_SCAN only"),
    ({"scan_mode": "INCREMENTAL_SCAN", "scan_base_recovery_point_arn": "snap-1"}, "scan_base_recovery_point_arn"),
    ({"malware_scanner": "CLAMAV"}, "malware_scanner"),
    ({"recovery_point_arn": "arn:aws:ec2:us-east-1::snapshot/snap 1"}, "recovery_point_arn"),
    ({"scanner_role_arn": "arn:aws:iam::123456789012:user/bob"}, "scanner_role_arn"),
    ({"iam_role_arn": "role"}, "iam_role_arn"),
    ({"backup_vault_name": "x"}, "backup_vault_name"),
    ({"idempotency_token": "a\u0007b"}, "control characters"),
])
def test_bad_input_before_any_client(monkeypatch, params, words):
    aws_fakes.refuse_clients(monkeypatch)
    with pytest.raises(JobGateError) as err:
        sj_start.scan_job(ScanModule(**params))
    assert err.value.code == "ValidationError" and words in err.value.msg


def test_without_a_token_a_fresh_one_and_a_change(stub):
    stub.add_response("start_scan_job", {"ScanJobId": "S-1", "CreationDate": T0}, dict(REQUEST, IdempotencyToken=ANY))
    stub.add_response("describe_scan_job", described("S-1"), {"ScanJobId": "S-1"})
    out = sj_start.scan_job(ScanModule())
    assert out["changed"] is True and out["job"]["scan_job_id"] == "S-1" and out["job"]["normalized"]["state"] == "pending"


def test_an_incremental_scan_sends_its_base(stub):
    stub.add_response("start_scan_job", {"ScanJobId": "S-2", "CreationDate": T0},
                      dict(REQUEST, ScanMode="INCREMENTAL_SCAN", ScanBaseRecoveryPointArn=BASE, IdempotencyToken=ANY))
    stub.add_response("describe_scan_job", described("S-2"), {"ScanJobId": "S-2"})
    assert sj_start.scan_job(ScanModule(scan_mode="INCREMENTAL_SCAN", scan_base_recovery_point_arn=BASE))["changed"]


def test_with_a_token_an_earlier_runs_job_is_not_a_change_and_old_listed_jobs_do_not_count(stub):
    # ListScanJobs has no creation filter: the recent window is applied to what it lists
    old = dict(described("S-OLD", T0 - datetime.timedelta(days=3)))
    stub.add_response("list_scan_jobs", {"ScanJobs": [described("S-1"), old]},
                      {"MaxResults": 1000, "ByRecoveryPointArn": POINT, "ByBackupVaultName": "release-vault"})
    stub.add_response("start_scan_job", {"ScanJobId": "S-1", "CreationDate": T0}, dict(REQUEST, IdempotencyToken="t"))
    stub.add_response("describe_scan_job", described("S-1"), {"ScanJobId": "S-1"})
    assert sj_start.scan_job(ScanModule(idempotency_token="t"))["changed"] is False


def test_a_token_job_not_listed_before_is_new(stub):
    stub.add_response("list_scan_jobs", {"ScanJobs": []},
                      {"MaxResults": 1000, "ByRecoveryPointArn": POINT, "ByBackupVaultName": "release-vault"})
    stub.add_response("start_scan_job", {"ScanJobId": "S-3", "CreationDate": T0}, dict(REQUEST, IdempotencyToken="t"))
    stub.add_response("describe_scan_job", described("S-3"), {"ScanJobId": "S-3"})
    assert sj_start.scan_job(ScanModule(idempotency_token="t"))["changed"] is True


def test_check_mode_sends_nothing(monkeypatch):
    aws_fakes.refuse_clients(monkeypatch)
    monkeypatch.setattr(aws_source.AwsJobSource, "for_module", classmethod(lambda cls, module, **kw: None))
    out = sj_start.scan_job(ScanModule(check_mode=True))
    assert out["changed"] is True and out["jobs"] == [] and out["would_start"] == [
        {"backup_vault_name": "release-vault", "recovery_point_arn": POINT, "scan_mode": "FULL_SCAN",
         "malware_scanner": "GUARDDUTY", "idempotency_token": None}]
