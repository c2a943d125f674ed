"""AWS Backup malware scan jobs in the emulator, through real boto3; every raw answer checked against the model."""
from __future__ import annotations

import time

import botocore.exceptions
import pytest
from aws_wire import MODELS, Recorder, check_response

ACCOUNT = "123456789012"
VOLUME = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0123456789abcdef0"
BUCKET = "arn:aws:s3:::release-artifacts"
DB = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders-db"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
SCANNER = f"arn:aws:iam::{ACCOUNT}:role/GuardDutyMalwareScanRole"
OPS = {"StartScanJob", "DescribeScanJob", "ListScanJobs"}
FAST = {"scan_job": [["CREATED", 0], ["RUNNING", 0.2], ["COMPLETED", 0.6]]}


@pytest.fixture
def bak(emu, clients):
    rec = Recorder()
    client = clients("backup")
    rec.attach(client)
    emu.admin("POST", "/backup-vaults", {"backup_vaults": [{"name": "prod-vault"}, {"name": "other-vault"}]})
    yield emu, client, rec
    for entry in rec.seen:
        check_response(*entry)


def point(emu, resource=VOLUME, vault="prod-vault") -> str:
    return emu.admin("POST", "/recovery-points", {"resource_arn": resource, "backup_vault_name": vault}
                     )["recovery_points"][0]


def start(client, recovery_point, vault="prod-vault", mode="FULL_SCAN", **kw):
    return client.start_scan_job(BackupVaultName=vault, RecoveryPointArn=recovery_point, IamRoleArn=ROLE,
                                 ScannerRoleArn=SCANNER, MalwareScanner="GUARDDUTY", ScanMode=mode, **kw)


def wait_state(client, job_id, want, timeout=10.0) -> list:
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = client.describe_scan_job(ScanJobId=job_id)
        if not seen or seen[-1]["State"] != got["State"]:
            seen.append(got)
        if got["State"] in want:
            return seen
        time.sleep(0.04)
    raise AssertionError(f"never reached {want}: {[s['State'] for s in seen]}")


def test_every_operation_answers_in_its_shape_and_declares_its_errors(bak):
    emu, client, rec = bak
    emu.admin("POST", "/timelines", FAST)
    job = start(client, point(emu))
    assert job["ScanJobId"] and job["CreationDate"]
    assert [s for s in rec.seen if s[1] == "StartScanJob"][0][2] == 201   # the model's responseCode
    seen = wait_state(client, job["ScanJobId"], {"COMPLETED"})
    done = seen[-1]
    assert done["ScanResult"] == {"ScanResultStatus": "NO_THREATS_FOUND"} and done["ScanId"]
    assert all("ScanResult" not in s and "CompletionDate" not in s for s in seen[:-1])
    assert (done["ResourceType"], done["ScanMode"], done["MalwareScanner"]) == ("EBS", "FULL_SCAN", "GUARDDUTY")
    client.list_scan_jobs()
    errors = [lambda: client.describe_scan_job(ScanJobId="missing"),
              lambda: start(client, "arn:aws:ec2:us-east-1::snapshot/snap-0000000000000000"),
              lambda: start(client, point(emu, DB)),                       # RDS is not scanned
              lambda: start(client, point(emu), mode="INCREMENTAL_SCAN"),  # without its base
              lambda: client.list_scan_jobs(ByState="DONE"),
              lambda: client.list_scan_jobs(MaxResults=1001)]
    for call in errors:
        with pytest.raises(botocore.exceptions.ClientError):
            call()
    assert {op for _s, op, status, _h, _b in rec.seen if status < 300} == OPS
    for _s, op, status, headers, _b in rec.seen:
        declared = {e["shape"] for e in MODELS["backup"]["operations"][op].get("errors", [])}
        assert status < 300 or headers["x-amzn-ErrorType"] in declared, (op, headers["x-amzn-ErrorType"])


