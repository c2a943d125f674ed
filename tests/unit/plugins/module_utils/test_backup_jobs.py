"""AWS Backup backup and restore jobs: both status tables row by row, PercentDone, validation before any client,
batched reads, and the start handlers' token, change and check-mode rules (fake botocore clients)."""
from __future__ import annotations

import datetime

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._aws import source as aws_source
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AwsSettings
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_job import source as bj_source
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_job import start as bj_start
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_job.source import BackupJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import fetch_many
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import job_entry, normalize
from ansible_collections.jobgate.cloud.plugins.module_utils._restore_job import source as rj_source
from ansible_collections.jobgate.cloud.plugins.module_utils._restore_job import start as rj_start
from ansible_collections.jobgate.cloud.plugins.module_utils._restore_job.source import RestoreJobSource

import aws_fakes  # tests/unit/plugins/module_utils/aws_fakes.py

UTC = datetime.timezone.utc
T0 = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
NOW = T0.timestamp() + 60
ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
DB = "arn:aws:rds:us-east-1:123456789012:db:orders-db"
POINT = "arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-8e0f4c2a"

# The contract's tables, every row, plus statuses they do not list (unknown, not terminal).
BACKUP_ROWS = [("CREATED", "pending"), ("PENDING", "pending"), ("RUNNING", "running"), ("ABORTING", "running"),
               ("COMPLETED", "succeeded"), ("FAILED", "failed"), ("EXPIRED", "failed"), ("PARTIAL", "failed"),
               ("ABORTED", "canceled"), ("COMPLETED_WITH_ISSUES", "unknown"), ("completed", "unknown"), ("", "unknown")]
RESTORE_ROWS = [("PENDING", "pending"), ("RUNNING", "running"), ("COMPLETED", "succeeded"), ("FAILED", "failed"),
                ("ABORTED", "canceled"), ("CREATED", "unknown"), ("EXPIRED", "unknown"), ("PARTIAL", "unknown")]
TERMINAL = {"succeeded", "failed", "canceled"}


def _block(provider, status, id_key, status_key, percent=None):
    raw = {id_key: "J-1", status_key: status, "PercentDone": percent, "StatusMessage": "why",
           "CreationDate": T0, "CompletionDate": T0 + datetime.timedelta(minutes=5)}
    return normalize(provider, raw)


@pytest.mark.parametrize("status,state", BACKUP_ROWS)
def test_backup_job_status_table(status, state):
    block = _block("backup_job", status, "BackupJobId", "State")
    assert (block["provider"], block["job_id"], block["native_status"]) == ("backup_job", "J-1", status or None)
    assert block["state"] == state and block["terminal"] is (state in TERMINAL)
    assert block["succeeded"] is (state == "succeeded") and block["message"] == "why"
    assert block["created_at"] == "2024-05-01T12:00:00Z"
    assert block["finished_at"] == ("2024-05-01T12:05:00Z" if state in TERMINAL else None)


@pytest.mark.parametrize("status,state", RESTORE_ROWS)
def test_restore_job_status_table(status, state):
    block = _block("restore_job", status, "RestoreJobId", "Status")
    assert (block["provider"], block["job_id"], block["native_status"]) == ("restore_job", "J-1", status)
    assert block["state"] == state and block["terminal"] is (state in TERMINAL)
    assert block["finished_at"] == ("2024-05-01T12:05:00Z" if state in TERMINAL else None)


@pytest.mark.parametrize("percent,expected", [("0.0", 0), ("37.5", 37), ("99.9", 99), ("100.0", 100), ("100", 100),
                                              (None, None), ("", None), ("n/a", None), ("-3", 0), ("250", 100)])
def test_percent_done_is_rounded_down(percent, expected):
    assert _block("backup_job", "RUNNING", "BackupJobId", "State", percent)["percent_complete"] == expected
    assert _block("restore_job", "RUNNING", "RestoreJobId", "Status", percent)["percent_complete"] == expected


def test_entry_keeps_keys_of_data_maps():
    entry = job_entry("backup_job", {"BackupJobId": "J-1", "State": "COMPLETED", "BackupOptions": {"WindowsVSS": "enabled"},
                                     "ChildJobsInState": {"COMPLETED": 2}, "RecoveryPointLifecycle": {"DeleteAfterDays": 7},
                                     "ResponseMetadata": {"RequestId": "r"}})
    assert entry["backup_options"] == {"WindowsVSS": "enabled"} and entry["child_jobs_in_state"] == {"COMPLETED": 2}
    assert entry["recovery_point_lifecycle"] == {"delete_after_days": 7} and "response_metadata" not in entry


