"""copy_job_info, scan_job_info, copy_job, scan_job and the role's copy_job/scan_job kinds through ansible-playbook
against the emulator. Two playbook runs: every read case in one (one id, many ids, every list filter, paging to the
end, every row of both status tables, waits, the role, throttling within and past the deadline), every start case
in the other (tokens, check mode, the API's refusals, a scan that finds threats)."""
from __future__ import annotations

import datetime
import re

import pytest

from reliability_support import case_playbook, epoch, requests_between

ACCOUNT = "123456789012"
DB = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders-db"
VOLUME = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0123456789abcdef0"
VOLUME2 = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0fedcba9876543210"
BUCKET = "arn:aws:s3:::release-artifacts"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
SCANNER = f"arn:aws:iam::{ACCOUNT}:role/GuardDutyMalwareScanRole"
DR_VAULT = f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:dr-vault"
EU_VAULT = f"arn:aws:backup:eu-west-1:{ACCOUNT}:backup-vault:eu-vault"
PAGED_VAULT = f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:paged-vault"
DB_POINT = f"arn:aws:rds:us-east-1:{ACCOUNT}:snapshot:awsbackup:job-0a1b2c3d"
VOL_POINT = "arn:aws:ec2:us-east-1::snapshot/snap-0aaaaaaaaaaaaaaaa"
DONE = [["COMPLETED", 0]]
RUNS = [["CREATED", 0], ["RUNNING", 0.5], ["COMPLETED", 8]]
# The role's copy job runs long enough for the role's first poll to see it open: beside a second make test the role
# took more than 8 s from the seeding to its first read (as test_backup_jobs' ROLE_RISING).
ROLE_RUNS = [["CREATED", 0], ["RUNNING", 0.5], ["COMPLETED", 30]]
WAIT = {"wait": True, "wait_sleep": 1, "wait_timeout": 90}
DEADLINE = 15  # several throttled tries even after a module start-up on a loaded machine (as test_backup_jobs)
PAGED = 105   # more than one page of the emulator's 100
DAY_AGO = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def copy(job_id: str, timeline: list, **fields) -> dict:
    spec = {"created_ago": fields.pop("created_ago")} if "created_ago" in fields else {}
    return dict(spec, kind="copy_job", timeline=timeline, fields=dict({"CopyJobId": job_id}, **fields))


def scan(job_id: str, timeline: list, verdict: str | None = "NO_THREATS_FOUND", **fields) -> dict:
    spec = {"created_ago": fields.pop("created_ago")} if "created_ago" in fields else {}
    return dict(spec, kind="scan_job", timeline=timeline,
                fields=dict({"ScanJobId": job_id, "ScanResultStatus": verdict}, **fields))


def ids(out: dict, key: str) -> list:
    return [j[key] for j in out["jobs"]]


def ops(log: list, case: dict, *names: str) -> list:
    return [r["operation"] for r in requests_between(log, case["t0"], case["t1"]) if r["operation"] in names]


def queries(log: list, case: dict) -> list:
    return [r["query"] for r in requests_between(log, case["t0"], case["t1"])]


