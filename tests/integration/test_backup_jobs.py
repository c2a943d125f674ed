"""backup_job_info, restore_job_info, backup_job, restore_job and the role's backup_job/restore_job kinds through
ansible-playbook against the emulator. Two playbook runs: every read case in one (ids, batched ids, list filters,
waits to each ending, the role, a deadline under a fault that never ends), every start case in the other."""
from __future__ import annotations

import datetime
import re

import pytest

from reliability_support import case_playbook, epoch, requests_between

ACCOUNT = "123456789012"
DB = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders-db"
DB2 = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:billing-db"
LIVE_DB = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:live-db"
VOLUME = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0123456789abcdef0"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
DONE = [["COMPLETED", 0]]
# A task's read takes ~2 s on a quiet machine and has taken 7 s and more at a load average of 5: the jobs whose
# progress the tests watch run long enough for two reads (rise-1, rise-2) or two role polls even at 12 s a read.
RISING = [["CREATED", 0], ["RUNNING", 0.5], ["COMPLETED", 30]]
# The role's backup runs a minute, polled every 8 s with 8 s budgets: beside a second `make test` a module's start-up
# alone took over 5 s, and the 1 s delay's 5 s budgets then read nothing while the job ran.
ROLE_RISING = [["CREATED", 0], ["RUNNING", 0.5], ["COMPLETED", 60]]
WAIT = {"wait": True, "wait_sleep": 1, "wait_timeout": 90}
DEADLINE = 15  # long enough for several throttled tries after a module start-up on a loaded machine
DAY_AGO = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def backup(job_id: str, resource: str, vault: str, timeline: list, **spec) -> dict:
    return dict(spec, kind="backup_job", timeline=timeline,
                fields={"BackupJobId": job_id, "ResourceArn": resource, "BackupVaultName": vault})


def restore(job_id: str, resource: str, timeline: list, **spec) -> dict:
    return dict(spec, kind="restore_job", timeline=timeline, fields={"RestoreJobId": job_id, "ResourceArn": resource})


def ids(out: dict, key: str) -> list:
    return [j[key] for j in out["jobs"]]


def ops(log: list, case: dict, *names: str) -> list:
    return [r["operation"] for r in requests_between(log, case["t0"], case["t1"]) if r["operation"] in names]


@pytest.fixture(scope="module")
def reads(tmp_path_factory):
    """One emulator and one playbook run for every read case; the tests below each judge a part of it."""
    from harness import EmulatorProcess, run_playbook

    workdir = tmp_path_factory.mktemp("backup-reads")
    emulator = EmulatorProcess(workdir / "emulator")
    try:
        emulator.admin("POST", "/jobs", {"jobs": [
            backup("BK-A1", DB, "vault-a", DONE), backup("BK-A2", DB, "vault-a", DONE),
            backup("BK-F", DB2, "vault-a", [["CREATED", 0], ["FAILED", 0, "Access denied to the KMS key."]]),
            backup("BK-OLD", VOLUME, "vault-b", DONE, created_ago=3 * 86400),
            backup("BK-ANCIENT", DB2, "vault-b", DONE, created_ago=31 * 86400),
            restore("RS-1", DB, DONE), restore("RS-2", DB, DONE), restore("RS-EBS", VOLUME, DONE),
            restore("RS-F", DB, [["PENDING", 0], ["FAILED", 0, "A DB instance named orders-db already exists."]]),
        ]})
        result = run_playbook(case_playbook(read_cases(emulator)), emulator=emulator, timeout=400,
                              env={"HOME": str(workdir)}, extra_vars={"admin_url": emulator.admin_url},
                              out_dir=workdir / "run")
        assert result.rc == 0, result.tail()
        saved = result.result("cases")
        leaked = [s for s in emulator.secrets() if s in result.output and s != emulator.state["aws"]["access_key"]]
        yield {"saved": saved, "out": {cid: case["result"] for cid, case in saved.items()},
               "log": emulator.requests(), "output": result.output, "leaked": len(leaked)}
    finally:
        emulator.stop()