# ------------------------------------------------------------------------------------------------ fake service
class FakeBackup:
    """The botocore Backup client calls the handlers make, over in-memory jobs."""

    def __init__(self):
        self.calls: list = []
        self.backups: list = []
        self.restores: list = []

    def _start(self, jobs, id_key, kwargs, extra):
        self.calls.append(("start", kwargs))
        for job in jobs:
            if job["Token"] == kwargs["IdempotencyToken"]:
                return {id_key: job[id_key]}
        job = {id_key: f"{id_key[:2]}-{len(jobs)}", "Token": kwargs["IdempotencyToken"], "CreationDate": NOW, **extra}
        jobs.append(job)
        return {id_key: job[id_key]}

    def start_backup_job(self, **kwargs):
        return self._start(self.backups, "BackupJobId", kwargs, {"State": "CREATED", "ResourceArn": kwargs["ResourceArn"]})

    def start_restore_job(self, **kwargs):
        return self._start(self.restores, "RestoreJobId", kwargs, {"Status": "PENDING"})

    def describe_backup_job(self, BackupJobId):
        self.calls.append(("describe", BackupJobId))
        return dict(next(j for j in self.backups if j["BackupJobId"] == BackupJobId), ResponseMetadata={})

    def describe_restore_job(self, RestoreJobId):
        self.calls.append(("describe", RestoreJobId))
        return next(j for j in self.restores if j["RestoreJobId"] == RestoreJobId)

    def list_backup_jobs(self, **kwargs):
        self.calls.append(("list", kwargs))
        return {"BackupJobs": list(self.backups)}

    def list_restore_jobs(self, **kwargs):
        self.calls.append(("list", kwargs))
        return {"RestoreJobs": list(self.restores)}


def _client(fake):
    return AwsClient(AwsSettings(region="us-east-1", access_key="AKIDEXAMPLE", secret_key="s3cr3t-value"), "backup",
                     policy=RetryPolicy(), deadline=Deadline(sleep=lambda s: None), client=fake)


@pytest.fixture
def fake(monkeypatch):
    holder = FakeBackup()
    monkeypatch.setattr(aws_source, "AwsClient", lambda settings, service, **kw: _client(holder))
    monkeypatch.setattr(bj_start, "_time", lambda: NOW)
    monkeypatch.setattr(rj_start, "_time", lambda: NOW)
    return holder


class InfoModule(aws_fakes.FakeModule):
    defaults = {"backup_job_id": None, "restore_job_id": None, "job_ids": None, "resource_arn": None, "state": None,
                "status": None, "backup_vault_name": None, "resource_type": None, "created_after": None,
                "created_before": None}


class BackupModule(aws_fakes.FakeModule):
    defaults = {"backup_vault_name": "release-vault", "resource_arn": DB, "iam_role_arn": ROLE, "idempotency_token": None,
                "start_window_minutes": None, "complete_window_minutes": None, "lifecycle": None,
                "recovery_point_tags": None, "backup_options": None}


class RestoreModule(aws_fakes.FakeModule):
    defaults = {"recovery_point_arn": POINT, "metadata": {"DBInstanceIdentifier": "restored", "MasterUserPassword": "pw-1"},
                "iam_role_arn": ROLE, "resource_type": None, "idempotency_token": None}


# ------------------------------------------------------------------------------------------------ validation
@pytest.mark.parametrize("handler,params,words", [
    (bj_source.backup_job_info, {"backup_job_id": "a/b"}, "backup_job_id"),
    (bj_source.backup_job_info, {"job_ids": ["ok", "x#y"]}, "job_ids"),
    (bj_source.backup_job_info, {"backup_job_id": "j", "state": "FAILED"}, "cannot be combined"),
    (bj_source.backup_job_info, {"state": "DONE"}, "state"),
    (bj_source.backup_job_info, {"resource_arn": "orders-db"}, "resource_arn"),
    (bj_source.backup_job_info, {"backup_vault_name": "a"}, "backup_vault_name"),
    (bj_source.backup_job_info, {"resource_type": "SAP HANA"}, "resource_type"),
    (bj_source.backup_job_info, {"created_after": "2025-02-01", "created_before": "2025-01-01"}, "earlier"),
    (rj_source.restore_job_info, {"restore_job_id": "x" * 1025}, "1024 bytes"),
    (rj_source.restore_job_info, {"status": "EXPIRED"}, "status"),
    (rj_source.restore_job_info, {"created_after": "last week"}, "ISO 8601"),
])
def test_info_bad_input_before_any_client(monkeypatch, handler, params, words):
    aws_fakes.refuse_clients(monkeypatch)
    with pytest.raises(JobGateError) as err:
        handler(InfoModule(**params))
    assert err.value.code == "ValidationError" and words in err.value.msg


BJ, RJ = (bj_start.backup_job, BackupModule), (rj_start.restore_job, RestoreModule)


