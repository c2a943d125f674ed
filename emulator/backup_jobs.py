"""AWS Backup backup jobs and restore jobs: vaults, protected resources, recovery points and the six job operations.

Served through AwsProvider (SigV4, model routing and validation, faults, error bodies); this part owns the state.
Behaviour follows the Backup model's documentation; where it is silent the choice is said in emulator/README.md.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
import uuid
from typing import Callable

from emulator.aws import ACCOUNT, AwsPart, _pick, filter_digest
from emulator.core import AdminError, Job
from emulator.restjson import ApiError

BACKUP_TIMELINE = [["CREATED", 0], ["RUNNING", 1], ["COMPLETED", 4]]
RESTORE_TIMELINE = [["PENDING", 0], ["RUNNING", 1], ["COMPLETED", 4]]
BACKUP_TERMINAL = {"COMPLETED", "FAILED", "EXPIRED", "PARTIAL", "ABORTED"}
RESTORE_TERMINAL = {"COMPLETED", "FAILED", "ABORTED"}
ACTIVE = {"RUNNING", "ABORTING"}
DEFAULT_MESSAGES = {
    ("backup_job", "FAILED"): "An error occurred while backing up the resource: the IAM role could not read it.",
    ("backup_job", "EXPIRED"): "The backup job did not start within the start window.",
    ("backup_job", "PARTIAL"): "The backup job completed partially: some items of the resource were not backed up.",
    ("backup_job", "ABORTED"): "The backup job was stopped.",
    ("restore_job", "FAILED"): "The restore job failed: a resource with the target name already exists.",
    ("restore_job", "ABORTED"): "The restore job was stopped.",
}
DEFAULT_START_WINDOW = 8 * 60          # minutes, per the StartWindowMinutes documentation
MAX_WINDOW = 52_560_000                # minutes (100 years)
MAX_LIFECYCLE_DAYS = 36_500
LIST_HORIZON = 30 * 86400              # ListBackupJobs covers the last 30 days
DEFAULT_SIZE = 20 * 1024 ** 3
IAM_ROLE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
SECRET_KEY = re.compile(r"pass|secret|token", re.I)

# ARN prefix -> (resource type, how the resource name is read from the ARN's resource part)
RESOURCE_TYPES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^arn:aws[a-z-]*:rds:[^:]*:\d{12}:db:(?P<name>[^:]+)$"), "RDS"),
    (re.compile(r"^arn:aws[a-z-]*:rds:[^:]*:\d{12}:cluster:(?P<name>[^:]+)$"), "Aurora"),
    (re.compile(r"^arn:aws[a-z-]*:ec2:[^:]*:\d{12}:instance/(?P<name>i-[0-9a-f]+)$"), "EC2"),
    (re.compile(r"^arn:aws[a-z-]*:ec2:[^:]*:\d{12}:volume/(?P<name>vol-[0-9a-f]+)$"), "EBS"),
    (re.compile(r"^arn:aws[a-z-]*:elasticfilesystem:[^:]*:\d{12}:file-system/(?P<name>fs-[0-9a-f]+)$"), "EFS"),
    (re.compile(r"^arn:aws[a-z-]*:dynamodb:[^:]*:\d{12}:table/(?P<name>[\w.-]+)$"), "DynamoDB"),
    (re.compile(r"^arn:aws[a-z-]*:s3:::(?P<name>[a-z0-9.-]+)$"), "S3"),
    (re.compile(r"^arn:aws[a-z-]*:fsx:[^:]*:\d{12}:file-system/(?P<name>fs-[0-9a-f]+)$"), "FSx"),
    (re.compile(r"^arn:aws[a-z-]*:redshift:[^:]*:\d{12}:cluster:(?P<name>[^:]+)$"), "Redshift"),
]
# Metadata key that names the restored resource, per resource type.
RESTORE_NAME_KEY = {"RDS": "DBInstanceIdentifier", "Aurora": "DBClusterIdentifier", "DynamoDB": "targetTableName",
                    "S3": "DestinationBucketName", "Redshift": "ClusterIdentifier"}


def _invalid(message: str, context: str | None = None) -> ApiError:
    return ApiError("InvalidParameterValueException", message, fields={"Type": "User", "Context": context})


def _not_found(message: str, context: str) -> ApiError:
    return ApiError("ResourceNotFoundException", message, fields={"Type": "User", "Context": context})


def _job_id() -> str:
    return str(uuid.uuid4()).upper()


def _digest(params: dict, names: tuple) -> str:
    return hashlib.sha256(json.dumps({n: params.get(n) for n in names}, sort_keys=True, default=str).encode()
                          ).hexdigest()


def classify(arn: str) -> tuple[str, str] | None:
    """(resource type, resource name) of a resource ARN Backup supports, else None."""
    for pattern, rtype in RESOURCE_TYPES:
        m = pattern.match(arn)
        if m:
            return rtype, m.group("name")
    return None


def progress(job: Job, now_mono: float | None = None) -> float:
    """PercentDone from the job's timeline: 0 before it runs, rising linearly while RUNNING, 100 when it ends well.

    The RUNNING span is the time to the next entry (10 s if RUNNING is the last one: the job never ends, and
    stays below 100). A job that fails or is stopped while running keeps half its span's progress."""
    now = time.monotonic() if now_mono is None else now_mono
    idx = job.index_at(now)
    status = job.timeline[idx][0]
    if status in ("COMPLETED", "PARTIAL"):
        return 100.0
    run = next((i for i in range(idx, -1, -1) if job.timeline[i][0] == "RUNNING"), None)
    if run is None:
        return 0.0
    start = job.timeline[run][1]
    if run + 1 < len(job.timeline):
        nxt_status, end = job.timeline[run + 1][0], job.timeline[run + 1][1]
        span = end - start if nxt_status in ("COMPLETED", "PARTIAL") else 2 * (end - start)
    else:
        span = 10.0
    elapsed = (now - job.created_mono) - start
    if status != "RUNNING":      # left RUNNING for FAILED, ABORTING, ABORTED: frozen where it stopped
        elapsed = job.timeline[run + 1][1] - start
    return max(0.0, min(99.9, 100.0 * elapsed / span)) if span > 0 else 0.0