def read_cases(emulator) -> list:
    endings = [backup("BK-PARTIAL", LIVE_DB, "live-vault", [["CREATED", 0], ["RUNNING", 0.5], ["PARTIAL", 2]]),
               backup("BK-EXPIRED", LIVE_DB, "live-vault", [["CREATED", 0], ["EXPIRED", 2]]),
               backup("BK-ABORTED", LIVE_DB, "live-vault", [["RUNNING", 0], ["ABORTING", 1], ["ABORTED", 2]]),
               restore("RS-ABORTED", DB, [["PENDING", 0], ["RUNNING", 0.5], ["ABORTED", 2]]),
               restore("RS-RISING", DB, [["PENDING", 0], ["RUNNING", 0.5], ["COMPLETED", 5]])]
    role = {"wait_for_job_delay": 1, "wait_for_job_timeout": 120, "wait_for_job_aws": {"endpoint_url": emulator.aws_endpoint}}
    return [
        {"id": "one", "module": "backup_job", "args": {"job_id": "BK-F"}},
        {"id": "batched", "module": "backup_job", "args": {"job_ids": ["BK-A1", "BK-A2", "BK-F", "BK-OLD", "BK-ANCIENT"]}},
        {"id": "missing", "module": "backup_job", "args": {"backup_job_id": "BK-NOPE"}},
        {"id": "by-resource", "module": "backup_job", "args": {"resource_arn": DB}},
        {"id": "by-state", "module": "backup_job", "args": {"state": "FAILED"}},
        {"id": "by-vault-type-date", "module": "backup_job", "args": {"backup_vault_name": "vault-b",
                                                                      "resource_type": "EBS", "created_before": DAY_AGO}},
        {"id": "vault-since", "module": "backup_job", "args": {"backup_vault_name": "vault-a", "created_after": DAY_AGO}},
        {"id": "rs-one", "module": "restore_job", "args": {"restore_job_id": "RS-F"}},
        {"id": "rs-batched", "module": "restore_job", "args": {"job_ids": ["RS-1", "RS-2", "RS-EBS", "RS-F"]}},
        {"id": "rs-filters", "module": "restore_job", "args": {"status": "COMPLETED", "resource_type": "EBS",
                                                               "created_after": DAY_AGO}},
        # a backup seen running twice, then waited for until COMPLETED
        {"id": "rise-1", "module": "backup_job", "args": {"job_id": "BK-RISING"},
         "before": [("/jobs", {"jobs": [backup("BK-RISING", LIVE_DB, "live-vault", RISING)] + endings})]},
        {"id": "rise-2", "module": "backup_job", "args": {"job_id": "BK-RISING"}},
        {"id": "rise-wait", "module": "backup_job", "args": {"job_id": "BK-RISING", **WAIT}},
        {"id": "endings", "module": "backup_job", "args": {"job_ids": ["BK-PARTIAL", "BK-EXPIRED", "BK-ABORTED", "BK-A1"],
                                                           **WAIT}},
        {"id": "rs-wait", "module": "restore_job", "args": {"job_ids": ["RS-RISING", "RS-ABORTED"], **WAIT}},
        {"id": "role-backup", "module": "role", "args": {"wait_for_job_kind": "backup_job", "wait_for_job_id": "BK-ROLE",
                                                         **role, "wait_for_job_delay": 8},
         "before": [("/jobs", backup("BK-ROLE", LIVE_DB, "live-vault", ROLE_RISING))]},
        {"id": "role-partial", "module": "role", "args": {"wait_for_job_kind": "backup_job",
                                                          "wait_for_job_ids": ["BK-A1", "BK-PARTIAL"], **role}},
        {"id": "role-restore", "module": "role", "args": {"wait_for_job_kind": "restore_job",
                                                          "wait_for_job_ids": ["RS-1", "RS-ABORTED"], **role}},
        {"id": "deadline", "module": "backup_job", "args": {"job_id": "BK-A1", "wait": True, "wait_sleep": 1,
                                                            "wait_timeout": DEADLINE},
         "faults": [{"match": {"operation": "DescribeBackupJob"}, "kind": "throttle", "count": -1}],
         "clear_after": True},
    ]


