"""AWS Backup backup and restore jobs in the emulator, through real boto3; every raw answer checked against the model."""
from __future__ import annotations

import datetime as dt
import time
import urllib.error

import botocore.exceptions
import pytest
from aws_wire import MODELS, Recorder, check_response

ACCOUNT = "123456789012"
DB = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders-db"
VOLUME = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0123456789abcdef0"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/carts"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
OPS = {"StartBackupJob", "DescribeBackupJob", "ListBackupJobs", "StartRestoreJob", "DescribeRestoreJob",
       "ListRestoreJobs"}
FAST = {"backup_job": [["CREATED", 0], ["RUNNING", 0.2], ["COMPLETED", 0.6]],
        "restore_job": [["PENDING", 0], ["RUNNING", 0.2], ["COMPLETED", 0.6]]}


@pytest.fixture
def bak(emu, clients):
    rec = Recorder()
    client = clients("backup")
    rec.attach(client)
    emu.admin("POST", "/backup-vaults", {"backup_vaults": [{"name": "prod-vault"}, {"name": "other-vault"}]})
    emu.admin("POST", "/resources", {"resources": [{"arn": DB, "size_bytes": 1000}, {"arn": VOLUME},
                                                   {"arn": TABLE}]})
    yield emu, client, rec
    for entry in rec.seen:
        check_response(*entry)


def start(client, resource=DB, vault="prod-vault", **kw):
    return client.start_backup_job(BackupVaultName=vault, ResourceArn=resource, IamRoleArn=ROLE, **kw)