class BackupJobs(AwsPart):
    kinds = ("backup_job", "restore_job")

    def reset(self) -> None:
        self.vaults: dict[str, dict] = {}
        self.resources: dict[str, dict] = {}
        self.recovery_points: dict[str, dict] = {}

    @property
    def region(self) -> str:
        return self.aws.region

    def handlers(self) -> dict[tuple[str, str], Callable[[dict], dict]]:
        return {("backup", "StartBackupJob"): self.start_backup_job,
                ("backup", "DescribeBackupJob"): self.describe_backup_job,
                ("backup", "ListBackupJobs"): self.list_backup_jobs,
                ("backup", "StartRestoreJob"): self.start_restore_job,
                ("backup", "DescribeRestoreJob"): self.describe_restore_job,
                ("backup", "ListRestoreJobs"): self.list_restore_jobs}

    # ------------------------------------------------------------------ seeded state
    def add_vault(self, spec: dict) -> dict:
        name = _pick(spec, "name", "BackupVaultName")
        if not name or not re.match(r"^[a-zA-Z0-9\-_]{2,50}$", name):
            raise AdminError("a backup vault needs a name of 2-50 letters, digits, '-' or '_'")
        vault = {"BackupVaultName": name,
                 "BackupVaultArn": f"arn:aws:backup:{self.region}:{ACCOUNT}:backup-vault:{name}",
                 "EncryptionKeyArn": _pick(spec, "encryption_key_arn", "EncryptionKeyArn",
                                           default=f"arn:aws:kms:{self.region}:{ACCOUNT}:key/{uuid.uuid4()}"),
                 "VaultType": _pick(spec, "vault_type", "VaultType", default="BACKUP_VAULT")}
        self.vaults[name] = vault
        return vault

    def add_resource(self, spec: dict) -> dict:
        arn = _pick(spec, "arn", "resource_arn", "ResourceArn")
        known = classify(arn or "")
        rtype = _pick(spec, "resource_type", "ResourceType", default=known[0] if known else None)
        if not arn or rtype is None:
            raise AdminError(f"a resource needs an ARN of a type Backup supports (or a resource_type): {arn!r}")
        resource = {"ResourceArn": arn, "ResourceType": rtype,
                    "ResourceName": _pick(spec, "name", "ResourceName", default=known[1] if known else arn),
                    "SizeBytes": int(_pick(spec, "size_bytes", "SizeBytes", default=DEFAULT_SIZE))}
        self.resources[arn] = resource
        return resource

    def _recovery_point_arn(self, resource: dict, job_id: str) -> str:
        rtype, hexid = resource["ResourceType"], secrets.token_hex(9)[:17]
        if rtype == "RDS":
            return f"arn:aws:rds:{self.region}:{ACCOUNT}:snapshot:awsbackup:job-{job_id.lower()}"
        if rtype == "Aurora":
            return f"arn:aws:rds:{self.region}:{ACCOUNT}:cluster-snapshot:awsbackup:job-{job_id.lower()}"
        if rtype == "EBS":
            return f"arn:aws:ec2:{self.region}::snapshot/snap-{hexid}"
        if rtype == "EC2":
            return f"arn:aws:ec2:{self.region}::image/ami-{hexid}"
        return f"arn:aws:backup:{self.region}:{ACCOUNT}:recovery-point:{uuid.uuid4()}"

    def add_recovery_point(self, spec: dict) -> dict:
        resource_arn = _pick(spec, "resource_arn", "ResourceArn")
        if not resource_arn:
            raise AdminError("a recovery point needs the resource_arn it was taken of")
        resource = self.resources.get(resource_arn) or self.add_resource(
            {"arn": resource_arn, "resource_type": _pick(spec, "resource_type", "ResourceType")})
        vault_name = _pick(spec, "backup_vault_name", "BackupVaultName", default="Default")
        vault = self.vaults.get(vault_name) or self.add_vault({"name": vault_name})
        point = {"RecoveryPointArn": _pick(spec, "arn", "RecoveryPointArn",
                                           default=self._recovery_point_arn(resource, _job_id())),
                 "ResourceArn": resource_arn, "ResourceType": resource["ResourceType"],
                 "BackupVaultArn": vault["BackupVaultArn"], "BackupVaultName": vault_name,
                 "Status": _pick(spec, "status", "Status", default="COMPLETED"),
                 "CreationDate": time.time() - float(_pick(spec, "created_ago", default=3600)),
                 "BackupSizeInBytes": int(_pick(spec, "size_bytes", default=resource["SizeBytes"]))}
        self.recovery_points[point["RecoveryPointArn"]] = point
        return point

    # ------------------------------------------------------------------ backup jobs
    BACKUP_INPUTS = ("BackupVaultName", "LogicallyAirGappedBackupVaultArn", "ResourceArn", "IamRoleArn",
                     "StartWindowMinutes", "CompleteWindowMinutes", "Lifecycle", "RecoveryPointTags",
                     "BackupOptions", "Index")

    def _check_backup_input(self, p: dict) -> tuple[dict, dict]:
        vault = self.vaults.get(p["BackupVaultName"])
        if vault is None:
            raise _not_found(f"Backup vault {p['BackupVaultName']} does not exist.", p["BackupVaultName"])
        arn = p["ResourceArn"]
        if classify(arn) is None and arn not in self.resources:
            raise _invalid(f"Invalid ARN: {arn} is not the ARN of a resource type that Backup supports.", arn)
        resource = self.resources.get(arn)
        if resource is None:
            raise _not_found(f"Resource {arn} was not found.", arn)
        if not IAM_ROLE.match(p["IamRoleArn"]):
            raise _invalid(f"Invalid IAM role ARN: {p['IamRoleArn']}.", "IamRoleArn")
        start, complete = p.get("StartWindowMinutes"), p.get("CompleteWindowMinutes")
        if start is not None and not 60 <= start <= MAX_WINDOW:
            raise _invalid(f"StartWindowMinutes must be between 60 and {MAX_WINDOW}.", "StartWindowMinutes")
        if complete is not None and not 1 <= complete <= MAX_WINDOW:
            raise _invalid(f"CompleteWindowMinutes must be between 1 and {MAX_WINDOW}.", "CompleteWindowMinutes")
        life = p.get("Lifecycle") or {}
        cold, delete = life.get("MoveToColdStorageAfterDays"), life.get("DeleteAfterDays")
        for name, days in (("MoveToColdStorageAfterDays", cold), ("DeleteAfterDays", delete)):
            if days is not None and not 1 <= days <= MAX_LIFECYCLE_DAYS:
                raise _invalid(f"Lifecycle.{name} must be between 1 and {MAX_LIFECYCLE_DAYS}.", f"Lifecycle.{name}")
        if cold is not None and delete is not None and delete < cold + 90:
            raise _invalid("Lifecycle.DeleteAfterDays must be at least 90 days more than "
                           "Lifecycle.MoveToColdStorageAfterDays.", "Lifecycle")
        for key, value in (p.get("BackupOptions") or {}).items():
            if key != "WindowsVSS" or value not in ("enabled", "disabled"):
                raise _invalid(f"Invalid backup option {key}={value}: the only option is WindowsVSS, "
                               "enabled or disabled.", "BackupOptions")
        return vault, resource

    def start_backup_job(self, p: dict, timeline=None, created_ago: float = 0.0, job_id: str | None = None) -> dict:
        vault, resource = self._check_backup_input(p)
        token, digest = p.get("IdempotencyToken"), _digest(p, self.BACKUP_INPUTS)
        earlier = self._same_call("backup_job", token, digest)
        if earlier is not None:
            return self._start_output(earlier)
        job_id = job_id or _job_id()
        vss = (p.get("BackupOptions") or {}).get("WindowsVSS") == "enabled" and resource["ResourceType"] == "EC2"
        fields = {"BackupJobId": job_id, "BackupVaultName": vault["BackupVaultName"],
                  "BackupVaultArn": vault["BackupVaultArn"], "VaultType": vault["VaultType"],
                  "EncryptionKeyArn": vault["EncryptionKeyArn"], "ResourceArn": resource["ResourceArn"],
                  "ResourceType": resource["ResourceType"], "ResourceName": resource["ResourceName"],
                  "SizeBytes": resource["SizeBytes"], "IamRoleArn": p["IamRoleArn"],
                  "RecoveryPointArn": self._recovery_point_arn(resource, job_id),
                  "IdempotencyToken": token, "InputDigest": digest, "Lifecycle": p.get("Lifecycle"),
                  "RecoveryPointTags": p.get("RecoveryPointTags"), "BackupOptions": p.get("BackupOptions"),
                  "BackupType": "WindowsVSS" if vss else None,
                  "StartWindowMinutes": p.get("StartWindowMinutes") or DEFAULT_START_WINDOW,
                  "CreatedBy": p.get("CreatedBy")}
        attrs = {k: fields[k] for k in ("ResourceArn", "ResourceType", "ResourceName", "BackupVaultName",
                                        "IdempotencyToken")}
        job = self.emu.new_job("backup_job", job_id, attrs, fields, timeline, created_ago)
        return self._start_output(job)

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

    @staticmethod
    def _start_output(job: Job) -> dict:
        return {"BackupJobId": job.id, "RecoveryPointArn": job.fields["RecoveryPointArn"],
                "CreationDate": job.created_wall, "IsParent": False}

    def _status(self, job: Job) -> tuple[str, str | None, float]:
        status, message, entered = job.current()
        return status, message or DEFAULT_MESSAGES.get((job.kind, status)), entered

    @staticmethod
    def _running_since(job: Job) -> float | None:
        for entry in job.timeline[:job.index_at() + 1]:
            if entry[0] == "RUNNING":
                return job.created_wall + max(entry[1], 0.0)
        return None

    def _backup_view(self, job: Job) -> dict:
        f = job.fields
        status, message, entered = self._status(job)
        pct = progress(job)
        terminal = status in BACKUP_TERMINAL
        done_well = status in ("COMPLETED", "PARTIAL")
        view = {"AccountId": ACCOUNT, "BackupJobId": job.id, "BackupVaultName": f["BackupVaultName"],
                "BackupVaultArn": f["BackupVaultArn"], "VaultType": f["VaultType"],
                "RecoveryPointArn": f["RecoveryPointArn"], "RecoveryPointLifecycle": f["Lifecycle"],
                "EncryptionKeyArn": f["EncryptionKeyArn"], "IsEncrypted": True, "ResourceArn": f["ResourceArn"],
                "CreationDate": job.created_wall, "CompletionDate": entered if terminal else None,
                "State": status, "StatusMessage": message, "PercentDone": f"{pct:.1f}",
                "BackupSizeInBytes": f["SizeBytes"] if done_well else None, "IamRoleArn": f["IamRoleArn"],
                "CreatedBy": f["CreatedBy"], "ResourceType": f["ResourceType"],
                "BytesTransferred": int(f["SizeBytes"] * pct / 100),
                "StartBy": job.created_wall + 60 * f["StartWindowMinutes"], "BackupOptions": f["BackupOptions"],
                "BackupType": f["BackupType"], "IsParent": False, "ResourceName": f["ResourceName"],
                "InitiationDate": self._running_since(job), "MessageCategory": "SUCCESS" if status == "COMPLETED"
                else None}
        if status in ACTIVE and pct > 0:
            started = view["InitiationDate"] or job.created_wall
            view["ExpectedCompletionDate"] = started + (time.time() - started) * 100 / pct
        return view

    def _backup_or_404(self, job_id: str) -> Job:
        job = self.emu.get_job("backup_job", job_id)
        if job is None:
            raise _not_found(f"Backup job {job_id} does not exist.", job_id)
        return job

    def describe_backup_job(self, p: dict) -> dict:
        return self._backup_view(self._backup_or_404(p["BackupJobId"]))

    def list_backup_jobs(self, p: dict) -> dict:
        horizon = time.time() - LIST_HORIZON
        jobs = [j for j in self.emu.list_jobs("backup_job") if j.created_wall >= horizon]
        views = [self._backup_view(j) for j in jobs]
        by_id = {j.id: j for j in jobs}
        category = p.get("ByMessageCategory")
        checks = [("ByResourceArn", "ResourceArn"), ("ByState", "State"), ("ByBackupVaultName", "BackupVaultName"),
                  ("ByResourceType", "ResourceType"), ("ByParentJobId", "ParentJobId")]
        views = [v for v in views if all(p.get(k) is None or v.get(attr) == p[k] for k, attr in checks)]
        if category not in (None, "*", "AGGREGATE_ALL"):
            views = [v for v in views if v.get("MessageCategory") == category]
        views = self._filter_common(views, p)
        page, nxt = self.aws._paginate([by_id[v["BackupJobId"]] for v in views], p, 100, filter_digest(p),
                                       lambda m: _invalid(m, "NextToken"))
        shown = {j.id for j in page}
        return {"BackupJobs": [v for v in views if v["BackupJobId"] in shown], "NextToken": nxt}

    @staticmethod
    def _filter_common(views: list[dict], p: dict) -> list[dict]:
        """The account and date filters both list operations share."""
        if p.get("ByAccountId") not in (None, "*", ACCOUNT):
            return []
        bounds = [("ByCreatedAfter", "CreationDate", 1), ("ByCreatedBefore", "CreationDate", -1),
                  ("ByCompleteAfter", "CompletionDate", 1), ("ByCompleteBefore", "CompletionDate", -1)]
        for key, attr, sign in bounds:
            if p.get(key) is not None:
                limit = float(p[key])
                views = [v for v in views if v.get(attr) is not None and (v[attr] - limit) * sign >= 0]
        return views

    # ------------------------------------------------------------------ restore jobs
    RESTORE_INPUTS = ("RecoveryPointArn", "Metadata", "IamRoleArn", "ResourceType", "CopySourceTagsToRestoredResource")

    def start_restore_job(self, p: dict, timeline=None, created_ago: float = 0.0, job_id: str | None = None) -> dict:
        point = self.recovery_points.get(p["RecoveryPointArn"])
        if point is None:
            raise _not_found(f"Recovery point {p['RecoveryPointArn']} was not found.", p["RecoveryPointArn"])
        if point["Status"] not in ("COMPLETED", "AVAILABLE"):
            raise ApiError("InvalidRequestException", f"Recovery point {p['RecoveryPointArn']} is in state "
                           f"{point['Status']} and cannot be restored.",
                           fields={"Type": "User", "Context": p["RecoveryPointArn"]})
        if p.get("ResourceType") and p["ResourceType"] != point["ResourceType"]:
            raise _invalid(f"Resource type {p['ResourceType']} does not match the recovery point's resource type "
                           f"{point['ResourceType']}.", "ResourceType")
        if p.get("IamRoleArn") and not IAM_ROLE.match(p["IamRoleArn"]):
            raise _invalid(f"Invalid IAM role ARN: {p['IamRoleArn']}.", "IamRoleArn")
        for key, value in p["Metadata"].items():
            if SECRET_KEY.search(key) and isinstance(value, str) and value:
                self.emu.remember_secret(value)  # so the secret scans of tests find it if it leaks
        token, digest = p.get("IdempotencyToken"), _digest(p, self.RESTORE_INPUTS)
        earlier = self._same_call("restore_job", token, digest)
        if earlier is not None:
            return {"RestoreJobId": earlier.id}
        job_id = job_id or _job_id()
        fields = {"RecoveryPointArn": point["RecoveryPointArn"], "SourceResourceArn": point["ResourceArn"],
                  "BackupVaultArn": point["BackupVaultArn"], "ResourceType": point["ResourceType"],
                  "SizeBytes": point["BackupSizeInBytes"], "RecoveryPointCreationDate": point["CreationDate"],
                  "IamRoleArn": p.get("IamRoleArn"), "IdempotencyToken": token, "InputDigest": digest,
                  "CreatedResourceArn": self._restored_arn(point, p["Metadata"]), "CreatedBy": p.get("CreatedBy")}
        attrs = {k: fields[k] for k in ("RecoveryPointArn", "SourceResourceArn", "ResourceType", "IdempotencyToken")}
        self.emu.new_job("restore_job", job_id, attrs, fields, timeline, created_ago)
        return {"RestoreJobId": job_id}

    def _restored_arn(self, point: dict, metadata: dict) -> str:
        rtype, source = point["ResourceType"], point["ResourceArn"]
        name = metadata.get(RESTORE_NAME_KEY.get(rtype, "")) or f"restored-{secrets.token_hex(4)}"
        hexid = secrets.token_hex(9)[:17]
        arns = {"RDS": f"arn:aws:rds:{self.region}:{ACCOUNT}:db:{name}",
                "Aurora": f"arn:aws:rds:{self.region}:{ACCOUNT}:cluster:{name}",
                "DynamoDB": f"arn:aws:dynamodb:{self.region}:{ACCOUNT}:table/{name}",
                "S3": f"arn:aws:s3:::{name}",
                "Redshift": f"arn:aws:redshift:{self.region}:{ACCOUNT}:cluster:{name}",
                "EBS": f"arn:aws:ec2:{self.region}:{ACCOUNT}:volume/vol-{hexid}",
                "EC2": f"arn:aws:ec2:{self.region}:{ACCOUNT}:instance/i-{hexid}",
                "EFS": f"arn:aws:elasticfilesystem:{self.region}:{ACCOUNT}:file-system/fs-{hexid[:8]}",
                "FSx": f"arn:aws:fsx:{self.region}:{ACCOUNT}:file-system/fs-{hexid}"}
        return arns.get(rtype, f"{source}-restored-{hexid[:8]}")

    def _restore_view(self, job: Job) -> dict:
        f = job.fields
        status, message, entered = self._status(job)
        return {"AccountId": ACCOUNT, "RestoreJobId": job.id, "RecoveryPointArn": f["RecoveryPointArn"],
                "SourceResourceArn": f["SourceResourceArn"], "BackupVaultArn": f["BackupVaultArn"],
                "CreationDate": job.created_wall, "CompletionDate": entered if status in RESTORE_TERMINAL else None,
                "Status": status, "StatusMessage": message, "PercentDone": f"{progress(job):.1f}",
                "BackupSizeInBytes": f["SizeBytes"], "IamRoleArn": f["IamRoleArn"],
                "ExpectedCompletionTimeMinutes": max(1, f["SizeBytes"] // (2 * 1024 ** 3)),
                "CreatedResourceArn": f["CreatedResourceArn"] if status == "COMPLETED" else None,
                "ResourceType": f["ResourceType"], "RecoveryPointCreationDate": f["RecoveryPointCreationDate"],
                "CreatedBy": f["CreatedBy"], "IsParent": False}

    def describe_restore_job(self, p: dict) -> dict:
        job = self.emu.get_job("restore_job", p["RestoreJobId"])
        if job is None:
            raise _not_found(f"Restore job {p['RestoreJobId']} does not exist.", p["RestoreJobId"])
        return self._restore_view(job)

    def list_restore_jobs(self, p: dict) -> dict:
        jobs = self.emu.list_jobs("restore_job")
        views = [self._restore_view(j) for j in jobs]
        checks = [("ByStatus", "Status"), ("ByResourceType", "ResourceType"), ("ByParentJobId", "ParentJobId")]
        views = [v for v in views if all(p.get(k) is None or v.get(attr) == p[k] for k, attr in checks)]
        if p.get("ByRestoreTestingPlanArn") is not None:
            views = [v for v in views if (v.get("CreatedBy") or {}).get("RestoreTestingPlanArn")
                     == p["ByRestoreTestingPlanArn"]]
        views = self._filter_common(views, p)
        by_id = {j.id: j for j in jobs}
        page, nxt = self.aws._paginate([by_id[v["RestoreJobId"]] for v in views], p, 100, filter_digest(p),
                                       lambda m: _invalid(m, "NextToken"))
        shown = {j.id for j in page}
        return {"RestoreJobs": [v for v in views if v["RestoreJobId"] in shown], "NextToken": nxt}

    # ------------------------------------------------------------------ timelines
    def default_timeline(self, kind: str, attrs: dict) -> list:
        return BACKUP_TIMELINE if kind == "backup_job" else RESTORE_TIMELINE

    def on_transition(self, job: Job, status: str, message: str | None, wall: float) -> None:
        f = job.fields
        if job.kind == "backup_job":
            arn = f["RecoveryPointArn"]
            if status in ("COMPLETED", "PARTIAL"):
                self.recovery_points[arn] = {
                    "RecoveryPointArn": arn, "ResourceArn": f["ResourceArn"], "ResourceType": f["ResourceType"],
                    "BackupVaultArn": f["BackupVaultArn"], "BackupVaultName": f["BackupVaultName"],
                    "Status": status, "CreationDate": job.created_wall, "BackupSizeInBytes": f["SizeBytes"]}
            elif status in BACKUP_TERMINAL:
                self.recovery_points.pop(arn, None)  # a failed, expired or stopped backup leaves none
        elif job.kind == "restore_job" and status == "COMPLETED" and f["CreatedResourceArn"] not in self.resources:
            # the restored resource exists now, and can be backed up in turn
            self.add_resource({"arn": f["CreatedResourceArn"], "resource_type": f["ResourceType"],
                               "size_bytes": f["SizeBytes"]})

    # ------------------------------------------------------------------ admin
    def admin_routes(self) -> dict:
        return {
            ("POST", "/backup-vaults"): self._admin("backup_vaults", self.add_vault, "BackupVaultName"),
            ("GET", "/backup-vaults"): lambda payload, req: {"backup_vaults": list(self.vaults.values())},
            ("POST", "/resources"): self._admin("resources", self.add_resource, "ResourceArn"),
            ("GET", "/resources"): lambda payload, req: {"resources": list(self.resources.values())},
            ("POST", "/recovery-points"): self._admin("recovery_points", self.add_recovery_point,
                                                      "RecoveryPointArn"),
            ("GET", "/recovery-points"): lambda payload, req: {"recovery_points": list(self.recovery_points.values())},
        }

    def _admin(self, plural: str, add: Callable[[dict], dict], key: str) -> Callable:
        def handler(payload, req) -> dict:
            specs = payload.get(plural) if isinstance(payload, dict) and plural in payload else [payload]
            with self.emu.lock:
                return {plural: [add(s or {})[key] for s in specs]}
        return handler

    def seed_job(self, kind: str, spec: dict) -> Job:
        f = dict(spec.get("fields") or {})
        timeline, ago = spec.get("timeline"), float(spec.get("created_ago", 0))
        if kind == "backup_job":
            vault = _pick(f, "BackupVaultName", "backup_vault_name", default="Default")
            if vault not in self.vaults:
                self.add_vault({"name": vault})
            arn = _pick(f, "ResourceArn", "resource_arn",
                        default=f"arn:aws:rds:{self.region}:{ACCOUNT}:db:seeded-db")
            if arn not in self.resources:
                self.add_resource({"arn": arn, "resource_type": _pick(f, "ResourceType", "resource_type")})
            params = {"BackupVaultName": vault, "ResourceArn": arn,
                      "IamRoleArn": _pick(f, "IamRoleArn", default=f"arn:aws:iam::{ACCOUNT}:role/BackupRole"),
                      "IdempotencyToken": _pick(f, "IdempotencyToken"), "CreatedBy": _pick(f, "CreatedBy")}
            for key in ("StartWindowMinutes", "CompleteWindowMinutes", "Lifecycle", "RecoveryPointTags",
                        "BackupOptions"):
                params[key] = f.get(key)
            job_id = self.start_backup_job(params, timeline, ago, _pick(f, "BackupJobId"))["BackupJobId"]
        else:
            point_arn = _pick(f, "RecoveryPointArn", "recovery_point_arn")
            if point_arn not in self.recovery_points:
                point_arn = self.add_recovery_point({
                    "arn": point_arn, "resource_arn": _pick(f, "SourceResourceArn", "ResourceArn", default=(
                        f"arn:aws:rds:{self.region}:{ACCOUNT}:db:seeded-db"))})["RecoveryPointArn"]
            params = {"RecoveryPointArn": point_arn, "Metadata": _pick(f, "Metadata", default={}),
                      "IamRoleArn": _pick(f, "IamRoleArn", default=f"arn:aws:iam::{ACCOUNT}:role/BackupRole"),
                      "IdempotencyToken": _pick(f, "IdempotencyToken"), "CreatedBy": _pick(f, "CreatedBy")}
            job_id = self.start_restore_job(params, timeline, ago, _pick(f, "RestoreJobId"))["RestoreJobId"]
        return self.emu.get_job(kind, job_id)  # type: ignore[return-value]


PARTS = [BackupJobs]