def test_ids_one_batched_and_not_found(reads):
    out, saved, log = reads["out"], reads["saved"], reads["log"]
    assert all(r["signed"] and r["auth_ok"] for r in log)
    job = out["one"]["job"]
    assert (job["backup_job_id"], job["state"], job["resource_name"]) == ("BK-F", "FAILED", "billing-db")
    assert job["normalized"] == {**job["normalized"], "provider": "backup_job", "job_id": "BK-F", "state": "failed",
                                 "native_status": "FAILED", "terminal": True, "message": "Access denied to the KMS key."}
    assert job["normalized"]["finished_at"] and job["normalized"]["created_at"].endswith("Z")
    batched = out["batched"]
    assert ids(batched, "backup_job_id") == ["BK-A1", "BK-A2", "BK-F", "BK-OLD", "BK-ANCIENT"] and "job" not in batched
    assert batched["summary"]["succeeded"] == 4 and batched["summary"]["failed"] == 1
    # one list request for the four jobs of the last 30 days; the 31-day-old job is described on its own
    seen = [(r["operation"], r["path"]) for r in requests_between(log, saved["batched"]["t0"], saved["batched"]["t1"])]
    assert seen == [("ListBackupJobs", "/backup-jobs/"), ("DescribeBackupJob", "/backup-jobs/BK-ANCIENT")], seen
    missing = out["missing"]
    assert missing["failed"] and missing["error"]["code"] == "ResourceNotFoundException"
    assert missing["error"]["retryable"] is False and "BK-NOPE" in missing["msg"] and "us-east-1" in missing["msg"]
    assert out["rs-one"]["job"]["normalized"]["state"] == "failed" and out["rs-one"]["job"]["status"] == "FAILED"
    assert ids(out["rs-batched"], "restore_job_id") == ["RS-1", "RS-2", "RS-EBS", "RS-F"]
    assert ops(log, saved["rs-batched"], "DescribeRestoreJob", "ListRestoreJobs") == ["ListRestoreJobs"]
    assert out["rs-batched"]["jobs"][0]["created_resource_arn"].startswith(f"arn:aws:rds:us-east-1:{ACCOUNT}:db:")


def test_list_mode_sends_every_filter(reads):
    out, saved, log = reads["out"], reads["saved"], reads["log"]
    assert sorted(ids(out["by-resource"], "backup_job_id")) == ["BK-A1", "BK-A2"]
    assert ids(out["by-state"], "backup_job_id") == ["BK-F"]
    assert ids(out["by-vault-type-date"], "backup_job_id") == ["BK-OLD"]   # the API lists 30 days back
    assert sorted(ids(out["vault-since"], "backup_job_id")) == ["BK-A1", "BK-A2", "BK-F"]
    assert out["vault-since"]["summary"]["all_terminal"] is True and "job" not in out["vault-since"]
    assert ids(out["rs-filters"], "restore_job_id") == ["RS-EBS"]
    sent = {cid: [r["query"] for r in requests_between(log, saved[cid]["t0"], saved[cid]["t1"])]
            for cid in ("by-resource", "by-state", "by-vault-type-date", "rs-filters")}
    assert sent["by-resource"] == [{"resourceArn": DB}] and sent["by-state"] == [{"state": "FAILED"}]
    assert sorted(sent["by-vault-type-date"][0]) == ["backupVaultName", "createdBefore", "resourceType"]
    assert sorted(sent["rs-filters"][0]) == ["createdAfter", "resourceType", "status"]


