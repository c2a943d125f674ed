"""AWS Backup copy jobs: validation before any client, and the source against botocore's Stubber (requests checked
against the Backup model): describe unwraps CopyJob, list filters become ListCopyJobs members, batched reads
describe parents and what the list missed, children are never expanded."""
from __future__ import annotations

import datetime

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.jobgate.cloud.plugins.module_utils._aws import source as aws_source
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AwsSettings
from ansible_collections.jobgate.cloud.plugins.module_utils._copy_job import source as cj_source
from ansible_collections.jobgate.cloud.plugins.module_utils._copy_job.source import CopyJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import fetch_many

import aws_fakes  # tests/unit/plugins/module_utils/aws_fakes.py

UTC = datetime.timezone.utc
T0 = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
DB = "arn:aws:rds:us-east-1:123456789012:db:orders-db"
POINT = "arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-8e0f4c2a"
DR_VAULT = "arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault"


class InfoModule(aws_fakes.FakeModule):
    defaults = {name: None for name in cj_source.INFO_ARG_SPEC if name not in aws_fakes.AWS_PARAMS}


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


def job(job_id, state="COMPLETED", **more):
    return dict({"CopyJobId": job_id, "State": state, "CreationDate": T0, "ResourceArn": DB,
                 "DestinationBackupVaultArn": DR_VAULT}, **more)


@pytest.mark.parametrize("params,words", [
    ({"copy_job_id": "a/b"}, "copy_job_id"),
    ({"job_ids": ["ok", "x?y"]}, "job_ids"),
    ({"copy_job_id": "j", "state": "FAILED"}, "cannot be combined"),
    ({"state": "ABORTED"}, "state"),
    ({"resource_arn": "orders-db"}, "resource_arn"),
    ({"destination_vault_arn": "dr-vault"}, "destination_vault_arn"),
    ({"source_recovery_point_arn": "snap-1"}, "source_recovery_point_arn"),
    ({"resource_type": "SAP HANA"}, "resource_type"),
    ({"parent_job_id": "../x"}, "parent_job_id"),
    ({"created_after": "2025-02-01", "created_before": "2025-01-01"}, "earlier"),
    ({"created_after": "yesterday"}, "ISO 8601"),
])
def test_bad_input_before_any_client(monkeypatch, params, words):
    aws_fakes.refuse_clients(monkeypatch)
    with pytest.raises(JobGateError) as err:
        cj_source.copy_job_info(InfoModule(**params))
    assert err.value.code == "ValidationError" and words in err.value.msg


def test_one_id_unwraps_copy_job_and_keeps_a_parents_children_unexpanded(stub):
    stubber, _client = stub
    parent = job("P-1", "PARTIAL", IsParent=True, NumberOfChildJobs=2, ChildJobsInState={"COMPLETED": 1, "FAILED": 1},
                 StatusMessage="1 of 2 copies failed.", CompletionDate=T0)
    stubber.add_response("describe_copy_job", {"CopyJob": parent}, {"CopyJobId": "P-1"})
    out = cj_source.copy_job_info(InfoModule(copy_job_id="P-1"))
    entry = out["job"]
    assert [j["copy_job_id"] for j in out["jobs"]] == ["P-1"]   # one job: the children are not read
    assert entry["child_jobs_in_state"] == {"COMPLETED": 1, "FAILED": 1} and "copy_job" not in entry
    assert entry["normalized"]["state"] == "failed" and entry["normalized"]["message"] == "1 of 2 copies failed."
    assert out["summary"]["any_failed"] is True


def test_list_filters_become_list_copy_jobs_members_and_page_to_the_end(stub):
    stubber, _client = stub
    expected = {"ByState": "COMPLETED", "ByResourceArn": DB, "ByResourceType": "RDS", "ByDestinationVaultArn": DR_VAULT,
                "BySourceRecoveryPointArn": POINT, "ByParentJobId": "P-1", "ByCreatedAfter": T0,
                "ByCreatedBefore": T0 + datetime.timedelta(days=1)}
    stubber.add_response("list_copy_jobs", {"CopyJobs": [job("c1")], "NextToken": "t2"}, expected)
    stubber.add_response("list_copy_jobs", {"CopyJobs": [job("c2")]}, dict(expected, NextToken="t2"))
    out = cj_source.copy_job_info(InfoModule(
        state="COMPLETED", resource_arn=DB, resource_type="RDS", destination_vault_arn=DR_VAULT,
        source_recovery_point_arn=POINT, parent_job_id="P-1", created_after="2024-05-01T12:00:00Z",
        created_before="2024-05-02T12:00:00Z"))
    assert [j["copy_job_id"] for j in out["jobs"]] == ["c1", "c2"] and out["summary"]["all_succeeded"] is True


def test_batched_reads_describe_parents_and_what_the_list_missed(stub):
    stubber, client = stub
    listed = [job("c0"), job("c1", IsParent=True), job("c2"), job("c3")]
    stubber.add_response("list_copy_jobs", {"CopyJobs": listed},
                         {"ByCreatedAfter": T0 - datetime.timedelta(minutes=5), "MaxResults": 1000})
    for job_id in ("c1", "old"):
        stubber.add_response("describe_copy_job", {"CopyJob": job(job_id)}, {"CopyJobId": job_id})
    raws = fetch_many(CopyJobSource(client), ["c0", "c1", "c2", "c3", "old"], max_workers=1,
                      hints={"c0": {"CreationDate": T0}})
    assert [r["CopyJobId"] for r in raws] == ["c0", "c1", "c2", "c3", "old"]
    assert all("CopyJob" not in r for r in raws)   # describe's answer unwrapped, as a list entry is


def test_not_found_names_the_job_and_the_region(stub):
    stubber, _client = stub
    stubber.add_client_error("describe_copy_job", "ResourceNotFoundException", "Copy job C-9 does not exist.", 400,
                             expected_params={"CopyJobId": "C-9"})
    with pytest.raises(JobGateError) as err:
        cj_source.copy_job_info(InfoModule(copy_job_id="C-9"))
    assert err.value.code == "ResourceNotFoundException" and "C-9" in err.value.msg and "us-east-1" in err.value.msg
