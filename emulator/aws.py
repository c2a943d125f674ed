"""AWS side of the emulator: Panorama and Backup over restJson1, SigV4-verified, driven by the service models."""
from __future__ import annotations

import copy
import functools
import hashlib
import importlib.util
import secrets
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from emulator import sigv4
from emulator.core import AdminError, Fault, Job, Provider, Request, Response
from emulator.restjson import ApiError, ServiceModel, decode_token, encode_token

REPO = Path(__file__).resolve().parent.parent
ACCOUNT = "123456789012"
# Modules with more AWS operations, each listing `AwsPart` subclasses in `PARTS` (see emulator/README.md).
PART_MODULES = ("emulator.backup_jobs", "emulator.backup_copy_scan_jobs")
# Who the base credentials are; temporary credentials from emulator/sts.py carry their assumed-role ARN.
BASE_PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:user/jobgate-emulator"

DEFAULT_TIMELINES = {
    ("panorama_device", "OTA"): [["PENDING", 0], ["DOWNLOADING", 1], ["VERIFYING", 2], ["REBOOTING", 3],
                                 ["COMPLETED", 4]],
    ("panorama_device", "REBOOT"): [["PENDING", 0], ["IN_PROGRESS", 1], ["COMPLETED", 2]],
    ("panorama_package_import", None): [["PENDING", 0, "Import job is pending."],
                                        ["SUCCEEDED", 2, "Package import completed."]],
    ("backup_report", None): [["CREATED", 0], ["RUNNING", 1], ["COMPLETED", 3]],
}
DEFAULT_FAILED_MESSAGE = {
    "panorama_package_import": "Package import failed: the package manifest could not be read.",
    "backup_report": "The report job failed: Access Denied writing to the destination bucket.",
}
BACKUP_STATUSES = ("CREATED", "RUNNING", "COMPLETED", "FAILED", "COMPLETED_WITH_ISSUES")
TERMINAL = {"COMPLETED", "FAILED", "SUCCEEDED", "COMPLETED_WITH_ISSUES"}


@functools.lru_cache(maxsize=None)
def _service_model(name: str) -> ServiceModel:
    return ServiceModel(load_panorama_model() if name == "panorama" else load_backup_model())


