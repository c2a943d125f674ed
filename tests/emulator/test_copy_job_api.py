"""AWS Backup copy jobs in the emulator, through real boto3; every raw answer checked against the model."""
from __future__ import annotations

import time

import botocore.exceptions
import pytest
from aws_wire import MODELS, Recorder, check_response

ACCOUNT = "123456789012"
DB = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders-db"
VOLUME = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0123456789abcdef0"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
DR_VAULT = f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:dr-vault"        # another region: taken on trust
LOCAL_VAULT = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:copy-vault"   # this region: must exist
OPS = {"StartCopyJob", "DescribeCopyJob", "ListCopyJobs"}
FAST = {"copy_job": [["CREATED", 0], ["RUNNING", 0.2], ["COMPLETED", 0.6]]}


@pytest.fixture
def bak(emu, clients):
    rec = Recorder()
    client = clients("backup")
    rec.attach(client)
    emu.admin("POST", "/backup-vaults", {"backup_vaults": [{"name": "prod-vault"}, {"name": "copy-vault"}]})
    yield emu, client, rec
    for entry in rec.seen:
        check_response(*entry)


def point(emu, resource=DB, vault="prod-vault") -> str:
    return emu.admin("POST", "/recovery-points", {"resource_arn": resource, "backup_vault_name": vault}
                     )["recovery_points"][0]


def start(client, recovery_point, target=DR_VAULT, vault="prod-vault", **kw):
    return client.start_copy_job(RecoveryPointArn=recovery_point, SourceBackupVaultName=vault,
                                 DestinationBackupVaultArn=target, IamRoleArn=ROLE, **kw)


def wait_state(client, job_id, want, timeout=10.0) -> list:
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = client.describe_copy_job(CopyJobId=job_id)["CopyJob"]
        if not seen or seen[-1]["State"] != got["State"]:
            seen.append(got)
        if got["State"] in want:
            return seen
        time.sleep(0.04)
    raise AssertionError(f"never reached {want}: {[s['State'] for s in seen]}")


def test_every_operation_answers_in_its_shape_and_declares_its_errors(bak):
    emu, client, rec = bak
    emu.admin("POST", "/timelines", FAST)
    job = start(client, point(emu), Lifecycle={"DeleteAfterDays": 35})
    assert job["IsParent"] is False and job["CreationDate"]
    seen = wait_state(client, job["CopyJobId"], {"COMPLETED"})
    assert [s["State"] for s in seen] in (["CREATED", "RUNNING", "COMPLETED"], ["RUNNING", "COMPLETED"])
    done = seen[-1]
    assert done["DestinationRecoveryPointArn"].startswith("arn:aws:rds:us-west-2:")
    assert done["DestinationRecoveryPointLifecycle"] == {"DeleteAfterDays": 35}
    assert done["CompletionDate"] > done["CreationDate"] and done["ResourceName"] == "orders-db"
    assert all("DestinationRecoveryPointArn" not in s and "CompletionDate" not in s for s in seen[:-1])
    client.list_copy_jobs()
    errors = [lambda: client.describe_copy_job(CopyJobId="missing"),
              lambda: start(client, "arn:aws:backup:us-east-1:123456789012:recovery-point:none"),
              lambda: start(client, point(emu), vault="no-such-vault"),
              lambda: client.list_copy_jobs(ByState="DONE"),
              lambda: client.list_copy_jobs(MaxResults=1001)]
    for call in errors:
        with pytest.raises(botocore.exceptions.ClientError):
            call()
    assert {op for _s, op, status, _h, _b in rec.seen if status == 200} == OPS
    for _s, op, status, headers, _b in rec.seen:
        declared = {e["shape"] for e in MODELS["backup"]["operations"][op].get("errors", [])}
        assert status == 200 or headers["x-amzn-ErrorType"] in declared, (op, headers["x-amzn-ErrorType"])


def test_a_copy_within_the_region_leaves_a_recovery_point_to_restore(bak):
    emu, client, _rec = bak
    emu.admin("POST", "/timelines", FAST)
    job = start(client, point(emu), target=LOCAL_VAULT)
    copy = wait_state(client, job["CopyJobId"], {"COMPLETED"})[-1]["DestinationRecoveryPointArn"]
    points = {p["RecoveryPointArn"]: p for p in emu.admin("GET", "/recovery-points")["recovery_points"]}
    assert points[copy]["BackupVaultName"] == "copy-vault"
    restore = client.start_restore_job(RecoveryPointArn=copy, Metadata={"DBInstanceIdentifier": "orders-dr"})
    assert restore["RestoreJobId"]