def wait_for(call, key, want, timeout=10.0):
    """Poll until call()[key] is in want; returns every distinct answer seen, in order."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = call()
        if not seen or seen[-1][key] != got[key] or seen[-1].get("PercentDone") != got.get("PercentDone"):
            seen.append(got)
        if got[key] in want:
            return seen
        time.sleep(0.04)
    raise AssertionError(f"never reached {want}: {[s[key] for s in seen]}")


def test_every_operation_answers_in_its_shape_and_declares_its_errors(bak):
    emu, client, rec = bak
    emu.admin("POST", "/timelines", FAST)
    job = start(client, Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120},
                RecoveryPointTags={"CostCenter": "42"})
    client.describe_backup_job(BackupJobId=job["BackupJobId"])
    client.list_backup_jobs()
    wait_for(lambda: client.describe_backup_job(BackupJobId=job["BackupJobId"]), "State", {"COMPLETED"})
    restore = client.start_restore_job(RecoveryPointArn=job["RecoveryPointArn"], IamRoleArn=ROLE,
                                       Metadata={"DBInstanceIdentifier": "orders-db-restored"})
    client.describe_restore_job(RestoreJobId=restore["RestoreJobId"])
    client.list_restore_jobs()
    errors = [lambda: client.describe_backup_job(BackupJobId="missing"),
              lambda: client.describe_restore_job(RestoreJobId="missing"),
              lambda: start(client, vault="no-such-vault"),
              lambda: client.start_restore_job(RecoveryPointArn="arn:aws:backup:us-east-1:1:recovery-point:x",
                                               Metadata={}),
              lambda: client.list_backup_jobs(ByState="DONE"),
              lambda: client.list_restore_jobs(MaxResults=1001)]
    for call in errors:
        with pytest.raises(botocore.exceptions.ClientError):
            call()
    assert {op for _s, op, status, _h, _b in rec.seen if status == 200} == OPS
    for _s, op, status, headers, _b in rec.seen:
        declared = {e["shape"] for e in MODELS["backup"]["operations"][op].get("errors", [])}
        assert status == 200 or headers["x-amzn-ErrorType"] in declared, (op, headers["x-amzn-ErrorType"])
    got = client.describe_backup_job(BackupJobId=job["BackupJobId"])
    assert got["RecoveryPointLifecycle"] == {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120}
    assert (got["ResourceType"], got["ResourceName"], got["AccountId"]) == ("RDS", "orders-db", ACCOUNT)
    assert got["RecoveryPointArn"].startswith(f"arn:aws:rds:us-east-1:{ACCOUNT}:snapshot:awsbackup:job-")


def test_backup_moves_created_running_completed_with_percent_rising(bak):
    emu, client, _rec = bak
    emu.admin("POST", "/timelines", {"backup_job": [["CREATED", 0], ["RUNNING", 0.3], ["COMPLETED", 1.5]]})
    job = start(client)
    seen = wait_for(lambda: client.describe_backup_job(BackupJobId=job["BackupJobId"]), "State", {"COMPLETED"})
    states = [s["State"] for s in seen]
    assert states[0] == "CREATED" and states[-1] == "COMPLETED" and "RUNNING" in states
    running = [float(s["PercentDone"]) for s in seen if s["State"] == "RUNNING"]
    assert len(running) >= 3 and running == sorted(running) and 0 < running[0] < running[-1] < 100
    assert all(s["PercentDone"] == "0.0" and "CompletionDate" not in s for s in seen if s["State"] == "CREATED")
    done = seen[-1]
    assert done["PercentDone"] == "100.0" and done["BackupSizeInBytes"] == 1000 == done["BytesTransferred"]
    assert done["MessageCategory"] == "SUCCESS" and done["CompletionDate"] >= done["InitiationDate"]
    assert done["CompletionDate"] > done["CreationDate"] == job["CreationDate"]
    assert abs((done["StartBy"] - done["CreationDate"]).total_seconds() - 8 * 3600) < 0.01


def test_backup_endings_partial_failed_expired_aborted(bak):
    emu, client, _rec = bak
    endings = {"PARTIAL": [["CREATED", 0], ["RUNNING", 0.1], ["PARTIAL", 0.3]],
               "FAILED": [["CREATED", 0], ["RUNNING", 0.1], ["FAILED", 0.3, "Access denied to the KMS key."]],
               "EXPIRED": [["CREATED", 0], ["EXPIRED", 0.2]],
               "ABORTED": [["CREATED", 0], ["RUNNING", 0.1], ["ABORTING", 0.2], ["ABORTED", 0.3]]}
    jobs = {}
    for state, timeline in endings.items():
        arn = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:db-{state.lower()}"
        emu.admin("POST", "/resources", {"arn": arn})
        emu.admin("POST", "/timelines", {"overrides": [{"kind": "backup_job", "match": {"ResourceArn": arn},
                                                        "timeline": timeline}]})
        jobs[state] = start(client, resource=arn)
    time.sleep(0.5)
    got = {state: client.describe_backup_job(BackupJobId=j["BackupJobId"]) for state, j in jobs.items()}
    assert {s: g["State"] for s, g in got.items()} == {s: s for s in endings}
    assert got["FAILED"]["StatusMessage"] == "Access denied to the KMS key."
    assert "start window" in got["EXPIRED"]["StatusMessage"] and got["EXPIRED"]["PercentDone"] == "0.0"
    assert got["PARTIAL"]["PercentDone"] == "100.0" and "partially" in got["PARTIAL"]["StatusMessage"]
    assert got["ABORTED"]["PercentDone"] == "50.0"
    assert all("CompletionDate" in g for g in got.values())
    # only a complete backup leaves a restorable recovery point; a partial one is refused, the others are gone
    with pytest.raises(client.exceptions.InvalidRequestException):
        client.start_restore_job(RecoveryPointArn=jobs["PARTIAL"]["RecoveryPointArn"], Metadata={})
    for state in ("FAILED", "EXPIRED", "ABORTED"):
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.start_restore_job(RecoveryPointArn=jobs[state]["RecoveryPointArn"], Metadata={})


def test_restore_moves_pending_running_completed_and_creates_the_resource(bak):
    emu, client, _rec = bak
    point = emu.admin("POST", "/recovery-points", {"resource_arn": TABLE, "backup_vault_name": "prod-vault"})
    arn = point["recovery_points"][0]
    emu.admin("POST", "/timelines", {"restore_job": [["PENDING", 0], ["RUNNING", 0.2], ["COMPLETED", 1.2]]})
    job = client.start_restore_job(RecoveryPointArn=arn, IamRoleArn=ROLE, ResourceType="DynamoDB",
                                   Metadata={"targetTableName": "carts-restored"})
    seen = wait_for(lambda: client.describe_restore_job(RestoreJobId=job["RestoreJobId"]), "Status", {"COMPLETED"})
    statuses = [s["Status"] for s in seen]
    assert statuses[0] == "PENDING" and "RUNNING" in statuses and statuses[-1] == "COMPLETED"
    running = [float(s["PercentDone"]) for s in seen if s["Status"] == "RUNNING"]
    assert running == sorted(running) and len(running) >= 2
    done = seen[-1]
    assert done["CreatedResourceArn"] == f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/carts-restored"
    assert all("CreatedResourceArn" not in s for s in seen[:-1])
    assert done["SourceResourceArn"] == TABLE and done["BackupVaultArn"].endswith(":backup-vault:prod-vault")
    # the restored table is a resource now, and can be backed up in turn
    assert start(client, resource=done["CreatedResourceArn"])["BackupJobId"]
    emu.admin("POST", "/timelines", {"overrides": [{"kind": "restore_job", "match": {"SourceResourceArn": TABLE},
                                                    "timeline": [["PENDING", 0], ["FAILED", 0.1]]}]})
    failed = client.start_restore_job(RecoveryPointArn=arn, Metadata={"targetTableName": "carts-2"})
    time.sleep(0.2)
    got = client.describe_restore_job(RestoreJobId=failed["RestoreJobId"])
    assert got["Status"] == "FAILED" and got["StatusMessage"] and "CompletionDate" in got


def test_idempotency_tokens(bak):
    emu, client, _rec = bak
    first = start(client, IdempotencyToken="deploy-42")
    again = start(client, IdempotencyToken="deploy-42")
    assert again["BackupJobId"] == first["BackupJobId"] and again["RecoveryPointArn"] == first["RecoveryPointArn"]
    assert again["CreationDate"] == first["CreationDate"]
    with pytest.raises(client.exceptions.InvalidRequestException):
        start(client, resource=VOLUME, IdempotencyToken="deploy-42")
    # botocore fills in a fresh token when none is given: every such call starts a job
    assert start(client)["BackupJobId"] != start(client)["BackupJobId"]
    assert len(emu.admin("GET", "/jobs?kind=backup_job")["jobs"]) == 3
    point = emu.admin("POST", "/recovery-points", {"resource_arn": DB})["recovery_points"][0]
    one = client.start_restore_job(RecoveryPointArn=point, Metadata={"a": "1"}, IdempotencyToken="r1")
    rerun = client.start_restore_job(RecoveryPointArn=point, Metadata={"a": "1"}, IdempotencyToken="r1")
    assert rerun["RestoreJobId"] == one["RestoreJobId"]
    with pytest.raises(client.exceptions.InvalidRequestException):
        client.start_restore_job(RecoveryPointArn=point, Metadata={"a": "2"}, IdempotencyToken="r1")
    assert len(emu.admin("GET", "/jobs?kind=restore_job")["jobs"]) == 1


def test_start_validation(bak):
    emu, client, _rec = bak
    invalid = client.exceptions.InvalidParameterValueException
    cases = [
        (lambda: start(client, vault="missing-vault"), client.exceptions.ResourceNotFoundException),
        (lambda: start(client, resource=f"arn:aws:rds:us-east-1:{ACCOUNT}:db:not-seeded"),
         client.exceptions.ResourceNotFoundException),
        (lambda: start(client, resource="arn:aws:sqs:us-east-1:123456789012:queue"), invalid),
        (lambda: start(client, vault="bad vault!"), invalid),                    # the model's pattern
        (lambda: client.start_backup_job(BackupVaultName="prod-vault", ResourceArn=DB, IamRoleArn="admin"), invalid),
        (lambda: start(client, StartWindowMinutes=30), invalid),
        (lambda: start(client, Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 60}), invalid),
        (lambda: start(client, BackupOptions={"Turbo": "on"}), invalid),
        (lambda: client.start_restore_job(RecoveryPointArn="arn:aws:backup:us-east-1:1:recovery-point:x",
                                          Metadata={}), client.exceptions.ResourceNotFoundException),
    ]
    for call, exc in cases:
        with pytest.raises(exc) as info:
            call()
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert info.value.response["Error"]["Message"]
    point = emu.admin("POST", "/recovery-points", {"resource_arn": DB})["recovery_points"][0]
    with pytest.raises(invalid):
        client.start_restore_job(RecoveryPointArn=point, Metadata={}, ResourceType="EBS")
    assert emu.admin("GET", "/jobs")["jobs"] == []
    instance = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"
    emu.admin("POST", "/resources", {"arn": instance})
    vss = start(client, resource=instance, BackupOptions={"WindowsVSS": "enabled"})
    got = client.describe_backup_job(BackupJobId=vss["BackupJobId"])
    assert got["BackupType"] == "WindowsVSS" and got["BackupOptions"] == {"WindowsVSS": "enabled"}


def test_list_filters_pages_and_entries_match_describe(bak):
    emu, client, _rec = bak
    emu.admin("POST", "/timelines", FAST)
    old = emu.admin("POST", "/jobs", {"kind": "backup_job", "created_ago": 3 * 86400,
                                      "fields": {"ResourceArn": VOLUME, "BackupVaultName": "other-vault"},
                                      "timeline": [["CREATED", 0], ["FAILED", 60]]})["job_ids"][0]
    ancient = emu.admin("POST", "/jobs", {"kind": "backup_job", "created_ago": 31 * 86400})["job_ids"][0]
    new = [start(client)["BackupJobId"] for _unused in range(3)] + [start(client, resource=TABLE)["BackupJobId"]]
    time.sleep(0.7)

    def ids(**kw):
        out, kw = [], dict(kw)
        while True:
            page = client.list_backup_jobs(**kw)
            out += [j["BackupJobId"] for j in page["BackupJobs"]]
            if "NextToken" not in page:
                return out
            kw["NextToken"] = page["NextToken"]

    cut = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    assert ids() == [old] + new and ids(MaxResults=2) == [old] + new          # 30 days back, paged
    assert client.describe_backup_job(BackupJobId=ancient)["State"] == "COMPLETED"  # describable, not listed
    assert ids(ByResourceArn=DB) == new[:3] and ids(ByResourceType="DynamoDB") == new[3:]
    assert ids(ByState="FAILED") == [old] and ids(ByBackupVaultName="other-vault") == [old]
    assert ids(ByCreatedAfter=cut) == new and ids(ByCreatedBefore=cut) == [old]
    assert ids(ByCompleteAfter=cut) == new and ids(ByMessageCategory="SUCCESS", ByState="COMPLETED") == new
    assert ids(ByAccountId="210987654321") == [] and ids(ByAccountId=ACCOUNT) == [old] + new
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.list_backup_jobs(NextToken=client.list_backup_jobs(MaxResults=1)["NextToken"], ByState="FAILED")
    listed = {j["BackupJobId"]: j for j in client.list_backup_jobs()["BackupJobs"]}
    for job_id in [old] + new:
        described = client.describe_backup_job(BackupJobId=job_id)
        described.pop("ResponseMetadata")
        assert listed[job_id] == described

    point = emu.admin("POST", "/recovery-points", {"resource_arn": DB})["recovery_points"][0]
    vol_point = emu.admin("POST", "/recovery-points", {"resource_arn": VOLUME})["recovery_points"][0]
    restores = [client.start_restore_job(RecoveryPointArn=point, Metadata={})["RestoreJobId"] for _unused in range(3)]
    restores.append(client.start_restore_job(RecoveryPointArn=vol_point, Metadata={})["RestoreJobId"])
    time.sleep(0.7)
    page = client.list_restore_jobs(MaxResults=3)
    rest = client.list_restore_jobs(MaxResults=3, NextToken=page["NextToken"])
    assert [j["RestoreJobId"] for j in page["RestoreJobs"] + rest["RestoreJobs"]] == restores
    assert [j["RestoreJobId"] for j in client.list_restore_jobs(ByResourceType="EBS")["RestoreJobs"]] == restores[3:]
    assert len(client.list_restore_jobs(ByStatus="COMPLETED", ByCreatedAfter=cut)["RestoreJobs"]) == 4
    assert client.list_restore_jobs(ByStatus="FAILED")["RestoreJobs"] == []
    for entry in page["RestoreJobs"]:
        described = client.describe_restore_job(RestoreJobId=entry["RestoreJobId"])
        described.pop("ResponseMetadata")
        assert entry == described


def test_seeding_secrets_and_reset(bak):
    emu, client, _rec = bak
    seeded = emu.admin("POST", "/jobs", {"jobs": [{"kind": "backup_job", "count": 2},
                                                  {"kind": "restore_job", "fields": {"ResourceArn": TABLE}}]})
    backups, restore = seeded["job_ids"][:2], seeded["job_ids"][2]
    assert client.describe_backup_job(BackupJobId=backups[0])["ResourceName"] == "seeded-db"
    assert client.describe_restore_job(RestoreJobId=restore)["SourceResourceArn"] == TABLE
    point = emu.admin("POST", "/recovery-points", {"resource_arn": DB})["recovery_points"][0]
    client.start_restore_job(RecoveryPointArn=point, Metadata={"MasterUserPassword": "s3cr3t-Pa55",
                                                               "DBInstanceIdentifier": "plain-name"})
    assert "s3cr3t-Pa55" in emu.admin("GET", "/secrets")["values"]
    assert "plain-name" not in emu.admin("GET", "/secrets")["values"]
    assert "s3cr3t-Pa55" not in str(emu.requests())
    emu.admin("POST", "/reset")
    assert emu.admin("GET", "/backup-vaults")["backup_vaults"] == []
    assert emu.admin("GET", "/recovery-points")["recovery_points"] == []
    assert client.list_backup_jobs()["BackupJobs"] == [] and client.list_restore_jobs()["RestoreJobs"] == []


def test_admin_rejects_bad_seeds(emu):
    for path, payload in [("/backup-vaults", {"name": "x"}), ("/resources", {"arn": "arn:aws:sqs:::q"}),
                          ("/recovery-points", {})]:
        with pytest.raises(urllib.error.HTTPError) as info:
            emu.admin("POST", path, payload)
        assert info.value.code == 400