SEEDS = [
    copy("CP-A1", DONE, SourceRecoveryPointArn=DB_POINT, SourceBackupVaultName="vault-a", ResourceArn=DB,
         DestinationBackupVaultArn=DR_VAULT),
    copy("CP-A2", DONE, SourceRecoveryPointArn=DB_POINT, SourceBackupVaultName="vault-a", ResourceArn=DB,
         DestinationBackupVaultArn=DR_VAULT),
    copy("CP-F", [["CREATED", 0], ["FAILED", 0, "The destination vault's access policy denies the copy."]],
         ResourceArn=DB, DestinationBackupVaultArn=DR_VAULT),
    copy("CP-EBS", DONE, ResourceArn=VOLUME, DestinationBackupVaultArn=EU_VAULT),
    copy("CP-OLD", DONE, ResourceArn=DB, DestinationBackupVaultArn=EU_VAULT, created_ago=3 * 86400),
    copy("CP-PARENT", [["CREATED", 0], ["RUNNING", 0], ["PARTIAL", 0, "1 of 2 child copy jobs failed."]],
         IsParent=True, DestinationBackupVaultArn=DR_VAULT),
    copy("CP-C1", DONE, ParentJobId="CP-PARENT", DestinationBackupVaultArn=DR_VAULT),
    copy("CP-C2", [["FAILED", 0, "The destination vault is locked."]], ParentJobId="CP-PARENT",
         DestinationBackupVaultArn=DR_VAULT),
    scan("SC-CLEAN", DONE, RecoveryPointArn=VOL_POINT, BackupVaultName="vault-a", ResourceArn=VOLUME),
    scan("SC-THREAT", [["RUNNING", 0], ["COMPLETED", 0, "2 infected files."]], "THREATS_FOUND",
         RecoveryPointArn=VOL_POINT, BackupVaultName="vault-a", ResourceArn=VOLUME),
    scan("SC-UNKNOWN", DONE, "UNKNOWN", ResourceArn=VOLUME2),
    scan("SC-NONE", DONE, None, ResourceArn=VOLUME2),
    scan("SC-ISSUES", [["COMPLETED_WITH_ISSUES", 0]], "NO_THREATS_FOUND", ResourceArn=VOLUME2),
    scan("SC-FAILED", [["FAILED", 0, "The scanner role cannot read the snapshot."]], None, ResourceArn=VOLUME2),
    scan("SC-CANCELED", [["RUNNING", 0], ["CANCELED", 0]], None, ResourceArn=VOLUME2),
    scan("SC-RUNNING", [["CREATED", 0], ["RUNNING", 0.1]], None, ResourceArn=VOLUME2),
    scan("SC-S3", DONE, BackupVaultName="s3-vault", ResourceArn=BUCKET, ResourceType="S3"),
    scan("SC-OLD", DONE, ResourceArn=VOLUME2, created_ago=3 * 86400),
]
SCAN_ENDINGS = ["SC-CLEAN", "SC-THREAT", "SC-UNKNOWN", "SC-NONE", "SC-ISSUES", "SC-FAILED", "SC-CANCELED"]