def test_verdicts_from_the_recovery_point_and_from_seeds(bak):
    emu, client, _rec = bak
    emu.admin("POST", "/timelines", {"scan_job": [["COMPLETED", 0]]})
    infected, unknown, silent = point(emu), point(emu), point(emu)
    emu.admin("POST", "/scan-verdicts", {"scan_verdicts": [
        {"recovery_point_arn": infected, "scan_result_status": "THREATS_FOUND"},
        {"recovery_point_arn": unknown, "scan_result_status": "UNKNOWN"},
        {"recovery_point_arn": silent, "scan_result_status": None}]})
    got = {arn: client.describe_scan_job(ScanJobId=start(client, arn)["ScanJobId"]) for arn in (infected, unknown, silent)}
    assert got[infected]["ScanResult"] == {"ScanResultStatus": "THREATS_FOUND"}
    assert got[unknown]["ScanResult"] == {"ScanResultStatus": "UNKNOWN"}
    assert "ScanResult" not in got[silent] and got[silent]["State"] == "COMPLETED"
    emu.admin("POST", "/jobs", {"jobs": [
        {"kind": "scan_job", "timeline": [["COMPLETED_WITH_ISSUES", 0]],
         "fields": {"ScanJobId": "ISSUES", "ScanResultStatus": "UNKNOWN"}},
        {"kind": "scan_job", "timeline": [["RUNNING", 0], ["CANCELED", 0]], "fields": {"ScanJobId": "CANCELED"}},
        {"kind": "scan_job", "timeline": [["FAILED", 0]], "fields": {"ScanJobId": "FAILED"}}]})
    issues = client.describe_scan_job(ScanJobId="ISSUES")
    assert issues["State"] == "COMPLETED_WITH_ISSUES" and issues["ScanResult"]["ScanResultStatus"] == "UNKNOWN"
    assert client.describe_scan_job(ScanJobId="CANCELED")["State"] == "CANCELED"
    assert client.describe_scan_job(ScanJobId="FAILED")["StatusMessage"]


def test_list_filters_map_to_the_models_query_parameters_and_page(bak):
    emu, client, _rec = bak
    emu.admin("POST", "/timelines", {"scan_job": [["COMPLETED", 0]]})
    clean, infected, bucket = point(emu), point(emu), point(emu, BUCKET, "other-vault")
    emu.admin("POST", "/scan-verdicts", {"recovery_point_arn": infected, "scan_result_status": "THREATS_FOUND"})
    ids = [start(client, clean)["ScanJobId"] for _unused in range(3)]
    bad = start(client, infected)["ScanJobId"]
    s3 = start(client, bucket, vault="other-vault")["ScanJobId"]
    log0 = len(emu.requests())
    assert [j["ScanJobId"] for j in client.list_scan_jobs(ByScanResultStatus="THREATS_FOUND")["ScanJobs"]] == [bad]
    assert [j["ScanJobId"] for j in client.list_scan_jobs(ByResourceType="S3")["ScanJobs"]] == [s3]
    assert [j["ScanJobId"] for j in client.list_scan_jobs(ByBackupVaultName="other-vault")["ScanJobs"]] == [s3]
    assert [j["ScanJobId"] for j in client.list_scan_jobs(ByRecoveryPointArn=clean)["ScanJobs"]] == ids
    assert len(client.list_scan_jobs(ByResourceArn=VOLUME, ByState="COMPLETED")["ScanJobs"]) == 4
    assert client.list_scan_jobs(ByCompleteAfter=time.time() + 60)["ScanJobs"] == []
    queries = [r["query"] for r in emu.requests()[log0:]]
    assert queries[:5] == [{"ByScanResultStatus": "THREATS_FOUND"}, {"ByResourceType": "S3"},
                           {"ByBackupVaultName": "other-vault"}, {"ByRecoveryPointArn": clean},
                           {"ByResourceArn": VOLUME, "ByState": "COMPLETED"}]
    pages = list(client.get_paginator("list_scan_jobs").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(p["ScanJobs"]) for p in pages] == [2, 2, 1]


def test_idempotency_tokens_and_validation(bak):
    emu, client, _rec = bak
    source, base = point(emu), point(emu)
    first = start(client, source, IdempotencyToken="scan-42")
    assert start(client, source, IdempotencyToken="scan-42")["ScanJobId"] == first["ScanJobId"]
    with pytest.raises(client.exceptions.InvalidRequestException):
        start(client, base, IdempotencyToken="scan-42")
    incremental = start(client, source, mode="INCREMENTAL_SCAN", ScanBaseRecoveryPointArn=base)
    assert client.describe_scan_job(ScanJobId=incremental["ScanJobId"])["ScanBaseRecoveryPointArn"] == base
    invalid = client.exceptions.InvalidParameterValueException
    for call, exc in [
        (lambda: start(client, source, vault="other-vault"), client.exceptions.ResourceNotFoundException),
        (lambda: start(client, source, vault="no-vault"), client.exceptions.ResourceNotFoundException),
        (lambda: client.start_scan_job(BackupVaultName="prod-vault", RecoveryPointArn=source, IamRoleArn="admin",
                                       ScannerRoleArn=SCANNER, MalwareScanner="GUARDDUTY", ScanMode="FULL_SCAN"),
         invalid),
        (lambda: start(client, source, mode="DEEP_SCAN"), invalid),
    ]:
        with pytest.raises(exc):
            call()
