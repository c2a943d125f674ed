"""AWS Backup copy jobs and malware scan jobs: the six operations, over the vaults and recovery points of the
backup jobs part (emulator/backup_jobs.py), which this part reads and adds to (a copy's recovery point).

Served through AwsProvider (SigV4, model routing and validation, faults, error bodies); this part owns the jobs.
Behaviour follows the Backup model's documentation; where it is silent the choice is said in emulator/README.md.
"""
from __future__ import annotations

import re
import secrets
import time
from typing import Callable

from emulator.aws import ACCOUNT, AwsPart, _pick, filter_digest
from emulator.backup_jobs import (
    IAM_ROLE, MAX_LIFECYCLE_DAYS, BackupJobs, _digest, _invalid, _job_id, _not_found,
)
from emulator.core import AdminError, Job
from emulator.restjson import ApiError

COPY_TIMELINE = [["CREATED", 0], ["RUNNING", 1], ["COMPLETED", 4]]
SCAN_TIMELINE = [["CREATED", 0], ["RUNNING", 1], ["COMPLETED", 4]]
COPY_TERMINAL = {"COMPLETED", "FAILED", "PARTIAL"}
SCAN_TERMINAL = {"COMPLETED", "COMPLETED_WITH_ISSUES", "FAILED", "CANCELED"}
DEFAULT_MESSAGES = {
    ("copy_job", "FAILED"): "The copy job failed: the destination vault's access policy denies backup:CopyIntoBackupVault.",
    ("copy_job", "PARTIAL"): "Some of the child copy jobs did not complete.",
    ("scan_job", "FAILED"): "The scan job failed: the scanner role could not read the recovery point.",
    ("scan_job", "COMPLETED_WITH_ISSUES"): "The scan completed with issues: some files could not be scanned.",
    ("scan_job", "CANCELED"): "The scan job was canceled.",
}
SCAN_RESULTS = ("NO_THREATS_FOUND", "THREATS_FOUND", "UNKNOWN")
SCAN_RESOURCE_TYPES = ("EBS", "EC2", "S3")  # the model's ScanResourceType
SCAN_LIST_HORIZON = 30 * 86400              # "scan jobs ... for the last 30 days" (ListScanJobs)
VAULT_ARN = re.compile(r"^arn:aws[a-z-]*:backup:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):backup-vault:"
                       r"(?P<name>[a-zA-Z0-9\-_]{2,50})$")