@pytest.fixture(scope="module")
def reads(tmp_path_factory):
    """One emulator and one playbook run for every read case; the tests below each judge a part of it."""
    from harness import EmulatorProcess, run_playbook

    workdir = tmp_path_factory.mktemp("copy-scan-reads")
    emulator = EmulatorProcess(workdir / "emulator")
    try:
        emulator.admin("POST", "/jobs", {"jobs": SEEDS})
        result = run_playbook(case_playbook(read_cases(emulator)), emulator=emulator, timeout=500,
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
    role = {"wait_for_job_delay": 1, "wait_for_job_timeout": 120,
            "wait_for_job_aws": {"endpoint_url": emulator.aws_endpoint}}
    paged = [copy(f"CP-P{i:03d}", DONE, DestinationBackupVaultArn=PAGED_VAULT) for i in range(PAGED)]
    paged += [scan(f"SC-P{i:03d}", DONE, BackupVaultName="paged-vault") for i in range(PAGED)]
    throttled = [{"match": {"operation": "DescribeCopyJob"}, "kind": "throttle", "count": 3}]
    return [
        {"id": "cp-one", "module": "copy_job", "args": {"job_id": "CP-F"}},
        {"id": "cp-batched", "module": "copy_job", "args": {"job_ids": ["CP-A1", "CP-A2", "CP-F", "CP-EBS",
                                                                        "CP-PARENT", "CP-OLD"]}},
        {"id": "cp-missing", "module": "copy_job", "args": {"copy_job_id": "CP-NOPE"}},
        {"id": "cp-parent", "module": "copy_job", "args": {"copy_job_id": "CP-PARENT"}},
        {"id": "cp-by-state", "module": "copy_job", "args": {"state": "FAILED"}},
        {"id": "cp-by-resource-type", "module": "copy_job", "args": {"resource_arn": VOLUME, "resource_type": "EBS"}},
        {"id": "cp-by-destination", "module": "copy_job", "args": {"destination_vault_arn": EU_VAULT,
                                                                   "created_after": DAY_AGO}},
        {"id": "cp-by-point", "module": "copy_job", "args": {"source_recovery_point_arn": DB_POINT}},
        {"id": "cp-by-parent", "module": "copy_job", "args": {"parent_job_id": "CP-PARENT"}},
        {"id": "cp-before", "module": "copy_job", "args": {"created_before": DAY_AGO}},
        {"id": "sc-one", "module": "scan_job", "args": {"job_id": "SC-THREAT"}},
        {"id": "sc-endings", "module": "scan_job", "args": {"job_ids": SCAN_ENDINGS + ["SC-RUNNING"]}},
        {"id": "sc-missing", "module": "scan_job", "args": {"scan_job_id": "SC-NOPE"}},
        {"id": "sc-by-verdict", "module": "scan_job", "args": {"scan_result_status": "THREATS_FOUND"}},
        {"id": "sc-by-state", "module": "scan_job", "args": {"state": "COMPLETED_WITH_ISSUES"}},
        {"id": "sc-by-vault-type", "module": "scan_job", "args": {"backup_vault_name": "s3-vault",
                                                                  "resource_type": "S3"}},
        {"id": "sc-by-point", "module": "scan_job", "args": {"recovery_point_arn": VOL_POINT}},
        {"id": "sc-by-resource", "module": "scan_job", "args": {"resource_arn": VOLUME2, "state": "COMPLETED",
                                                                "completed_after": DAY_AGO}},
        {"id": "sc-completed-before", "module": "scan_job", "args": {"completed_before": DAY_AGO}},
        {"id": "cp-pages", "module": "copy_job", "args": {"destination_vault_arn": PAGED_VAULT},
         "before": [("/jobs", {"jobs": paged})]},
        {"id": "sc-pages", "module": "scan_job", "args": {"backup_vault_name": "paged-vault"}},
        {"id": "cp-wait", "module": "copy_job", "args": {"job_id": "CP-RUN", **WAIT},
         "before": [("/jobs", {"jobs": [copy("CP-RUN", RUNS), copy("CP-THROTTLED", RUNS),
                                        scan("SC-RUN", RUNS), scan("SC-RUN-THREAT", RUNS, "THREATS_FOUND")]})]},
        {"id": "sc-wait", "module": "scan_job", "args": {"job_ids": ["SC-RUN", "SC-RUN-THREAT"], **WAIT}},
        {"id": "cp-throttled", "module": "copy_job", "args": {"job_id": "CP-THROTTLED", **WAIT},
         "faults": throttled, "clear_after": True},
        {"id": "role-copy", "module": "role", "args": {"wait_for_job_kind": "copy_job", "wait_for_job_id": "CP-ROLE",
                                                       **role},
         "before": [("/jobs", {"jobs": [copy("CP-ROLE", ROLE_RUNS), scan("SC-ROLE", RUNS)]})]},
        {"id": "role-partial", "module": "role", "args": {"wait_for_job_kind": "copy_job",
                                                          "wait_for_job_ids": ["CP-A1", "CP-PARENT"], **role}},
        {"id": "role-threats", "module": "role", "args": {"wait_for_job_kind": "scan_job",
                                                          "wait_for_job_ids": ["SC-CLEAN", "SC-THREAT"], **role}},
        {"id": "role-both", "module": "role", "args": {"wait_for_job_jobs": [
            {"kind": "copy_job", "ids": ["CP-A1", "CP-A2"]}, {"kind": "scan_job", "id": "SC-ROLE"},
            {"kind": "scan_job", "id": "SC-CLEAN"}], **role}},
        {"id": "deadline", "module": "scan_job", "args": {"job_id": "SC-CLEAN", "wait": True, "wait_sleep": 1,
                                                          "wait_timeout": DEADLINE},
         "faults": [{"match": {"operation": "DescribeScanJob"}, "kind": "throttle", "count": -1}],
         "clear_after": True},
    ]


def test_copy_one_id_many_ids_a_parent_and_not_found(reads):
    out, saved, log = reads["out"], reads["saved"], reads["log"]
    assert all(r["signed"] and r["auth_ok"] for r in log)
    job = out["cp-one"]["job"]
    assert (job["copy_job_id"], job["state"], job["destination_backup_vault_arn"]) == ("CP-F", "FAILED", DR_VAULT)
    assert job["normalized"] == {**job["normalized"], "provider": "copy_job", "job_id": "CP-F", "state": "failed",
                                 "native_status": "FAILED", "terminal": True, "percent_complete": None,
                                 "message": "The destination vault's access policy denies the copy."}
    batched = out["cp-batched"]
    assert ids(batched, "copy_job_id") == ["CP-A1", "CP-A2", "CP-F", "CP-EBS", "CP-PARENT", "CP-OLD"]
    assert batched["summary"]["succeeded"] == 4 and batched["summary"]["failed"] == 2
    # one list for the six jobs; only the parent, whose child counts the list entry lacks, is described
    case = saved["cp-batched"]
    seen = [(r["operation"], r["path"]) for r in requests_between(log, case["t0"], case["t1"])]
    assert seen == [("ListCopyJobs", "/copy-jobs/"), ("DescribeCopyJob", "/copy-jobs/CP-PARENT")], seen
    parent = out["cp-parent"]
    assert ids(parent, "copy_job_id") == ["CP-PARENT"] and parent["summary"]["total"] == 1   # never expanded
    assert parent["job"]["child_jobs_in_state"] == {"COMPLETED": 1, "FAILED": 1}          # state names kept
    assert parent["job"]["number_of_child_jobs"] == 2 and parent["job"]["is_parent"] is True
    assert parent["job"]["normalized"]["state"] == "failed" and parent["job"]["normalized"]["native_status"] == "PARTIAL"
    missing = out["cp-missing"]
    assert missing["failed"] and missing["error"]["code"] == "ResourceNotFoundException"
    assert missing["error"]["retryable"] is False and "CP-NOPE" in missing["msg"] and "us-east-1" in missing["msg"]


def test_copy_list_mode_sends_every_filter_as_the_models_query_parameter(reads):
    out, saved, log = reads["out"], reads["saved"], reads["log"]
    assert ids(out["cp-by-state"], "copy_job_id") == ["CP-F", "CP-C2"]
    assert ids(out["cp-by-resource-type"], "copy_job_id") == ["CP-EBS"]
    assert ids(out["cp-by-destination"], "copy_job_id") == ["CP-EBS"]     # CP-OLD is older than a day
    assert ids(out["cp-by-point"], "copy_job_id") == ["CP-A1", "CP-A2"]
    assert ids(out["cp-by-parent"], "copy_job_id") == ["CP-C1", "CP-C2"]
    assert ids(out["cp-before"], "copy_job_id") == ["CP-OLD"]
    sent = {cid: queries(log, saved[cid]) for cid in ("cp-by-state", "cp-by-resource-type", "cp-by-destination",
                                                      "cp-by-point", "cp-by-parent", "cp-before")}
    assert sent["cp-by-state"] == [{"state": "FAILED"}]
    assert sent["cp-by-resource-type"] == [{"resourceArn": VOLUME, "resourceType": "EBS"}]
    assert sorted(sent["cp-by-destination"][0]) == ["createdAfter", "destinationVaultArn"]
    assert sent["cp-by-point"] == [{"sourceRecoveryPointArn": DB_POINT}]
    assert sent["cp-by-parent"] == [{"parentJobId": "CP-PARENT"}]
    assert sorted(sent["cp-before"][0]) == ["createdBefore"]


def test_scan_one_id_every_row_of_the_table_and_not_found(reads):
    out = reads["out"]
    one = out["sc-one"]["job"]
    assert one["scan_result"] == {"scan_result_status": "THREATS_FOUND"} and one["state"] == "COMPLETED"
    assert one["normalized"]["state"] == "failed" and one["normalized"]["native_status"] == "COMPLETED"
    assert one["normalized"]["message"] == ("The scan completed and found threats (ScanResultStatus THREATS_FOUND). "
                                            "2 infected files.")
    endings = out["sc-endings"]
    assert ids(endings, "scan_job_id") == SCAN_ENDINGS + ["SC-RUNNING"]
    states = {j["scan_job_id"]: (j["state"], j["normalized"]["state"]) for j in endings["jobs"]}
    assert states == {"SC-CLEAN": ("COMPLETED", "succeeded"), "SC-THREAT": ("COMPLETED", "failed"),
                      "SC-UNKNOWN": ("COMPLETED", "failed"), "SC-NONE": ("COMPLETED", "failed"),
                      "SC-ISSUES": ("COMPLETED_WITH_ISSUES", "failed"), "SC-FAILED": ("FAILED", "failed"),
                      "SC-CANCELED": ("CANCELED", "canceled"), "SC-RUNNING": ("RUNNING", "running")}
    messages = {j["scan_job_id"]: j["normalized"]["message"] for j in endings["jobs"]}
    assert "UNKNOWN" in messages["SC-UNKNOWN"] and "without a ScanResult" in messages["SC-NONE"]
    assert messages["SC-FAILED"] == "The scanner role cannot read the snapshot."
    assert messages["SC-CLEAN"] is None
    summary = endings["summary"]
    assert (summary["succeeded"], summary["failed"], summary["canceled"], summary["running"]) == (1, 5, 1, 1)
    assert summary["all_terminal"] is False and summary["any_failed"] is True
    missing = out["sc-missing"]
    assert missing["failed"] and missing["error"]["code"] == "ResourceNotFoundException" and "SC-NOPE" in missing["msg"]


def test_scan_list_mode_sends_every_filter_as_the_models_query_parameter(reads):
    out, saved, log = reads["out"], reads["saved"], reads["log"]
    assert ids(out["sc-by-verdict"], "scan_job_id") == ["SC-THREAT"]
    assert ids(out["sc-by-state"], "scan_job_id") == ["SC-ISSUES"]
    assert ids(out["sc-by-vault-type"], "scan_job_id") == ["SC-S3"]
    assert ids(out["sc-by-point"], "scan_job_id") == ["SC-CLEAN", "SC-THREAT"]
    assert ids(out["sc-by-resource"], "scan_job_id") == ["SC-UNKNOWN", "SC-NONE"]   # SC-OLD completed 3 days ago
    assert ids(out["sc-completed-before"], "scan_job_id") == ["SC-OLD"]
    sent = {cid: queries(log, saved[cid]) for cid in ("sc-by-verdict", "sc-by-state", "sc-by-vault-type",
                                                      "sc-by-point", "sc-by-resource", "sc-completed-before")}
    assert sent["sc-by-verdict"] == [{"ByScanResultStatus": "THREATS_FOUND"}]
    assert sent["sc-by-state"] == [{"ByState": "COMPLETED_WITH_ISSUES"}]
    assert sent["sc-by-vault-type"] == [{"ByBackupVaultName": "s3-vault", "ByResourceType": "S3"}]
    assert sent["sc-by-point"] == [{"ByRecoveryPointArn": VOL_POINT}]
    assert sorted(sent["sc-by-resource"][0]) == ["ByCompleteAfter", "ByResourceArn", "ByState"]
    assert sorted(sent["sc-completed-before"][0]) == ["ByCompleteBefore"]


def test_list_mode_pages_to_the_end(reads):
    out, saved, log = reads["out"], reads["saved"], reads["log"]
    assert len(out["cp-pages"]["jobs"]) == PAGED and len(set(ids(out["cp-pages"], "copy_job_id"))) == PAGED
    assert len(out["sc-pages"]["jobs"]) == PAGED
    for cid, op in (("cp-pages", "ListCopyJobs"), ("sc-pages", "ListScanJobs")):
        pages = [r for r in requests_between(log, saved[cid]["t0"], saved[cid]["t1"]) if r["operation"] == op]
        assert len(pages) == 2 and "nextToken" not in pages[0]["query"] and "NextToken" not in pages[0]["query"]
        assert {"nextToken", "NextToken"} & set(pages[1]["query"]), pages[1]["query"]


def test_waits_end_with_the_verdict_and_ride_throttling(reads):
    out, saved, log = reads["out"], reads["saved"], reads["log"]
    done = out["cp-wait"]
    assert done["job"]["state"] == "COMPLETED" and done["summary"]["all_succeeded"] and done["elapsed"] > 0
    assert done["job"]["destination_recovery_point_arn"] and done["job"]["normalized"]["finished_at"]
    scans = {j["scan_job_id"]: j["normalized"] for j in out["sc-wait"]["jobs"]}
    assert scans["SC-RUN"]["state"] == "succeeded" and scans["SC-RUN-THREAT"]["state"] == "failed"
    assert out["sc-wait"]["summary"]["all_terminal"] is True and out["sc-wait"]["summary"]["any_failed"] is True
    throttled = out["cp-throttled"]
    assert not throttled.get("failed") and throttled["job"]["state"] == "COMPLETED", throttled
    answered = [r["status"] for r in requests_between(log, saved["cp-throttled"]["t0"], saved["cp-throttled"]["t1"])
                if r["operation"] == "DescribeCopyJob"]
    assert len(answered) >= 4 and all(s >= 400 for s in answered[:3]) and answered[-1] == 200, answered
    assert throttled["elapsed"] < WAIT["wait_timeout"]


def test_the_role_gates_on_both_kinds(reads):
    out = reads["out"]
    assert out["role-copy"] == {"role_ok": True}, out["role-copy"]
    assert re.search(r"CP-ROLE (pending|running) \((CREATED|RUNNING)\)", reads["output"])
    assert "CP-PARENT failed (PARTIAL): 1 of 2 child copy jobs failed." in out["role-partial"]["msg"], out["role-partial"]
    threats = out["role-threats"]["msg"]
    assert "SC-THREAT failed (COMPLETED): The scan completed and found threats" in threats, threats
    assert "SC-CLEAN" not in threats.split("did not succeed:")[-1]
    assert out["role-both"] == {"role_ok": True}, out["role-both"]
    assert reads["leaked"] == 0


def test_a_throttling_without_end_fails_within_the_deadline(reads):
    case = reads["saved"]["deadline"]
    out = case["result"]
    assert out["failed"] and out["error"]["retryable"] is True and out["error"]["code"] == "ThrottlingException", out
    assert "SC-CLEAN" in out["msg"] and out["elapsed"] <= DEADLINE + 2
    sent = [epoch(r["time"]) for r in requests_between(reads["log"], case["t0"], case["t1"])]
    assert len(sent) >= 2 and sent[-1] - sent[0] <= DEADLINE + 2, sent
    assert case["t1"] - case["t0"] <= DEADLINE + 2 + 20, case


@pytest.mark.smoke
def test_starting_copy_and_scan_jobs(emulator, run_playbook, tmp_path):
    emulator.admin("POST", "/backup-vaults", {"backup_vaults": [{"name": "release-vault"}, {"name": "copy-vault"}]})
    db_point = f"arn:aws:rds:us-east-1:{ACCOUNT}:snapshot:awsbackup:job-start"
    clean, infected, base = (f"arn:aws:ec2:us-east-1::snapshot/snap-0{c * 16}" for c in "bcd")
    for arn, resource in ((db_point, DB), (clean, VOLUME), (infected, VOLUME), (base, VOLUME)):
        emulator.admin("POST", "/recovery-points", {"arn": arn, "resource_arn": resource,
                                                    "backup_vault_name": "release-vault"})
    emulator.admin("POST", "/scan-verdicts", {"recovery_point_arn": infected, "scan_result_status": "THREATS_FOUND"})
    emulator.admin("POST", "/timelines", {"copy_job": [["CREATED", 0], ["RUNNING", 0.5], ["COMPLETED", 2.5]],
                                          "scan_job": [["CREATED", 0], ["RUNNING", 0.5], ["COMPLETED", 2.5]]})
    local = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:copy-vault"
    cp = {"recovery_point_arn": db_point, "source_backup_vault_name": "release-vault",
          "destination_backup_vault_arn": DR_VAULT, "iam_role_arn": ROLE, "lifecycle": {"delete_after_days": 35}}
    sc = {"backup_vault_name": "release-vault", "recovery_point_arn": clean, "iam_role_arn": ROLE,
          "scanner_role_arn": SCANNER, "scan_mode": "FULL_SCAN"}
    cases = [
        {"id": "cp-check", "module": "jobgate.cloud.copy_job", "check_mode": True,
         "args": dict(cp, idempotency_token="dr-2.4")},
        {"id": "cp-token", "module": "jobgate.cloud.copy_job", "args": dict(cp, idempotency_token="dr-2.4", **WAIT)},
        {"id": "cp-token-again", "module": "jobgate.cloud.copy_job", "args": dict(cp, idempotency_token="dr-2.4")},
        {"id": "cp-plain-1", "module": "jobgate.cloud.copy_job", "args": cp},
        {"id": "cp-plain-2", "module": "jobgate.cloud.copy_job", "args": cp},
        {"id": "cp-local", "module": "jobgate.cloud.copy_job",
         "args": dict(cp, destination_backup_vault_arn=local, **WAIT)},
        {"id": "cp-no-vault", "module": "jobgate.cloud.copy_job", "args": dict(cp, source_backup_vault_name="nope-vault")},
        {"id": "sc-check", "module": "jobgate.cloud.scan_job", "check_mode": True, "args": sc},
        {"id": "sc-token", "module": "jobgate.cloud.scan_job", "args": dict(sc, idempotency_token="scan-2.4", **WAIT)},
        {"id": "sc-token-again", "module": "jobgate.cloud.scan_job", "args": dict(sc, idempotency_token="scan-2.4")},
        {"id": "sc-infected", "module": "jobgate.cloud.scan_job", "args": dict(sc, recovery_point_arn=infected, **WAIT)},
        {"id": "sc-incremental", "module": "jobgate.cloud.scan_job",
         "args": dict(sc, scan_mode="INCREMENTAL_SCAN", scan_base_recovery_point_arn=base)},
        {"id": "sc-rds", "module": "jobgate.cloud.scan_job", "args": dict(sc, recovery_point_arn=db_point)},
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

    check = out["cp-check"]
    assert check["changed"] is True and check["jobs"] == [] and check["would_start"] == [
        {"recovery_point_arn": db_point, "source_backup_vault_name": "release-vault",
         "destination_backup_vault_arn": DR_VAULT, "iam_role_arn": ROLE, "idempotency_token": "dr-2.4"}]
    assert requests_between(log, saved["cp-check"]["t0"], saved["cp-check"]["t1"]) == []
    first = out["cp-token"]
    assert first["changed"] is True and first["job"]["state"] == "COMPLETED" and first["summary"]["all_succeeded"]
    assert first["job"]["destination_recovery_point_lifecycle"] == {"delete_after_days": 35}
    again = out["cp-token-again"]
    assert again["changed"] is False and again["job"]["copy_job_id"] == first["job"]["copy_job_id"]
    plain = [out["cp-plain-1"], out["cp-plain-2"]]
    assert all(p["changed"] for p in plain) and plain[0]["job"]["copy_job_id"] != plain[1]["job"]["copy_job_id"]
    assert out["cp-local"]["job"]["destination_recovery_point_arn"] and out["cp-local"]["summary"]["all_succeeded"]
    no_vault = out["cp-no-vault"]
    assert no_vault["failed"] and not no_vault["changed"] and no_vault["error"]["code"] == "ResourceNotFoundException"
    assert len([j for j in jobs if j["kind"] == "copy_job"]) == 4
    assert [r["status"] for r in log if r["operation"] == "StartCopyJob"] == [200, 200, 200, 200, 200, 400]

    assert out["sc-check"]["changed"] is True and out["sc-check"]["would_start"][0]["scan_mode"] == "FULL_SCAN"
    assert requests_between(log, saved["sc-check"]["t0"], saved["sc-check"]["t1"]) == []
    scanned = out["sc-token"]
    assert scanned["changed"] is True and scanned["summary"]["all_succeeded"] is True, scanned
    assert scanned["job"]["scan_result"] == {"scan_result_status": "NO_THREATS_FOUND"}
    assert out["sc-token-again"]["changed"] is False
    assert out["sc-token-again"]["job"]["scan_job_id"] == scanned["job"]["scan_job_id"]
    threats = out["sc-infected"]
    assert not threats.get("failed") and threats["summary"]["all_terminal"] and not threats["summary"]["all_succeeded"]
    assert threats["job"]["normalized"]["state"] == "failed" and "THREATS_FOUND" in threats["job"]["normalized"]["message"]
    assert out["sc-incremental"]["job"]["scan_base_recovery_point_arn"] == base
    rds = out["sc-rds"]
    assert rds["failed"] and rds["error"]["code"] == "InvalidParameterValueException" and "RDS" in rds["msg"]
    assert [r["status"] for r in log if r["operation"] == "StartScanJob"] == [201, 201, 201, 201, 400]
