"""Starting AWS Backup copy jobs: every option checked before any client, the request as the model takes it
(botocore's Stubber checks it), the token and change rules, and check mode sending nothing."""
from __future__ import annotations

import datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from ansible_collections.jobgate.cloud.plugins.module_utils._aws import source as aws_source
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AwsSettings
from ansible_collections.jobgate.cloud.plugins.module_utils._copy_job import start as cj_start
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError

import aws_fakes  # tests/unit/plugins/module_utils/aws_fakes.py

UTC = datetime.timezone.utc
T0 = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
NOW = T0.timestamp() + 60
ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
POINT = "arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-8e0f4c2a"
DR_VAULT = "arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault"
REQUEST = {"RecoveryPointArn": POINT, "SourceBackupVaultName": "release-vault", "DestinationBackupVaultArn": DR_VAULT,
           "IamRoleArn": ROLE}


class CopyModule(aws_fakes.FakeModule):
    defaults = {"recovery_point_arn": POINT, "source_backup_vault_name": "release-vault",
                "destination_backup_vault_arn": DR_VAULT, "iam_role_arn": ROLE, "idempotency_token": None,
                "lifecycle": None}


@pytest.fixture
def stub(monkeypatch):
    client = boto3.client("backup", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                          aws_secret_access_key="s3cr3t-value")
    stubber = Stubber(client)
    wrapped = AwsClient(AwsSettings(region="us-east-1", access_key="AKIDEXAMPLE", secret_key="s3cr3t-value"),
                        "backup", policy=RetryPolicy(), deadline=Deadline(sleep=lambda s: None), client=client)
    monkeypatch.setattr(aws_source, "AwsClient", lambda settings, service, **kw: wrapped)
    monkeypatch.setattr(cj_start, "_time", lambda: NOW)
    with stubber:
        yield stubber
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("params,words", [
    ({"recovery_point_arn": None}, "recovery_point_arn is required"),
    ({"destination_backup_vault_arn": None}, "destination_backup_vault_arn is required"),
    ({"recovery_point_arn": "snap-0123"}, "recovery_point_arn"),
    ({"source_backup_vault_name": "a"}, "source_backup_vault_name"),
    ({"destination_backup_vault_arn": "dr-vault"}, "destination_backup_vault_arn"),
    ({"destination_backup_vault_arn": "arn:aws:backup:us-west-2:123456789012:backup-vault:a%2F.."}, "encoded"),
    ({"iam_role_arn": "arn:aws:iam::123456789012:user/bob"}, "iam_role_arn"),
    ({"lifecycle": {"move_to_cold_storage_after_days": 30, "delete_after_days": 100}}, "at least 90 days"),
    ({"lifecycle": {"keep": 1}}, "unknown keys"),
    ({"idempotency_token": " "}, "idempotency_token"),
])
def test_bad_input_before_any_client(monkeypatch, params, words):
    aws_fakes.refuse_clients(monkeypatch)
    with pytest.raises(JobGateError) as err:
        cj_start.copy_job(CopyModule(**params))
    assert err.value.code == "ValidationError" and words in err.value.msg


def test_without_a_token_a_fresh_one_and_a_change(stub):
    stub.add_response("start_copy_job", {"CopyJobId": "C-1", "CreationDate": T0, "IsParent": False},
                      dict(REQUEST, IdempotencyToken=ANY, Lifecycle={"DeleteAfterDays": 35}))
    stub.add_response("describe_copy_job", {"CopyJob": {"CopyJobId": "C-1", "State": "CREATED", "CreationDate": T0}},
                      {"CopyJobId": "C-1"})
    out = cj_start.copy_job(CopyModule(lifecycle={"delete_after_days": 35}))
    assert out["changed"] is True and out["job"]["copy_job_id"] == "C-1" and out["job"]["normalized"]["state"] == "pending"


def test_with_a_token_an_earlier_runs_job_is_not_a_change(stub):
    listed = {"ByCreatedAfter": ANY, "MaxResults": 1000, "BySourceRecoveryPointArn": POINT,
              "ByDestinationVaultArn": DR_VAULT}
    stub.add_response("list_copy_jobs", {"CopyJobs": [{"CopyJobId": "C-1"}]}, listed)
    stub.add_response("start_copy_job", {"CopyJobId": "C-1"}, dict(REQUEST, IdempotencyToken="dr-42"))
    stub.add_response("describe_copy_job", {"CopyJob": {"CopyJobId": "C-1", "State": "COMPLETED",
                                                        "CreationDate": T0}}, {"CopyJobId": "C-1"})
    out = cj_start.copy_job(CopyModule(idempotency_token="dr-42"))
    assert out["changed"] is False and out["job"]["state"] == "COMPLETED"


def test_check_mode_sends_nothing(monkeypatch):
    aws_fakes.refuse_clients(monkeypatch)
    monkeypatch.setattr(aws_source.AwsJobSource, "for_module", classmethod(lambda cls, module, **kw: None))
    out = cj_start.copy_job(CopyModule(check_mode=True, idempotency_token="t"))
    assert out["changed"] is True and out["jobs"] == [] and out["would_start"] == [
        {"recovery_point_arn": POINT, "source_backup_vault_name": "release-vault",
         "destination_backup_vault_arn": DR_VAULT, "iam_role_arn": ROLE, "idempotency_token": "t"}]