@functools.lru_cache(maxsize=None)
def _load_panorama_model() -> dict:
    path = REPO / "plugins" / "module_utils" / "_panorama" / "model.py"
    spec = importlib.util.spec_from_file_location("_jobgate_panorama_model", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod.SERVICE_MODEL


@functools.lru_cache(maxsize=None)
def _load_backup_model() -> dict:
    from botocore.loaders import Loader
    return Loader().load_service_model("backup", "service-2")


def load_panorama_model() -> dict:
    return copy.deepcopy(_load_panorama_model())


def load_backup_model() -> dict:
    return copy.deepcopy(_load_backup_model())


def _pick(spec: dict, *names: str, default: Any = None) -> Any:
    for n in names:
        if n in spec and spec[n] is not None:
            return spec[n]
    return default


def filter_digest(params: dict) -> str:
    """A short digest of a list call's filters, carried in its NextToken so a token is not reused with others."""
    return hashlib.sha256(repr(sorted((k, str(v)) for k, v in params.items()
                                      if k not in ("NextToken", "MaxResults"))).encode()).hexdigest()[:12]


class AwsPart(Provider):
    """More operations of an AWS service, served by AwsProvider (its SigV4 check, routing, faults, errors).

    A part owns its job kinds and state; the provider hands it the calls and admin hooks for those kinds (the
    Provider hooks: admin_routes, reset, default_timeline, seed_job, on_transition)."""

    def __init__(self, aws: "AwsProvider") -> None:
        super().__init__(aws.emu)
        self.aws = aws

    def handlers(self) -> dict[tuple[str, str], Callable[[dict], dict]]:
        """{(service, operation): handler(params) -> output dict}; raise ApiError for error answers."""
        return {}


class AwsProvider(Provider):
    name = "aws"
    kinds = ("panorama_device", "panorama_package_import", "backup_report")
    priority = 50

    def __init__(self, emu) -> None:
        super().__init__(emu)
        # Models are read once per process; ServiceModel is read-only after construction.
        self.services = {"panorama": _service_model("panorama"), "backup": _service_model("backup")}
        self.handlers: dict[tuple[str, str], Callable[[dict], dict]] = {
            ("panorama", "CreateJobForDevices"): self.create_job_for_devices,
            ("panorama", "DescribeDeviceJob"): self.describe_device_job,
            ("panorama", "ListDevicesJobs"): self.list_devices_jobs,
            ("panorama", "DescribeDevice"): self.describe_device,
            ("panorama", "ListDevices"): self.list_devices,
            ("panorama", "CreatePackageImportJob"): self.create_package_import_job,
            ("panorama", "DescribePackageImportJob"): self.describe_package_import_job,
            ("panorama", "ListPackageImportJobs"): self.list_package_import_jobs,
            ("backup", "StartReportJob"): self.start_report_job,
            ("backup", "DescribeReportJob"): self.describe_report_job,
            ("backup", "ListReportJobs"): self.list_report_jobs,
        }
        self.parts: list[AwsPart] = []
        for modname in PART_MODULES:
            for cls in getattr(importlib.import_module(modname), "PARTS", []):
                self.parts.append(cls(self))
        self.part_for = {k: part for part in self.parts for k in part.kinds}
        self.kinds = type(self).kinds + tuple(self.part_for)
        for part in self.parts:
            self.handlers.update(part.handlers())
        self.reset()

    @property
    def region(self) -> str:
        return self.emu.config["aws"]["region"]

    def reset(self) -> None:
        self.devices: dict[str, dict] = {}
        self.report_plans: dict[str, dict] = {}
        for part in getattr(self, "parts", ()):
            part.reset()

    # ------------------------------------------------------------------ routing
    def claims(self, req: Request) -> bool:
        auth = req.headers.get("Authorization") or ""
        if auth.startswith(sigv4.ALGORITHM) or req.headers.get("X-Amz-Date"):
            return True
        if auth.lower().startswith("bearer "):
            return False
        return any(m.path_known(req.raw_path) for m in self.services.values())

    def handle(self, req: Request) -> Response:
        request_id = str(uuid.uuid4())
        auth = sigv4.verify(req.method, req.raw_path, req.query, req.headers, req.body, self.emu.config["aws"],
                            lookup=self.emu.aws_credentials)
        req.log.update(signed=auth.signed, auth_ok=auth.ok, bearer=False)
        if auth.ok:
            req.log["principal"] = auth.principal or BASE_PRINCIPAL
        service = auth.service
        if service is None:  # unsigned: guess the service from the path, for the log only
            service = next((n for n, m in self.services.items() if m.path_known(req.raw_path)), None)
        req.log["service"] = service
        model = self.services.get(service or "")
        route = model.match(req.method, req.raw_path, req.query_dict()) if model else None
        if route is not None:
            req.log["operation"] = route[0].operation
        if not auth.ok:
            return self._error(model, ApiError(auth.code or "AccessDeniedException", auth.message or "", auth.status),
                               request_id, req)
        if model is None:
            return self._error(None, ApiError("UnrecognizedClientException", f"No such service: {service}", 400),
                               request_id, req)
        if route is None:
            return self._error(model, ApiError("UnknownOperationException", "Unknown operation", 404), request_id, req)
        op_route, labels = route
        operation = op_route.operation
        faulted = self.apply_faults(req, service, operation)
        if faulted is not None:
            faulted.headers.setdefault("x-amzn-RequestId", request_id)
            return faulted
        try:
            params = model.parse_input(operation, labels, req.query_pairs(), req.headers, req.body)
            problems = model.validate(operation, params)
            if problems:
                raise self._validation_error(service, problems)
            with self.emu.lock:
                output = self.handlers[(service, operation)](params)
            op = model.operations[operation]
            body = model.serialize(op["output"]["shape"], output) if "output" in op else {}
            return Response.json(op_route.response_code, body, {"x-amzn-RequestId": request_id})
        except ApiError as err:
            return self._error(model, err, request_id, req)

    def _validation_error(self, service: str, problems: list) -> ApiError:
        first = problems[0]
        if service == "backup":
            if first.missing:
                return ApiError("MissingParameterValueException", first.message,
                                fields={"Type": "User", "Context": first.name})
            return ApiError("InvalidParameterValueException", first.message,
                            fields={"Type": "User", "Context": first.name})
        msg = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected: " + "; ".join(
            p.message for p in problems)
        return ApiError("ValidationException", msg, fields={
            "Reason": "FIELD_VALIDATION_FAILED", "Fields": [{"Name": p.name, "Message": p.message} for p in problems]})

    def _error(self, model: ServiceModel | None, err: ApiError, request_id: str, req: Request) -> Response:
        status = err.status or (model.error_status(err.code) if model else None) or 400
        shape = model.error_shape(err.code) if model else None
        if shape is not None:
            body: dict = {"Message": err.message}
            body.update(err.fields)
            # Required members of the declared error shape are always present, as the service sends them.
            for req_member in shape.get("required", []):
                body.setdefault(req_member, "")
            body = {k: v for k, v in body.items() if k in shape["members"]
                    and not shape["members"][k].get("location")}
            for k, ref in shape["members"].items():
                if ref.get("location") == "header" and k in err.fields:
                    err.headers[ref["locationName"]] = str(err.fields[k])
            body = model.serialize(err.code, body)  # type: ignore[union-attr]
        else:
            body = {"message": err.message}
        req.log["error"] = err.code
        headers = {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": err.code}
        headers.update(err.headers)
        return Response.json(status, body, headers)

    def render_fault(self, fault: Fault, req: Request, service: str | None, operation: str | None) -> Response:
        model = self.services.get(service or "")
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        if fault.kind == "throttle":
            err = ApiError(fault.code or "ThrottlingException", fault.message or "Rate exceeded",
                           fault.status or 429, headers=headers)
        else:
            status = fault.status or 500
            code = fault.code
            if code is None:
                if status >= 500:
                    if service == "backup":
                        code = "ServiceUnavailableException"
                    else:
                        code = "ServiceUnavailableException" if status == 503 else "InternalServerException"
                else:
                    code = {400: "ValidationException" if service == "panorama" else "InvalidParameterValueException",
                            403: "AccessDeniedException", 404: "ResourceNotFoundException",
                            409: "ConflictException", 429: "ThrottlingException"}.get(status, "BadRequestException")
            err = ApiError(code, fault.message or "Injected failure: the service could not handle the request.",
                           status, headers=headers)
            if code == "ResourceNotFoundException":
                err.fields = {"ResourceId": "unknown", "ResourceType": "unknown"}
        return self._error(model, err, str(uuid.uuid4()), req)

    # ------------------------------------------------------------------ timelines and jobs
    def default_timeline(self, kind: str, attrs: dict) -> list:
        if kind in self.part_for:
            return self.part_for[kind].default_timeline(kind, attrs)
        tl = DEFAULT_TIMELINES.get((kind, attrs.get("variant"))) or DEFAULT_TIMELINES.get((kind, None))
        if tl is None:
            tl = DEFAULT_TIMELINES[(kind, "OTA")]
        return tl

    def on_transition(self, job: Job, status: str, message: str | None, wall: float) -> None:
        if job.kind in self.part_for:
            self.part_for[job.kind].on_transition(job, status, message, wall)
        elif job.kind == "panorama_device" and status == "COMPLETED" and job.fields.get("JobType") == "OTA":
            device = self.devices.get(job.fields["DeviceId"])
            if device is not None:
                device["CurrentSoftware"] = job.fields["ImageVersion"]
                device["LastUpdatedTime"] = wall

    @staticmethod
    def _status(job: Job) -> tuple[str, str | None, float]:
        status, message, entered = job.current()
        if status == "FAILED" and not message:
            message = DEFAULT_FAILED_MESSAGE.get(job.kind)
        return status, message, entered

    def _paginate(self, items: list[Job], params: dict, default_max: int, filt: str,
                  invalid: Callable[[str], ApiError]) -> tuple[list[Job], str | None]:
        """Stable pages: the token carries the last job's sequence number and a digest of the filters."""
        after = 0
        token = params.get("NextToken")
        if token:
            data = decode_token(token)
            if not data or data.get("f") != filt or not isinstance(data.get("s"), int):
                raise invalid("The pagination token is invalid.")
            after = data["s"]
        size = params.get("MaxResults") or default_max
        rest = [j for j in items if j.seq > after]
        page = rest[:size]
        nxt = encode_token({"s": page[-1].seq, "f": filt}) if len(rest) > size and page else None
        return page, nxt

    # ------------------------------------------------------------------ Panorama devices
    def add_device(self, spec: dict) -> dict:
        device_id = _pick(spec, "device_id", "DeviceId", default=None) or f"device-{secrets.token_hex(10)}"
        name = _pick(spec, "name", "Name", default=device_id)
        now = time.time()
        device = {
            "DeviceId": device_id, "Name": name,
            "Arn": f"arn:aws:panorama:{self.region}:{ACCOUNT}:device/{device_id}",
            "Brand": _pick(spec, "brand", "Brand", default="AWS_PANORAMA"),
            "Type": _pick(spec, "type", "Type", default="PANORAMA_APPLIANCE"),
            "CurrentSoftware": _pick(spec, "current_software", "CurrentSoftware", default="4.3.45"),
            "LatestSoftware": _pick(spec, "latest_software", "LatestSoftware", default="4.3.55"),
            "ProvisioningStatus": _pick(spec, "provisioning_status", "ProvisioningStatus", default="SUCCEEDED"),
            "DeviceConnectionStatus": _pick(spec, "connection_status", "DeviceConnectionStatus", default="ONLINE"),
            "Description": _pick(spec, "description", "Description", default=None),
            "SerialNumber": str(_pick(spec, "serial_number", "SerialNumber", default=secrets.randbelow(10**12))),
            "Tags": _pick(spec, "tags", "Tags", default={}),
            "CreatedTime": now - float(_pick(spec, "created_ago", default=86400)),
            "LastUpdatedTime": now, "LeaseExpirationTime": now + 30 * 86400,
        }
        self.devices[device_id] = device
        return device

    def _device_or_404(self, device_id: str) -> dict:
        device = self.devices.get(device_id)
        if device is None:
            raise ApiError("ResourceNotFoundException", f"Device {device_id} not found.",
                           fields={"ResourceId": device_id, "ResourceType": "device"})
        return device

    def _latest_job(self, device_id: str) -> Job | None:
        jobs = [j for j in self.emu.list_jobs("panorama_device") if j.fields["DeviceId"] == device_id]
        return jobs[-1] if jobs else None

    def _device_view(self, device: dict, full: bool) -> dict:
        latest = self._latest_job(device["DeviceId"])
        aggregated = "ONLINE" if device["DeviceConnectionStatus"] == "ONLINE" else "OFFLINE"
        latest_view = None
        if latest is not None:
            status = self._status(latest)[0]
            latest_view = {"JobType": latest.fields["JobType"], "Status": status,
                           "ImageVersion": latest.fields.get("ImageVersion")}
            if status == "REBOOTING" or (latest.fields["JobType"] == "REBOOT" and status not in TERMINAL):
                aggregated = "REBOOTING"
        if aggregated == "ONLINE" and device["CurrentSoftware"] != device["LatestSoftware"]:
            aggregated = "UPDATE_NEEDED"
        view = {k: device[k] for k in ("Brand", "CreatedTime", "CurrentSoftware", "Description", "DeviceId",
                                       "LeaseExpirationTime", "Name", "ProvisioningStatus", "Tags", "Type")}
        view["DeviceAggregatedStatus"] = aggregated
        view["LatestDeviceJob"] = latest_view
        if full:
            view.update({k: device[k] for k in ("Arn", "DeviceConnectionStatus", "LatestSoftware", "SerialNumber")})
            view["AlternateSoftwares"] = []
            octet = int(hashlib.sha256(device["DeviceId"].encode()).hexdigest()[:2], 16)
            view["CurrentNetworkingStatus"] = {
                "Ethernet0Status": {"ConnectionStatus": "CONNECTED", "IpAddress": f"192.168.1.{octet}/24",
                                    "HwAddress": "02:00:00:00:00:%02x" % octet},
                "LastUpdatedTime": device["LastUpdatedTime"],
            }
        else:
            view["LastUpdatedTime"] = device["LastUpdatedTime"]
        return view

    def describe_device(self, p: dict) -> dict:
        return self._device_view(self._device_or_404(p["DeviceId"]), full=True)

    def list_devices(self, p: dict) -> dict:
        devices = list(self.devices.values())
        if p.get("NameFilter"):
            devices = [d for d in devices if d["Name"].startswith(p["NameFilter"])]
        views = [self._device_view(d, full=False) for d in devices]
        if p.get("DeviceAggregatedStatusFilter"):
            views = [v for v in views if v["DeviceAggregatedStatus"] == p["DeviceAggregatedStatusFilter"]]
        key = {"DEVICE_ID": "DeviceId", "CREATED_TIME": "CreatedTime", "NAME": "Name",
               "DEVICE_AGGREGATED_STATUS": "DeviceAggregatedStatus"}[p.get("SortBy") or "CREATED_TIME"]
        views.sort(key=lambda v: (v[key], v["DeviceId"]), reverse=p.get("SortOrder") == "DESCENDING")
        offset = 0
        if p.get("NextToken"):
            data = decode_token(p["NextToken"])
            if not data or not isinstance(data.get("o"), int):
                raise ApiError("ValidationException", "The pagination token is invalid.")
            offset = data["o"]
        size = p.get("MaxResults") or 25
        page = views[offset:offset + size]
        nxt = encode_token({"o": offset + size}) if offset + size < len(views) else None
        return {"Devices": page, "NextToken": nxt}

    # ------------------------------------------------------------------ Panorama device jobs
    def _new_device_job(self, device: dict, job_type: str, image_version: str | None, timeline=None,
                        created_ago: float = 0.0, job_id: str | None = None) -> Job:
        job_id = job_id or str(uuid.uuid4())
        fields = {"JobId": job_id, "DeviceId": device["DeviceId"], "DeviceName": device["Name"],
                  "DeviceArn": device["Arn"], "DeviceType": device["Type"], "JobType": job_type,
                  "ImageVersion": image_version if job_type == "OTA" else None}
        attrs = {"variant": job_type, "JobType": job_type, "DeviceId": device["DeviceId"],
                 "DeviceName": device["Name"], "ImageVersion": image_version}
        return self.emu.new_job("panorama_device", job_id, attrs, fields, timeline, created_ago)

    def create_job_for_devices(self, p: dict) -> dict:
        job_type = p["JobType"]
        image = None
        if job_type == "OTA":
            ota = (p.get("DeviceJobConfig") or {}).get("OTAJobConfig")
            if not ota:
                raise ApiError("ValidationException", "An OTA job requires DeviceJobConfig.OTAJobConfig.",
                               fields={"Reason": "FIELD_VALIDATION_FAILED", "Fields": [
                                   {"Name": "DeviceJobConfig", "Message": "OTAJobConfig is required for OTA jobs."}]})
            image = ota["ImageVersion"]
        jobs = []
        for device_id in p["DeviceIds"]:
            device = self._device_or_404(device_id)
            if job_type == "OTA" and not (p.get("DeviceJobConfig") or {}).get("OTAJobConfig", {}).get(
                    "AllowMajorVersionUpdate") and _major(image) > _major(device["CurrentSoftware"]):
                raise ApiError("ValidationException",
                               f"Image version {image} is a major version update for device {device_id}; "
                               f"set AllowMajorVersionUpdate to allow it.",
                               fields={"Reason": "FIELD_VALIDATION_FAILED", "Fields": [
                                   {"Name": "AllowMajorVersionUpdate", "Message": "Major version update not allowed."}]})
            job = self._new_device_job(device, job_type, image)
            jobs.append({"DeviceId": device_id, "JobId": job.id})
        return {"Jobs": jobs}

    def _device_job_or_404(self, job_id: str) -> Job:
        job = self.emu.get_job("panorama_device", job_id)
        if job is None:
            raise ApiError("ResourceNotFoundException", f"Job {job_id} not found.",
                           fields={"ResourceId": job_id, "ResourceType": "job"})
        return job

    def describe_device_job(self, p: dict) -> dict:
        job = self._device_job_or_404(p["JobId"])
        out = {k: job.fields[k] for k in ("DeviceArn", "DeviceId", "DeviceName", "DeviceType", "ImageVersion",
                                          "JobId", "JobType")}
        out["CreatedTime"] = job.created_wall
        out["Status"] = self._status(job)[0]
        return out

    def list_devices_jobs(self, p: dict) -> dict:
        jobs = self.emu.list_jobs("panorama_device")
        if p.get("DeviceId"):
            jobs = [j for j in jobs if j.fields["DeviceId"] == p["DeviceId"]]
        page, nxt = self._paginate(jobs, p, 25, f"d:{p.get('DeviceId') or ''}",
                                   lambda m: ApiError("ValidationException", m))
        return {"DeviceJobs": [{"CreatedTime": j.created_wall, "DeviceId": j.fields["DeviceId"],
                                "DeviceName": j.fields["DeviceName"], "JobId": j.id, "JobType": j.fields["JobType"]}
                               for j in page], "NextToken": nxt}

    # ------------------------------------------------------------------ Panorama package import jobs
    def create_package_import_job(self, p: dict, timeline=None, created_ago: float = 0.0) -> dict:
        for job in self.emu.list_jobs("panorama_package_import"):
            if job.fields["ClientToken"] == p["ClientToken"]:
                same = all(job.fields.get(k) == p.get(k) for k in ("InputConfig", "OutputConfig", "JobType"))
                if not same:
                    raise ApiError("ConflictException",
                                   f"Client token {p['ClientToken']} was already used with different parameters.",
                                   fields={"ResourceId": job.id, "ResourceType": "package-import-job"})
                return {"JobId": job.id}
        out_cfg = (p["OutputConfig"].get("PackageVersionOutputConfig") or {})
        in_cfg = (p["InputConfig"].get("PackageVersionInputConfig") or {}).get("S3Location") or {}
        job_id = str(uuid.uuid4())
        package_id = "packageId-" + secrets.token_hex(8)
        fields = {
            "JobId": job_id, "ClientToken": p["ClientToken"], "InputConfig": p["InputConfig"],
            "OutputConfig": p["OutputConfig"], "JobType": p["JobType"], "JobTags": p.get("JobTags"),
            "Output": {"OutputS3Location": {"BucketName": f"node-package-store-{self.region}-{ACCOUNT}",
                                            "ObjectKey": f"{ACCOUNT}/nodePackages/{package_id}/packageVersions/"},
                       "PackageId": package_id, "PackageVersion": out_cfg.get("PackageVersion", "1.0"),
                       "PatchVersion": secrets.token_hex(32)},
        }
        attrs = {"JobType": p["JobType"], "ClientToken": p["ClientToken"],
                 "PackageName": out_cfg.get("PackageName"), "PackageVersion": out_cfg.get("PackageVersion"),
                 "BucketName": in_cfg.get("BucketName"), "ObjectKey": in_cfg.get("ObjectKey")}
        for tagset in p.get("JobTags") or []:
            for k, v in (tagset.get("Tags") or {}).items():
                attrs[f"tag:{k}"] = v
        self.emu.new_job("panorama_package_import", job_id, attrs, fields, timeline, created_ago)
        return {"JobId": job_id}

    def _import_view(self, job: Job, full: bool) -> dict:
        status, message, entered = self._status(job)
        view = {"CreatedTime": job.created_wall, "JobId": job.id, "JobType": job.fields["JobType"],
                "LastUpdatedTime": entered, "Status": status, "StatusMessage": message or ""}
        if full:
            view.update({k: job.fields[k] for k in ("ClientToken", "InputConfig", "JobTags", "Output",
                                                    "OutputConfig")})
        return view

    def describe_package_import_job(self, p: dict) -> dict:
        job = self.emu.get_job("panorama_package_import", p["JobId"])
        if job is None:
            raise ApiError("ResourceNotFoundException", f"Package import job {p['JobId']} not found.", 404,
                           fields={"ResourceId": p["JobId"], "ResourceType": "package-import-job"})
        return self._import_view(job, full=True)

    def list_package_import_jobs(self, p: dict) -> dict:
        page, nxt = self._paginate(self.emu.list_jobs("panorama_package_import"), p, 25, "i",
                                   lambda m: ApiError("ValidationException", m))
        return {"PackageImportJobs": [self._import_view(j, full=False) for j in page], "NextToken": nxt}

    # ------------------------------------------------------------------ Backup report jobs
    def add_report_plan(self, spec: dict) -> dict:
        name = _pick(spec, "name", "ReportPlanName")
        if not name:
            raise AdminError("a report plan needs a name")
        plan = {"ReportPlanName": name,
                "ReportPlanArn": f"arn:aws:backup:{self.region}:{ACCOUNT}:report-plan:{name}-{uuid.uuid4()}",
                "ReportTemplate": _pick(spec, "template", "ReportTemplate", default="BACKUP_JOB_REPORT"),
                "S3BucketName": _pick(spec, "bucket", "S3BucketName", default="backup-reports-bucket"),
                "S3KeyPrefix": _pick(spec, "key_prefix", "S3KeyPrefix", default="reports")}
        self.report_plans[name] = plan
        return plan

    def start_report_job(self, p: dict, timeline=None, created_ago: float = 0.0) -> dict:
        name = p["ReportPlanName"]
        plan = self.report_plans.get(name)
        if plan is None:
            raise ApiError("ResourceNotFoundException", f"Failed to start report job: report plan {name} does not "
                           "exist.", fields={"Type": "User", "Context": name})
        token = p.get("IdempotencyToken")
        if token:
            for job in self.emu.list_jobs("backup_report"):
                if job.fields["ReportPlanName"] == name and job.fields.get("IdempotencyToken") == token:
                    return {"ReportJobId": job.id}
        job_id = secrets.token_hex(16)
        fields = {"ReportPlanName": name, "ReportPlanArn": plan["ReportPlanArn"],
                  "ReportTemplate": plan["ReportTemplate"], "S3BucketName": plan["S3BucketName"],
                  "S3KeyPrefix": plan["S3KeyPrefix"], "IdempotencyToken": token}
        attrs = {"ReportPlanName": name, "IdempotencyToken": token, "ReportTemplate": plan["ReportTemplate"]}
        self.emu.new_job("backup_report", job_id, attrs, fields, timeline, created_ago)
        return {"ReportJobId": job_id}

    def _report_view(self, job: Job) -> dict:
        status, message, entered = self._status(job)
        dest: dict = {"S3BucketName": job.fields["S3BucketName"]}
        if status in ("COMPLETED", "COMPLETED_WITH_ISSUES"):
            stamp = time.strftime("%Y/%m/%d", time.gmtime(job.created_wall))
            base = f"{job.fields['S3KeyPrefix']}/Backup/{ACCOUNT}/{self.region}/{stamp}/{job.fields['ReportTemplate']}"
            dest["S3Keys"] = [f"{base}_{job.id}.csv", f"{base}_{job.id}.json"]
        return {"ReportJobId": job.id, "ReportPlanArn": job.fields["ReportPlanArn"],
                "ReportTemplate": job.fields["ReportTemplate"], "CreationTime": job.created_wall,
                "CompletionTime": entered if status in TERMINAL else None, "Status": status,
                "StatusMessage": message, "ReportDestination": dest}

    def describe_report_job(self, p: dict) -> dict:
        job = self.emu.get_job("backup_report", p["ReportJobId"])
        if job is None:
            raise ApiError("ResourceNotFoundException", f"Report job {p['ReportJobId']} does not exist.",
                           fields={"Type": "User", "Context": p["ReportJobId"]})
        return {"ReportJob": self._report_view(job)}

    def list_report_jobs(self, p: dict) -> dict:
        def invalid(msg: str) -> ApiError:
            return ApiError("InvalidParameterValueException", msg, fields={"Type": "User"})

        if p.get("ByStatus") and p["ByStatus"] not in BACKUP_STATUSES:
            raise invalid(f"Invalid status {p['ByStatus']}; valid values: {', '.join(BACKUP_STATUSES)}.")
        jobs = self.emu.list_jobs("backup_report")
        if p.get("ByReportPlanName"):
            jobs = [j for j in jobs if j.fields["ReportPlanName"] == p["ByReportPlanName"]]
        if p.get("ByStatus"):
            jobs = [j for j in jobs if self._status(j)[0] == p["ByStatus"]]
        if p.get("ByCreationAfter") is not None:
            jobs = [j for j in jobs if j.created_wall >= float(p["ByCreationAfter"])]
        if p.get("ByCreationBefore") is not None:
            jobs = [j for j in jobs if j.created_wall <= float(p["ByCreationBefore"])]
        page, nxt = self._paginate(jobs, p, 100, filter_digest(p), invalid)
        return {"ReportJobs": [self._report_view(j) for j in page], "NextToken": nxt}

    # ------------------------------------------------------------------ admin
    def admin_routes(self) -> dict:
        routes = {
            ("POST", "/devices"): self._admin_devices,
            ("GET", "/devices"): lambda payload, req: {"devices": list(self.devices.values())},
            ("POST", "/report-plans"): self._admin_plans,
            ("GET", "/report-plans"): lambda payload, req: {"report_plans": list(self.report_plans.values())},
        }
        for part in self.parts:
            routes.update(part.admin_routes())
        return routes

    def _admin_devices(self, payload, req) -> dict:
        specs = payload.get("devices") if isinstance(payload, dict) and "devices" in payload else [payload]
        with self.emu.lock:
            return {"device_ids": [self.add_device(s or {})["DeviceId"] for s in specs]}

    def _admin_plans(self, payload, req) -> dict:
        specs = (payload.get("report_plans") if isinstance(payload, dict) and "report_plans" in payload
                 else [payload])
        with self.emu.lock:
            return {"report_plans": [self.add_report_plan(s or {})["ReportPlanName"] for s in specs]}

    def seed_job(self, kind: str, spec: dict) -> Job:
        if kind in self.part_for:
            with self.emu.lock:
                return self.part_for[kind].seed_job(kind, spec)
        f = dict(spec.get("fields") or {})
        timeline = spec.get("timeline")
        ago = float(spec.get("created_ago", 0))
        with self.emu.lock:
            if kind == "panorama_device":
                device_id = _pick(f, "DeviceId", "device_id", default="device-seeded")
                device = self.devices.get(device_id) or self.add_device({"device_id": device_id})
                job_type = _pick(f, "JobType", "job_type", default="OTA")
                image = _pick(f, "ImageVersion", "image_version", default="4.3.55" if job_type == "OTA" else None)
                return self._new_device_job(device, job_type, image, timeline, ago, _pick(f, "JobId", "job_id"))
            if kind == "panorama_package_import":
                params = {"ClientToken": _pick(f, "ClientToken", default=secrets.token_hex(8)),
                          "JobType": _pick(f, "JobType", default="NODE_PACKAGE_VERSION"),
                          "InputConfig": _pick(f, "InputConfig", default={"PackageVersionInputConfig": {
                              "S3Location": {"BucketName": "packages", "ObjectKey": "pkg/manifest.json"}}}),
                          "OutputConfig": _pick(f, "OutputConfig", default={"PackageVersionOutputConfig": {
                              "PackageName": "seeded_package", "PackageVersion": "1.0"}}),
                          "JobTags": _pick(f, "JobTags")}
                job_id = self.create_package_import_job(params, timeline, ago)["JobId"]
                return self.emu.get_job(kind, job_id)  # type: ignore[return-value]
            if kind == "backup_report":
                name = _pick(f, "ReportPlanName", "report_plan_name", default="seeded_report_plan")
                if name not in self.report_plans:
                    self.add_report_plan({"name": name})
                params = {"ReportPlanName": name, "IdempotencyToken": _pick(f, "IdempotencyToken")}
                job_id = self.start_report_job(params, timeline, ago)["ReportJobId"]
                return self.emu.get_job(kind, job_id)  # type: ignore[return-value]
        raise AdminError(f"kind {kind} is not an AWS kind")


def _major(version: str | None) -> int:
    try:
        return int(str(version).split(".", maxsplit=1)[0])
    except ValueError:
        return 0


PROVIDERS = [AwsProvider]