def test_waits_to_completed_with_progress_and_to_every_ending(reads):
    out = reads["out"]
    rising = [out[c]["job"]["normalized"]["percent_complete"] for c in ("rise-1", "rise-2", "rise-wait")]
    assert 0 <= rising[0] < rising[1] < rising[2] == 100, rising
    done = out["rise-wait"]
    assert done["job"]["state"] == "COMPLETED" and done["summary"]["all_succeeded"] and done["elapsed"] > 0
    assert done["job"]["normalized"]["finished_at"] and done["job"]["backup_size_in_bytes"] > 0
    endings = out["endings"]
    assert not endings.get("failed") and endings["summary"]["all_terminal"] is True
    states = {j["backup_job_id"]: (j["state"], j["normalized"]["state"]) for j in endings["jobs"]}
    assert states == {"BK-PARTIAL": ("PARTIAL", "failed"), "BK-EXPIRED": ("EXPIRED", "failed"),
                      "BK-ABORTED": ("ABORTED", "canceled"), "BK-A1": ("COMPLETED", "succeeded")}
    assert endings["summary"]["any_failed"] is True and endings["summary"]["all_succeeded"] is False
    rs = {j["restore_job_id"]: j["normalized"] for j in out["rs-wait"]["jobs"]}
    assert rs["RS-RISING"]["state"] == "succeeded" and rs["RS-RISING"]["percent_complete"] == 100
    assert rs["RS-ABORTED"]["state"] == "canceled" and out["rs-wait"]["summary"]["canceled"] == 1


def test_the_role_waits_for_both_kinds(reads):
    out = reads["out"]
    assert out["role-backup"] == {"role_ok": True}, out["role-backup"]
    # The role's poll lines show the backup's progress rising: "BK-ROLE running (RUNNING, 37%)".
    percents = [int(p) for p in re.findall(r"BK-ROLE running \(RUNNING, (\d+)%\)", reads["output"])]
    assert len(percents) >= 2 and percents == sorted(percents) and percents[0] < percents[-1], percents
    assert "BK-PARTIAL failed (PARTIAL)" in out["role-partial"]["msg"] and "not backed up" in out["role-partial"]["msg"]
    assert "RS-ABORTED canceled (ABORTED)" in out["role-restore"]["msg"], out["role-restore"]
    assert reads["leaked"] == 0


def test_a_throttling_without_end_fails_the_wait_as_retryable(reads):
    out = reads["saved"]["deadline"]["result"]
    assert out["failed"] and out["error"]["retryable"] is True and out["error"]["code"] == "ThrottlingException", out
    assert "BK-A1" in out["msg"]


# The first fetch of a wait retries through throttling until the deadline, and the client's own retries stop at it.
def test_the_deadline_holds_under_throttling_without_end(reads):
    case = reads["saved"]["deadline"]
    sent = [epoch(r["time"]) for r in requests_between(reads["log"], case["t0"], case["t1"])]
    # every request within the budget, counted from the first (the module's start, less its client set-up)
    assert len(sent) >= 2 and sent[-1] - sent[0] <= DEADLINE + 2, sent
    # and the whole task, with ansible's own start-up and return on a machine under load
    assert case["t1"] - case["t0"] <= DEADLINE + 2 + 20, case


def test_the_deadline_failure_carries_elapsed(reads):
    out = reads["out"]["deadline"]
    assert out["elapsed"] <= DEADLINE + 2