def test_endings_failed_and_partial_and_a_parent_with_children(bak):
    emu, client, _rec = bak
    emu.admin("POST", "/jobs", {"jobs": [
        {"kind": "copy_job", "timeline": [["CREATED", 0], ["RUNNING", 0], ["PARTIAL", 0]],
         "fields": {"CopyJobId": "PARENT", "IsParent": True, "SourceBackupVaultName": "prod-vault"}},
        {"kind": "copy_job", "timeline": [["COMPLETED", 0]],
         "fields": {"CopyJobId": "CHILD-1", "ParentJobId": "PARENT", "SourceBackupVaultName": "prod-vault"}},
        {"kind": "copy_job", "timeline": [["FAILED", 0, "The destination vault is locked."]],
         "fields": {"CopyJobId": "CHILD-2", "ParentJobId": "PARENT", "SourceBackupVaultName": "prod-vault"}},
    ]})
    parent = client.describe_copy_job(CopyJobId="PARENT")["CopyJob"]
    assert parent["State"] == "PARTIAL" and parent["IsParent"] is True and parent["NumberOfChildJobs"] == 2
    assert parent["ChildJobsInState"] == {"COMPLETED": 1, "FAILED": 1}
    assert parent["StatusMessage"]
    failed = client.describe_copy_job(CopyJobId="CHILD-2")["CopyJob"]
    assert failed["StatusMessage"] == "The destination vault is locked." and failed["ParentJobId"] == "PARENT"
    children = client.list_copy_jobs(ByParentJobId="PARENT")["CopyJobs"]
    assert sorted(c["CopyJobId"] for c in children) == ["CHILD-1", "CHILD-2"]
    listed = {j["CopyJobId"]: j for j in client.list_copy_jobs()["CopyJobs"]}
    assert "ChildJobsInState" not in listed["PARENT"]   # only describe gives a parent's child counts here


def test_list_filters_map_to_the_models_query_parameters_and_page(bak):
    emu, client, _rec = bak
    emu.admin("POST", "/resources", {"arn": VOLUME})
    db_point, volume_point = point(emu), point(emu, VOLUME)
    emu.admin("POST", "/timelines", {"copy_job": [["COMPLETED", 0]]})
    ids = [start(client, db_point)["CopyJobId"] for _unused in range(3)] + [start(client, volume_point)["CopyJobId"]]
    local = start(client, db_point, target=LOCAL_VAULT)["CopyJobId"]
    log0 = len(emu.requests())
    assert [j["CopyJobId"] for j in client.list_copy_jobs(ByResourceType="EBS")["CopyJobs"]] == [ids[3]]
    assert [j["CopyJobId"] for j in client.list_copy_jobs(ByDestinationVaultArn=LOCAL_VAULT)["CopyJobs"]] == [local]
    assert len(client.list_copy_jobs(BySourceRecoveryPointArn=db_point)["CopyJobs"]) == 4
    assert len(client.list_copy_jobs(ByResourceArn=VOLUME, ByState="COMPLETED")["CopyJobs"]) == 1
    queries = [r["query"] for r in emu.requests()[log0:]]
    assert queries == [{"resourceType": "EBS"}, {"destinationVaultArn": LOCAL_VAULT},
                       {"sourceRecoveryPointArn": db_point}, {"resourceArn": VOLUME, "state": "COMPLETED"}]
    pages = list(client.get_paginator("list_copy_jobs").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(p["CopyJobs"]) for p in pages] == [2, 2, 1]
    later = client.list_copy_jobs(ByCreatedAfter=time.time() + 60)["CopyJobs"]
    assert later == []


def test_idempotency_tokens_and_validation(bak):
    emu, client, _rec = bak
    source = point(emu)
    first = start(client, source, IdempotencyToken="dr-42")
    assert start(client, source, IdempotencyToken="dr-42")["CopyJobId"] == first["CopyJobId"]
    with pytest.raises(client.exceptions.InvalidRequestException):
        start(client, source, target=LOCAL_VAULT, IdempotencyToken="dr-42")
    invalid = client.exceptions.InvalidParameterValueException
    for call, exc in [
        (lambda: start(client, source, target="arn:aws:s3:::bucket"), invalid),
        (lambda: start(client, source, target=f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:prod-vault"), invalid),
        (lambda: start(client, source, target=f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:nope"),
         client.exceptions.ResourceNotFoundException),
        (lambda: start(client, source, vault="copy-vault"), client.exceptions.ResourceNotFoundException),
        (lambda: client.start_copy_job(RecoveryPointArn=source, SourceBackupVaultName="prod-vault",
                                       DestinationBackupVaultArn=DR_VAULT, IamRoleArn="admin"), invalid),
        (lambda: start(client, source, Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 60}), invalid),
    ]:
        with pytest.raises(exc):
            call()