@pytest.mark.parametrize("start,params,words", [
    (BJ, {"backup_vault_name": None}, "backup_vault_name is required"),
    (BJ, {"resource_arn": "arn:aws:rds:us-east-1:1234:db:x"}, "resource_arn"),
    (BJ, {"iam_role_arn": "arn:aws:iam::123456789012:user/bob"}, "iam_role_arn"),
    (BJ, {"start_window_minutes": 59}, "start_window_minutes"),
    (BJ, {"complete_window_minutes": 52_560_001}, "complete_window_minutes"),
    (BJ, {"lifecycle": {"move_to_cold_storage_after_days": 30, "delete_after_days": 100}}, "at least 90 days"),
    (BJ, {"lifecycle": {"delete_after_days": 0}}, "delete_after_days"),
    (BJ, {"lifecycle": {"delete_after_event": "NEVER"}}, "delete_after_event"),
    (BJ, {"recovery_point_tags": {"Team": ["a"]}}, "recovery_point_tags"),
    (BJ, {"backup_options": {"Windows VSS": "enabled"}}, "backup_options"),
    (BJ, {"idempotency_token": ""}, "idempotency_token"),
    (RJ, {"recovery_point_arn": "snap-0123"}, "recovery_point_arn"),
    (RJ, {"metadata": None}, "metadata is required"),
    (RJ, {"metadata": {"MasterUserPassword": {"nested": "pw-2"}}}, "metadata"),
    (RJ, {"resource_type": "rds/aurora"}, "resource_type"),
    (RJ, {"iam_role_arn": "role"}, "iam_role_arn"),
    (RJ, {"idempotency_token": "a\nb"}, "control characters"),
])
def test_start_bad_input_before_any_client(monkeypatch, start, params, words):
    aws_fakes.refuse_clients(monkeypatch)
    handler, module = start
    with pytest.raises(JobGateError) as err:
        handler(module(**params))
    assert err.value.code == "ValidationError" and words in err.value.msg
    assert "pw-1" not in err.value.msg and "pw-2" not in err.value.msg


# ------------------------------------------------------------------------------------------------ reads
def test_list_filters_become_list_members(fake):
    out = bj_source.backup_job_info(InfoModule(resource_arn=DB, state="FAILED", backup_vault_name="release-vault",
                                               resource_type="RDS", created_after="2024-05-01"))
    assert out["jobs"] == [] and out["summary"]["all_terminal"] is False
    assert fake.calls == [("list", {"ByResourceArn": DB, "ByState": "FAILED", "ByBackupVaultName": "release-vault",
                                    "ByResourceType": "RDS", "ByCreatedAfter": datetime.datetime(2024, 5, 1, tzinfo=UTC)})]


def test_batched_reads_describe_parents_and_what_the_list_missed(fake):
    fake.backups = [{"BackupJobId": f"b{i}", "State": "COMPLETED", "CreationDate": T0} for i in range(4)]
    fake.backups[1]["IsParent"] = True  # its list entry lacks the child job counts a describe gives
    listed = list(fake.backups)
    fake.backups.append({"BackupJobId": "old", "State": "COMPLETED", "CreationDate": T0})
    fake.list_backup_jobs = lambda **kwargs: (fake.calls.append(("list", kwargs)), {"BackupJobs": listed})[1]
    raws = fetch_many(BackupJobSource(_client(fake)), ["b0", "b1", "b2", "b3", "old"],
                      hints={"b0": {"CreationDate": T0}})
    assert [r["BackupJobId"] for r in raws] == ["b0", "b1", "b2", "b3", "old"]
    assert fake.calls[0] == ("list", {"ByCreatedAfter": T0 - datetime.timedelta(minutes=5), "MaxResults": 1000})
    assert sorted(c[1] for c in fake.calls if c[0] == "describe") == ["b1", "old"]


def test_restore_batched_reads_use_the_list(fake):
    fake.restores = [{"RestoreJobId": f"r{i}", "Status": "RUNNING"} for i in range(5)]
    raws = fetch_many(RestoreJobSource(_client(fake)), [f"r{i}" for i in range(5)])
    assert len(raws) == 5 and [c[0] for c in fake.calls] == ["list"]


# ------------------------------------------------------------------------------------------------ starts
def test_backup_request_mirrors_the_api():
    request = bj_start.backup_request(BackupModule(
        start_window_minutes=60, complete_window_minutes=600, recovery_point_tags={"Release": 2.4},
        lifecycle={"move_to_cold_storage_after_days": 30, "delete_after_days": 120,
                   "opt_in_to_archive_for_supported_resources": None, "delete_after_event": None},
        backup_options={"WindowsVSS": "enabled"}).params)
    assert request == {"BackupVaultName": "release-vault", "ResourceArn": DB, "IamRoleArn": ROLE,
                       "StartWindowMinutes": 60, "CompleteWindowMinutes": 600,
                       "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120},
                       "RecoveryPointTags": {"Release": "2.4"}, "BackupOptions": {"WindowsVSS": "enabled"}}