@pytest.mark.smoke
def test_starting_backup_and_restore_jobs(emulator, run_playbook, tmp_path):
    start_db = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:start-db"
    emulator.admin("POST", "/backup-vaults", {"name": "release-vault"})
    emulator.admin("POST", "/resources", {"arn": start_db})
    emulator.admin("POST", "/timelines", {"backup_job": [["CREATED", 0], ["RUNNING", 0.5], ["COMPLETED", 2.5]],
                                          "restore_job": [["PENDING", 0], ["RUNNING", 0.5], ["COMPLETED", 2.5]]})
    bk = {"backup_vault_name": "release-vault", "resource_arn": start_db, "iam_role_arn": ROLE,
          "lifecycle": {"delete_after_days": 35}, "recovery_point_tags": {"Release": "2.4"},
          "backup_options": {"WindowsVSS": "disabled"}}
    point = "{{ reliability_cases['bk-token'].result.job.recovery_point_arn }}"
    rs = {"recovery_point_arn": point, "iam_role_arn": ROLE, "resource_type": "RDS",
          "metadata": {"DBInstanceIdentifier": "start-db-restored"}}
    cases = [
        {"id": "bk-check", "module": "jobgate.cloud.backup_job", "check_mode": True,
         "args": dict(bk, idempotency_token="release-2.4")},
        {"id": "bk-token", "module": "jobgate.cloud.backup_job", "args": dict(bk, idempotency_token="release-2.4", **WAIT)},
        {"id": "bk-token-again", "module": "jobgate.cloud.backup_job", "args": dict(bk, idempotency_token="release-2.4")},
        {"id": "bk-plain-1", "module": "jobgate.cloud.backup_job", "args": bk},
        {"id": "bk-plain-2", "module": "jobgate.cloud.backup_job", "args": bk},
        {"id": "bk-no-vault", "module": "jobgate.cloud.backup_job", "args": dict(bk, backup_vault_name="no-such-vault")},
        {"id": "rs-check", "module": "jobgate.cloud.restore_job", "check_mode": True, "args": rs},
        {"id": "rs-token", "module": "jobgate.cloud.restore_job", "args": dict(rs, idempotency_token="undo-2.4", **WAIT)},
        {"id": "rs-token-again", "module": "jobgate.cloud.restore_job", "args": dict(rs, idempotency_token="undo-2.4")},
        {"id": "rs-no-point", "module": "jobgate.cloud.restore_job",
         "args": dict(rs, recovery_point_arn=f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:missing")},
    ]
    home = tmp_path / "home"
    home.mkdir()
    result = run_playbook(case_playbook(cases), emulator=emulator, env={"HOME": str(home)}, timeout=300,
                          extra_vars={"admin_url": emulator.admin_url})
    assert result.rc == 0, result.tail()
    saved = result.result("cases")
    out = {cid: case["result"] for cid, case in saved.items()}
    log = emulator.requests()
    jobs = emulator.admin("GET", "/jobs")["jobs"]

    check = out["bk-check"]
    assert check["changed"] is True and check["jobs"] == [] and check["summary"]["total"] == 0
    assert check["would_start"] == [{"backup_vault_name": "release-vault", "resource_arn": start_db,
                                     "iam_role_arn": ROLE, "idempotency_token": "release-2.4"}]
    assert requests_between(log, saved["bk-check"]["t0"], saved["bk-check"]["t1"]) == []
    first = out["bk-token"]
    assert first["changed"] is True and first["job"]["state"] == "COMPLETED" and first["summary"]["all_succeeded"]
    assert first["job"]["backup_options"] == {"WindowsVSS": "disabled"}
    assert first["job"]["recovery_point_lifecycle"] == {"delete_after_days": 35}
    again = out["bk-token-again"]
    assert again["changed"] is False and again["job"]["backup_job_id"] == first["job"]["backup_job_id"]
    plain = [out["bk-plain-1"], out["bk-plain-2"]]
    assert all(p["changed"] for p in plain) and plain[0]["job"]["backup_job_id"] != plain[1]["job"]["backup_job_id"]
    assert len([j for j in jobs if j["kind"] == "backup_job"]) == 3
    starts = [r for r in log if r["operation"] == "StartBackupJob"]
    assert [r["status"] for r in starts] == [200, 200, 200, 200, 400]
    no_vault = out["bk-no-vault"]
    assert no_vault["failed"] and no_vault["changed"] is False
    assert no_vault["error"]["code"] == "ResourceNotFoundException" and "no-such-vault" in no_vault["msg"]

    assert out["rs-check"]["changed"] is True and out["rs-check"]["jobs"] == []
    assert "metadata" not in str(out["rs-check"]["would_start"])
    restored = out["rs-token"]
    assert restored["changed"] is True and restored["job"]["status"] == "COMPLETED", restored
    assert restored["job"]["recovery_point_arn"] == first["job"]["recovery_point_arn"]
    # metadata is no_log: Ansible masks its values wherever they appear, the restored database's name too
    assert restored["job"]["created_resource_arn"] == f"arn:aws:rds:us-east-1:{ACCOUNT}:db:********"
    assert out["rs-token-again"]["changed"] is False
    assert out["rs-token-again"]["job"]["restore_job_id"] == restored["job"]["restore_job_id"]
    assert len([j for j in jobs if j["kind"] == "restore_job"]) == 1
    no_point = out["rs-no-point"]
    assert no_point["failed"] and no_point["error"]["code"] == "ResourceNotFoundException" and not no_point["changed"]