class CopyScanJobs(AwsPart):
    kinds = ("copy_job", "scan_job")

    def reset(self) -> None:
        # recovery point ARN -> the ScanResultStatus a scan of it finds (None: no ScanResult); default clean
        self.verdicts: dict[str, str | None] = {}

    @property
    def backups(self) -> BackupJobs:
        """The part that owns vaults, resources and recovery points."""
        return self.aws.part_for["backup_job"]  # type: ignore[return-value]

    @property
    def region(self) -> str:
        return self.aws.region

    def handlers(self) -> dict[tuple[str, str], Callable[[dict], dict]]:
        return {("backup", "StartCopyJob"): self.start_copy_job,
                ("backup", "DescribeCopyJob"): self.describe_copy_job,
                ("backup", "ListCopyJobs"): self.list_copy_jobs,
                ("backup", "StartScanJob"): self.start_scan_job,
                ("backup", "DescribeScanJob"): self.describe_scan_job,
                ("backup", "ListScanJobs"): self.list_scan_jobs}

    # ------------------------------------------------------------------ shared
    def _same_call(self, kind: str, token: str | None, digest: str) -> Job | None:
        """The job an earlier call with this token started ("no action taken"); other parameters are refused."""
        for job in self.emu.list_jobs(kind) if token else ():
            if job.fields["IdempotencyToken"] == token:
                if job.fields["InputDigest"] != digest:
                    raise ApiError("InvalidRequestException", f"Idempotency token {token} was already used for a "
                                   f"{kind.replace('_', ' ')} with different parameters.",
                                   fields={"Type": "User", "Context": "IdempotencyToken"})
                return job
        return None

    def _point(self, arn: str) -> dict:
        point = self.backups.recovery_points.get(arn)
        if point is None:
            raise _not_found(f"Recovery point {arn} was not found.", arn)
        return point

    def _vault(self, name: str) -> dict:
        vault = self.backups.vaults.get(name)
        if vault is None:
            raise _not_found(f"Backup vault {name} does not exist.", name)
        return vault

    @staticmethod
    def _status(job: Job) -> tuple[str, str | None, float]:
        status, message, entered = job.current()
        return status, message or DEFAULT_MESSAGES.get((job.kind, status)), entered

    @staticmethod
    def _running_since(job: Job) -> float | None:
        for entry in job.timeline[:job.index_at() + 1]:
            if entry[0] == "RUNNING":
                return job.created_wall + max(entry[1], 0.0)
        return None

    def _page(self, jobs: list[Job], views: list[dict], p: dict, key: str, list_key: str) -> dict:
        by_id = {j.id: j for j in jobs}
        page, nxt = self.aws._paginate([by_id[v[key]] for v in views], p, 100, filter_digest(p),
                                       lambda m: _invalid(m, "NextToken"))
        shown = {j.id for j in page}
        return {list_key: [v for v in views if v[key] in shown], "NextToken": nxt}

    @staticmethod
    def _bounds(views: list[dict], p: dict, bounds: list) -> list[dict]:
        for key, attr, sign in bounds:
            if p.get(key) is not None:
                limit = float(p[key])
                views = [v for v in views if v.get(attr) is not None and (v[attr] - limit) * sign >= 0]
        return views

    # ------------------------------------------------------------------ copy jobs
    COPY_INPUTS = ("RecoveryPointArn", "SourceBackupVaultName", "DestinationBackupVaultArn", "IamRoleArn", "Lifecycle")

    def _check_copy_input(self, p: dict) -> tuple[dict, dict, dict | None]:
        """(source vault, recovery point, destination vault if it is this account's and region's)."""
        source = self._vault(p["SourceBackupVaultName"])
        point = self._point(p["RecoveryPointArn"])
        if point["BackupVaultName"] != source["BackupVaultName"]:
            raise _not_found(f"Recovery point {p['RecoveryPointArn']} is not in backup vault "
                             f"{source['BackupVaultName']}.", p["RecoveryPointArn"])
        if point["Status"] not in ("COMPLETED", "AVAILABLE"):
            raise ApiError("InvalidRequestException", f"Recovery point {p['RecoveryPointArn']} is in state "
                           f"{point['Status']} and cannot be copied.",
                           fields={"Type": "User", "Context": p["RecoveryPointArn"]})
        m = VAULT_ARN.match(p["DestinationBackupVaultArn"])
        if m is None:
            raise _invalid(f"Invalid backup vault ARN: {p['DestinationBackupVaultArn']}.", "DestinationBackupVaultArn")
        target = None
        if m.group("account") == ACCOUNT and m.group("region") == self.region:
            target = self._vault(m.group("name"))   # a vault elsewhere (another region or account) is taken on trust
            if target["BackupVaultName"] == source["BackupVaultName"]:
                raise _invalid("The destination backup vault must differ from the source backup vault.",
                               "DestinationBackupVaultArn")
        if not IAM_ROLE.match(p["IamRoleArn"]):
            raise _invalid(f"Invalid IAM role ARN: {p['IamRoleArn']}.", "IamRoleArn")
        life = p.get("Lifecycle") or {}
        cold, delete = life.get("MoveToColdStorageAfterDays"), life.get("DeleteAfterDays")
        for name, days in (("MoveToColdStorageAfterDays", cold), ("DeleteAfterDays", delete)):
            if days is not None and not 1 <= days <= MAX_LIFECYCLE_DAYS:
                raise _invalid(f"Lifecycle.{name} must be between 1 and {MAX_LIFECYCLE_DAYS}.", f"Lifecycle.{name}")
        if cold is not None and delete is not None and delete < cold + 90:
            raise _invalid("Lifecycle.DeleteAfterDays must be at least 90 days more than "
                           "Lifecycle.MoveToColdStorageAfterDays.", "Lifecycle")
        return source, point, target

    def start_copy_job(self, p: dict, timeline=None, created_ago: float = 0.0, job_id: str | None = None,
                       parent: dict | None = None) -> dict:
        source, point, _target = self._check_copy_input(p)
        token, digest = p.get("IdempotencyToken"), _digest(p, self.COPY_INPUTS)
        earlier = self._same_call("copy_job", token, digest)
        if earlier is not None:
            return {"CopyJobId": earlier.id, "CreationDate": earlier.created_wall, "IsParent": False}
        job_id = job_id or _job_id()
        resource = self.backups.resources.get(point["ResourceArn"]) or {}
        fields = {"SourceBackupVaultArn": source["BackupVaultArn"], "SourceRecoveryPointArn": point["RecoveryPointArn"],
                  "DestinationBackupVaultArn": p["DestinationBackupVaultArn"],
                  "ResourceArn": point["ResourceArn"], "ResourceType": point["ResourceType"],
                  "ResourceName": resource.get("ResourceName"), "SizeBytes": point["BackupSizeInBytes"],
                  "IamRoleArn": p["IamRoleArn"], "Lifecycle": p.get("Lifecycle"), "IdempotencyToken": token,
                  "InputDigest": digest, "CreatedBy": p.get("CreatedBy"),
                  "DestinationRecoveryPointArn": self._copy_arn(point, p["DestinationBackupVaultArn"], job_id)}
        fields.update(parent or {})
        attrs = {k: fields[k] for k in ("ResourceArn", "ResourceType", "DestinationBackupVaultArn",
                                        "IdempotencyToken")}
        job = self.emu.new_job("copy_job", job_id, attrs, fields, timeline, created_ago)
        return {"CopyJobId": job.id, "CreationDate": job.created_wall, "IsParent": bool(fields.get("IsParent"))}

    @staticmethod
    def _copy_arn(point: dict, vault_arn: str, job_id: str) -> str:
        m = VAULT_ARN.match(vault_arn)
        region, account = (m.group("region"), m.group("account")) if m else ("us-east-1", ACCOUNT)
        if point["ResourceType"] == "RDS":
            return f"arn:aws:rds:{region}:{account}:snapshot:awsbackup:copyjob-{job_id.lower()}"
        if point["ResourceType"] == "EBS":
            return f"arn:aws:ec2:{region}::snapshot/snap-{secrets.token_hex(9)[:17]}"
        return f"arn:aws:backup:{region}:{account}:recovery-point:{job_id.lower()}"

    def _children(self, job: Job) -> list[Job]:
        return [j for j in self.emu.list_jobs("copy_job") if j.fields.get("ParentJobId") == job.id]

    def _copy_view(self, job: Job, full: bool = True) -> dict:
        f = job.fields
        status, message, entered = self._status(job)
        terminal = status in COPY_TERMINAL
        view = {"AccountId": ACCOUNT, "CopyJobId": job.id, "SourceBackupVaultArn": f["SourceBackupVaultArn"],
                "SourceRecoveryPointArn": f["SourceRecoveryPointArn"],
                "DestinationBackupVaultArn": f["DestinationBackupVaultArn"], "DestinationVaultType": "BACKUP_VAULT",
                "DestinationRecoveryPointArn": f["DestinationRecoveryPointArn"] if status == "COMPLETED" else None,
                "DestinationRecoveryPointLifecycle": f["Lifecycle"], "ResourceArn": f["ResourceArn"],
                "CreationDate": job.created_wall, "CompletionDate": entered if terminal else None,
                "State": status, "StatusMessage": message, "BackupSizeInBytes": f["SizeBytes"],
                "IamRoleArn": f["IamRoleArn"], "CreatedBy": f["CreatedBy"], "ResourceType": f["ResourceType"],
                "ResourceName": f["ResourceName"], "ParentJobId": f.get("ParentJobId"),
                "IsParent": bool(f.get("IsParent")), "CompositeMemberIdentifier": f.get("CompositeMemberIdentifier"),
                "MessageCategory": "SUCCESS" if status == "COMPLETED" else None}
        if f.get("IsParent"):
            children = self._children(job)
            view["NumberOfChildJobs"] = len(children)
            if full:  # the list entry of a parent leaves its child counts out (emulator/README.md)
                counts: dict[str, int] = {}
                for child in children:
                    state = child.current()[0]
                    counts[state] = counts.get(state, 0) + 1
                view["ChildJobsInState"] = counts
        return view

    def _copy_or_404(self, job_id: str) -> Job:
        job = self.emu.get_job("copy_job", job_id)
        if job is None:
            raise _not_found(f"Copy job {job_id} does not exist.", job_id)
        return job

    def describe_copy_job(self, p: dict) -> dict:
        return {"CopyJob": self._copy_view(self._copy_or_404(p["CopyJobId"]))}

    def list_copy_jobs(self, p: dict) -> dict:
        jobs = self.emu.list_jobs("copy_job")
        views = [self._copy_view(j, full=False) for j in jobs]
        checks = [("ByResourceArn", "ResourceArn"), ("ByState", "State"), ("ByResourceType", "ResourceType"),
                  ("ByDestinationVaultArn", "DestinationBackupVaultArn"), ("ByParentJobId", "ParentJobId"),
                  ("BySourceRecoveryPointArn", "SourceRecoveryPointArn")]
        views = [v for v in views if all(p.get(k) is None or v.get(attr) == p[k] for k, attr in checks)]
        category = p.get("ByMessageCategory")
        if category not in (None, "*", "AGGREGATE_ALL"):
            views = [v for v in views if v.get("MessageCategory") == category]
        if p.get("ByAccountId") not in (None, "*", ACCOUNT):
            views = []
        views = self._bounds(views, p, [("ByCreatedAfter", "CreationDate", 1), ("ByCreatedBefore", "CreationDate", -1),
                                        ("ByCompleteAfter", "CompletionDate", 1),
                                        ("ByCompleteBefore", "CompletionDate", -1)])
        return self._page(jobs, views, p, "CopyJobId", "CopyJobs")

    # ------------------------------------------------------------------ scan jobs
    SCAN_INPUTS = ("BackupVaultName", "RecoveryPointArn", "IamRoleArn", "ScannerRoleArn", "MalwareScanner",
                   "ScanMode", "ScanBaseRecoveryPointArn", "ContinuousScanEndTime")

    def start_scan_job(self, p: dict, timeline=None, created_ago: float = 0.0, job_id: str | None = None,
                       verdict: str | None | bool = False) -> dict:
        vault = self._vault(p["BackupVaultName"])
        point = self._point(p["RecoveryPointArn"])
        if point["BackupVaultName"] != vault["BackupVaultName"]:
            raise _not_found(f"Recovery point {p['RecoveryPointArn']} is not in backup vault "
                             f"{vault['BackupVaultName']}.", p["RecoveryPointArn"])
        if point["ResourceType"] not in SCAN_RESOURCE_TYPES:
            raise _invalid(f"Malware scanning does not support resource type {point['ResourceType']}; it scans "
                           f"{', '.join(SCAN_RESOURCE_TYPES)} recovery points.", "RecoveryPointArn")
        for name in ("IamRoleArn", "ScannerRoleArn"):
            if not IAM_ROLE.match(p[name]):
                raise _invalid(f"Invalid IAM role ARN: {p[name]}.", name)
        base = p.get("ScanBaseRecoveryPointArn")
        if p["ScanMode"] == "INCREMENTAL_SCAN":
            if not base:
                raise _invalid("ScanBaseRecoveryPointArn is required for an incremental scan.",
                               "ScanBaseRecoveryPointArn")
            self._point(base)
        token, digest = p.get("IdempotencyToken"), _digest(p, self.SCAN_INPUTS)
        earlier = self._same_call("scan_job", token, digest)
        if earlier is not None:
            return {"ScanJobId": earlier.id, "CreationDate": earlier.created_wall}
        job_id = job_id or _job_id()
        resource = self.backups.resources.get(point["ResourceArn"]) or {}
        # The model requires CreatedBy, with all four plan members, on every scan job, one started on demand too.
        creator = p.get("CreatedBy") or {
            "BackupPlanArn": f"arn:aws:backup:{self.region}:{ACCOUNT}:backup-plan:on-demand",
            "BackupPlanId": "on-demand", "BackupPlanVersion": "1", "BackupRuleId": "on-demand"}
        found = self.verdicts.get(point["RecoveryPointArn"], "NO_THREATS_FOUND") if verdict is False else verdict
        fields = {"BackupVaultName": vault["BackupVaultName"], "BackupVaultArn": vault["BackupVaultArn"],
                  "RecoveryPointArn": point["RecoveryPointArn"], "ResourceArn": point["ResourceArn"],
                  "ResourceType": point["ResourceType"],
                  "ResourceName": resource.get("ResourceName") or point["ResourceArn"],
                  "IamRoleArn": p["IamRoleArn"], "ScannerRoleArn": p["ScannerRoleArn"],
                  "MalwareScanner": p["MalwareScanner"], "ScanMode": p["ScanMode"], "ScanBaseRecoveryPointArn": base,
                  "ScanId": secrets.token_hex(16), "Verdict": found, "IdempotencyToken": token,
                  "InputDigest": digest, "CreatedBy": creator}
        attrs = {k: fields[k] for k in ("RecoveryPointArn", "ResourceType", "BackupVaultName", "IdempotencyToken")}
        job = self.emu.new_job("scan_job", job_id, attrs, fields, timeline, created_ago)
        return {"ScanJobId": job.id, "CreationDate": job.created_wall}

    def _scan_view(self, job: Job) -> dict:
        f = job.fields
        status, message, entered = self._status(job)
        terminal = status in SCAN_TERMINAL
        view = {"AccountId": ACCOUNT, "BackupVaultArn": f["BackupVaultArn"], "BackupVaultName": f["BackupVaultName"],
                "CompletionDate": entered if terminal else None, "CreatedBy": f["CreatedBy"],
                "CreationDate": job.created_wall, "IamRoleArn": f["IamRoleArn"], "MalwareScanner": f["MalwareScanner"],
                "RecoveryPointArn": f["RecoveryPointArn"], "ResourceArn": f["ResourceArn"],
                "ResourceName": f["ResourceName"], "ResourceType": f["ResourceType"],
                "ScanBaseRecoveryPointArn": f["ScanBaseRecoveryPointArn"],
                "ScanId": f["ScanId"] if self._running_since(job) is not None else None, "ScanJobId": job.id,
                "ScanMode": f["ScanMode"], "ScannerRoleArn": f["ScannerRoleArn"], "State": status,
                "StatusMessage": message}
        if status in ("COMPLETED", "COMPLETED_WITH_ISSUES") and f["Verdict"] is not None:
            view["ScanResult"] = {"ScanResultStatus": f["Verdict"]}
        return view

    def describe_scan_job(self, p: dict) -> dict:
        job = self.emu.get_job("scan_job", p["ScanJobId"])
        if job is None:
            raise _not_found(f"Scan job {p['ScanJobId']} does not exist.", p["ScanJobId"])
        return self._scan_view(job)

    def list_scan_jobs(self, p: dict) -> dict:
        horizon = time.time() - SCAN_LIST_HORIZON
        jobs = [j for j in self.emu.list_jobs("scan_job") if j.created_wall >= horizon]
        views = [self._scan_view(j) for j in jobs]
        checks = [("ByBackupVaultName", "BackupVaultName"), ("ByMalwareScanner", "MalwareScanner"),
                  ("ByRecoveryPointArn", "RecoveryPointArn"), ("ByResourceArn", "ResourceArn"),
                  ("ByResourceType", "ResourceType"), ("ByState", "State")]
        views = [v for v in views if all(p.get(k) is None or v.get(attr) == p[k] for k, attr in checks)]
        if p.get("ByScanResultStatus") is not None:
            views = [v for v in views if (v.get("ScanResult") or {}).get("ScanResultStatus") == p["ByScanResultStatus"]]
        if p.get("ByAccountId") not in (None, "*", ACCOUNT):
            views = []
        views = self._bounds(views, p, [("ByCompleteAfter", "CompletionDate", 1),
                                        ("ByCompleteBefore", "CompletionDate", -1)])
        return self._page(jobs, views, p, "ScanJobId", "ScanJobs")

    # ------------------------------------------------------------------ timelines
    def default_timeline(self, kind: str, attrs: dict) -> list:
        return COPY_TIMELINE if kind == "copy_job" else SCAN_TIMELINE

    def on_transition(self, job: Job, status: str, message: str | None, wall: float) -> None:
        f = job.fields
        if job.kind != "copy_job" or status != "COMPLETED" or f.get("IsParent"):
            return
        m = VAULT_ARN.match(f["DestinationBackupVaultArn"])
        vault = self.backups.vaults.get(m.group("name")) if m and m.group("account") == ACCOUNT \
            and m.group("region") == self.region else None
        if vault is not None:   # a copy within this region: its recovery point can be restored or scanned here
            arn = f["DestinationRecoveryPointArn"]
            self.backups.recovery_points[arn] = {
                "RecoveryPointArn": arn, "ResourceArn": f["ResourceArn"], "ResourceType": f["ResourceType"],
                "BackupVaultArn": vault["BackupVaultArn"], "BackupVaultName": vault["BackupVaultName"],
                "Status": "COMPLETED", "CreationDate": wall, "BackupSizeInBytes": f["SizeBytes"]}

    # ------------------------------------------------------------------ admin
    def admin_routes(self) -> dict:
        return {("POST", "/scan-verdicts"): self._admin_verdicts,
                ("GET", "/scan-verdicts"): lambda payload, req: {"scan_verdicts": dict(self.verdicts)}}

    def _admin_verdicts(self, payload, req) -> dict:
        """{"recovery_point_arn": ..., "scan_result_status": NO_THREATS_FOUND | THREATS_FOUND | UNKNOWN | null}: what
        the scans started on that recovery point find (null: a scan without ScanResult)."""
        specs = payload.get("scan_verdicts") if isinstance(payload, dict) and "scan_verdicts" in payload else [payload]
        with self.emu.lock:
            for spec in specs:
                arn, found = _pick(spec or {}, "recovery_point_arn"), _pick(spec or {}, "scan_result_status")
                if not arn or (found is not None and found not in SCAN_RESULTS):
                    raise AdminError(f"a scan verdict needs a recovery_point_arn and a scan_result_status of "
                                     f"{', '.join(SCAN_RESULTS)} or null: {spec!r}")
                self.verdicts[arn] = found
        return {"scan_verdicts": dict(self.verdicts)}

    def _seed_point(self, f: dict, arn_keys: tuple, vault: str, default_resource: str) -> str:
        arn = _pick(f, *arn_keys)
        if arn not in self.backups.recovery_points:
            if vault not in self.backups.vaults:
                self.backups.add_vault({"name": vault})
            arn = self.backups.add_recovery_point({
                "arn": arn, "backup_vault_name": vault,
                "resource_arn": _pick(f, "ResourceArn", "resource_arn", default=default_resource),
                "resource_type": _pick(f, "ResourceType", "resource_type")})["RecoveryPointArn"]
        return arn

    def seed_job(self, kind: str, spec: dict) -> Job:
        f = dict(spec.get("fields") or {})
        timeline, ago = spec.get("timeline"), float(spec.get("created_ago", 0))
        role = _pick(f, "IamRoleArn", default=f"arn:aws:iam::{ACCOUNT}:role/BackupRole")
        if kind == "copy_job":
            vault = _pick(f, "SourceBackupVaultName", "source_backup_vault_name", default="Default")
            point = self._seed_point(f, ("SourceRecoveryPointArn", "RecoveryPointArn", "recovery_point_arn"), vault,
                                     f"arn:aws:rds:{self.region}:{ACCOUNT}:db:seeded-db")
            params = {"RecoveryPointArn": point, "SourceBackupVaultName": vault,
                      "DestinationBackupVaultArn": _pick(
                          f, "DestinationBackupVaultArn", "destination_backup_vault_arn",
                          default=f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:dr-vault"),
                      "IamRoleArn": role, "IdempotencyToken": _pick(f, "IdempotencyToken"),
                      "Lifecycle": f.get("Lifecycle"), "CreatedBy": _pick(f, "CreatedBy")}
            parent = {k: f[k] for k in ("ParentJobId", "IsParent", "CompositeMemberIdentifier") if k in f}
            job_id = self.start_copy_job(params, timeline, ago, _pick(f, "CopyJobId"), parent)["CopyJobId"]
        else:
            vault = _pick(f, "BackupVaultName", "backup_vault_name", default="Default")
            point = self._seed_point(f, ("RecoveryPointArn", "recovery_point_arn"), vault,
                                     f"arn:aws:ec2:{self.region}:{ACCOUNT}:volume/vol-0123456789abcdef0")
            params = {"BackupVaultName": vault, "RecoveryPointArn": point, "IamRoleArn": role,
                      "ScannerRoleArn": _pick(f, "ScannerRoleArn", default=f"arn:aws:iam::{ACCOUNT}:role/ScannerRole"),
                      "MalwareScanner": "GUARDDUTY", "ScanMode": _pick(f, "ScanMode", default="FULL_SCAN"),
                      "ScanBaseRecoveryPointArn": _pick(f, "ScanBaseRecoveryPointArn"),
                      "IdempotencyToken": _pick(f, "IdempotencyToken"), "CreatedBy": _pick(f, "CreatedBy")}
            # fields ScanResultStatus: the verdict (null: no ScanResult); left out: the recovery point's, else clean
            verdict = f["ScanResultStatus"] if "ScanResultStatus" in f else False
            if verdict not in (False, None) and verdict not in SCAN_RESULTS:
                raise AdminError(f"ScanResultStatus must be one of {', '.join(SCAN_RESULTS)} or null")
            job_id = self.start_scan_job(params, timeline, ago, _pick(f, "ScanJobId"), verdict)["ScanJobId"]
        return self.emu.get_job(kind, job_id)  # type: ignore[return-value]


PARTS = [CopyScanJobs]