@pytest.mark.parametrize("handler,module,id_key", [(bj_start.backup_job, BackupModule, "backup_job_id"),
                                                   (rj_start.restore_job, RestoreModule, "restore_job_id")])
def test_without_a_token_every_run_starts_a_job(fake, handler, module, id_key):
    first, second = handler(module()), handler(module())
    assert first["changed"] is True and second["changed"] is True
    assert first["job"][id_key] != second["job"][id_key]
    tokens = [c[1]["IdempotencyToken"] for c in fake.calls if c[0] == "start"]
    assert len(set(tokens)) == 2 and all(tokens)
    assert not [c for c in fake.calls if c[0] == "list"]  # nothing to tell apart without a token


@pytest.mark.parametrize("handler,module,id_key", [(bj_start.backup_job, BackupModule, "backup_job_id"),
                                                   (rj_start.restore_job, RestoreModule, "restore_job_id")])
def test_with_a_token_the_rerun_is_not_a_change(fake, handler, module, id_key):
    first = handler(module(idempotency_token="release-1"))
    second = handler(module(idempotency_token="release-1"))
    assert first["changed"] is True and second["changed"] is False
    assert first["job"][id_key] == second["job"][id_key]
    lists = [c[1] for c in fake.calls if c[0] == "list"]
    assert len(lists) == 2 and all(c["ByCreatedAfter"].timestamp() == NOW - 300 - 300 for c in lists)


def test_a_token_job_older_than_the_task_is_not_a_change(fake, monkeypatch):
    bj_start.backup_job(BackupModule(idempotency_token="t"))
    fake.list_backup_jobs = lambda **kwargs: {"BackupJobs": []}  # older than the recent window the list covers
    monkeypatch.setattr(bj_start, "_time", lambda: NOW + 3600)
    assert bj_start.backup_job(BackupModule(idempotency_token="t"))["changed"] is False


def test_backup_recent_jobs_are_listed_for_that_resource_and_vault(fake):
    bj_start.backup_job(BackupModule(idempotency_token="t"))
    listed = next(c[1] for c in fake.calls if c[0] == "list")
    assert listed["ByResourceArn"] == DB and listed["ByBackupVaultName"] == "release-vault"


def test_check_mode_sends_nothing_and_never_shows_metadata(monkeypatch):
    holder = FakeBackup()
    monkeypatch.setattr(aws_source, "AwsClient", lambda settings, service, **kw: _client(holder))
    backup = bj_start.backup_job(BackupModule(check_mode=True, idempotency_token="t"))
    restore = rj_start.restore_job(RestoreModule(check_mode=True))
    assert holder.calls == []
    assert backup["changed"] is True and backup["jobs"] == [] and backup["would_start"] == [
        {"backup_vault_name": "release-vault", "resource_arn": DB, "iam_role_arn": ROLE, "idempotency_token": "t"}]
    assert restore["would_start"] == [{"recovery_point_arn": POINT, "resource_type": None, "iam_role_arn": ROLE,
                                       "idempotency_token": None}]
    assert "pw-1" not in str(restore) and "restored" not in str(restore)


def test_restore_sends_metadata_as_strings(fake):
    rj_start.restore_job(RestoreModule(metadata={"DBInstanceIdentifier": "restored", "Port": 5432}, resource_type="RDS"))
    start = next(c[1] for c in fake.calls if c[0] == "start")
    assert start["Metadata"] == {"DBInstanceIdentifier": "restored", "Port": "5432"} and start["ResourceType"] == "RDS"


@pytest.mark.parametrize("package, names", [
    ("_backup_job", ("describe_backup_job", "list_backup_jobs", "BackupJobs", "BackupJobId")),
    ("_restore_job", ("describe_restore_job", "list_restore_jobs", "RestoreJobs", "RestoreJobId")),
    ("_copy_job", ("describe_copy_job", "list_copy_jobs", "CopyJobs", "CopyJobId")),
    ("_scan_job", ("describe_scan_job", "list_scan_jobs", "ScanJobs", "ScanJobId")),
])
def test_a_backup_api_source_takes_its_operations_and_keys_from_its_registry_entry(package, names):
    import importlib
    module = importlib.import_module(f"ansible_collections.jobgate.cloud.plugins.module_utils.{package}.source")
    source = next(value for value in vars(module).values()
                  if isinstance(value, type) and value.__module__ == module.__name__ and hasattr(value, "list_op"))
    assert (source.describe_op, source.list_op, source.list_key, source.id_key) == names
