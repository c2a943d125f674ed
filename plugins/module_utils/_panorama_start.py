# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting AWS Panorama jobs: device jobs (OTA, REBOOT) and package import jobs.

Everything is validated against the carried service model before any request. Plans are made with reads only,
so check mode and the real run decide the same way:

* OTA: DescribeDevice per device (already on the image version -> ``unchanged_devices``), then ListDevicesJobs of
  the device and DescribeDeviceJob of its OTA jobs (an unfinished OTA to the same version is returned, not doubled).
* Package import: the ClientToken (given, or a digest of the inputs) makes CreatePackageImportJob idempotent on the
  service side; the jobs listed before the call tell whether the returned job is new.
"""
from __future__ import annotations

import typing as t
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ansible_collections.jobgate.cloud.plugins.module_utils._aws import AwsClient, resolve_settings
from ansible_collections.jobgate.cloud.plugins.module_utils._errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._normalize import normalize
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama import (
    DEVICE_ID, IdRule, PanoramaDeviceJobSource, PanoramaPackageImportJobSource,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_model import SERVICE_MODEL
from ansible_collections.jobgate.cloud.plugins.module_utils._runner import MAX_WORKERS, fetch_many, validate_wait
from ansible_collections.jobgate.cloud.plugins.module_utils._start import (
    call_create, check_mode_result, finish, started_failure, token_digest,
)

DEVICE_JOB_TYPES = ("OTA", "REBOOT")
IMPORT_JOB_TYPES = tuple(SERVICE_MODEL["shapes"]["PackageImportJobType"]["enum"])
JOB_RESOURCE_TYPES = tuple(SERVICE_MODEL["shapes"]["JobResourceType"]["enum"])

_SHAPES = SERVICE_MODEL["shapes"]
IMAGE_VERSION = IdRule("Panorama image version", _SHAPES["ImageVersion"])
CLIENT_TOKEN = IdRule("client token", _SHAPES["ClientToken"])
BUCKET_NAME = IdRule("S3 bucket name", _SHAPES["BucketName"])
OBJECT_KEY = IdRule("S3 object key", _SHAPES["ObjectKey"])
REGION = IdRule("AWS region", _SHAPES["Region"])
PACKAGE_NAME = IdRule("node package name", _SHAPES["NodePackageName"])
PACKAGE_VERSION = IdRule("node package version", _SHAPES["NodePackageVersion"])
TAG_KEY = _SHAPES["TagKey"]
TAG_VALUE = _SHAPES["TagValue"]
TAGS_MAX = int(_SHAPES["TagMap"].get("max", 50))


def _check_len(option: str, value: t.Any, shape: dict, label: str) -> str:
    if not isinstance(value, str):
        raise bad_input(f"Option {option}: a {label} must be a string, got {repr(value)[:80]}.")
    low, high = int(shape.get("min", 0)), int(shape.get("max", 1 << 30))
    if not low <= len(value) <= high:
        raise bad_input(f"Option {option}: a {label} is {low} to {high} characters long, got {len(value)}.")
    return value


# ------------------------------------------------------------------------------------------------ device jobs
def validate_device_job(params: t.Mapping) -> dict:
    """Checked and normalized inputs of panorama_device_job: {device_ids, job_type, image_version, allow_major}."""
    job_type = params.get("job_type")
    if job_type not in DEVICE_JOB_TYPES:
        raise bad_input(f"Option job_type must be one of {', '.join(DEVICE_JOB_TYPES)}, got {job_type!r}.")
    devices = params.get("device_ids")
    if not isinstance(devices, (list, tuple)) or not devices:
        raise bad_input("Option device_ids must name at least one Panorama device.")
    device_ids: list = []
    for device_id in devices:
        DEVICE_ID.check("device_ids", device_id)
        if device_id not in device_ids:
            device_ids.append(device_id)
    image_version = params.get("image_version")
    allow_major = bool(params.get("allow_major_version_update"))
    if job_type == "OTA":
        if image_version is None:
            raise bad_input("Option image_version is required with job_type=OTA: it names the software version to install.")
        # Path breakers matter less here (the version goes into the body), but no real version contains them.
        IMAGE_VERSION.check("image_version", image_version)
    else:
        if image_version is not None:
            raise bad_input("Option image_version only applies to job_type=OTA; a REBOOT job takes no version.")
        if allow_major:
            raise bad_input("Option allow_major_version_update only applies to job_type=OTA.")
    validate_wait(params)
    return {"device_ids": device_ids, "job_type": job_type, "image_version": image_version, "allow_major": allow_major}


@dataclass
class DevicePlan:
    """What to do for one device: start a job, return an open one, or nothing (already on the version)."""

    device_id: str
    action: str                       # "start" | "existing" | "unchanged"
    existing_job: dict | None = None  # raw DescribeDeviceJob output when action == "existing"
    current_software: str | None = None


def plan_device(source: PanoramaDeviceJobSource, device_id: str, job_type: str, image_version: str | None) -> DevicePlan:
    """Decide for one device with reads only. REBOOT always starts."""
    if job_type != "OTA":
        return DevicePlan(device_id, "start")
    client = source.client
    device = client.call("describe_device", action="get", what=f"Panorama device {device_id}", DeviceId=device_id)
    current = device.get("CurrentSoftware")
    if current is not None and current == image_version:
        return DevicePlan(device_id, "unchanged", current_software=current)
    listed = client.paginate("list_devices_jobs", "DeviceJobs", action="list",
                             what=f"Panorama device jobs of device {device_id}", DeviceId=device_id)
    # ListDevicesJobs has no status or version: describe the OTA ones, newest first.
    candidates = [job["JobId"] for job in listed if job.get("JobType") == "OTA" and job.get("JobId")]
    candidates.reverse()
    for raw in fetch_many(source, candidates):
        if raw.get("DeviceId", device_id) != device_id or raw.get("JobType") != "OTA":
            continue
        if raw.get("ImageVersion") == image_version and not normalize(source.provider, raw)["terminal"]:
            return DevicePlan(device_id, "existing", existing_job=raw, current_software=current)
    return DevicePlan(device_id, "start", current_software=current)


def plan_devices(source: PanoramaDeviceJobSource, inputs: dict) -> list:
    """Plans of every device, made concurrently (bounded); the first failure in device order is raised."""
    device_ids = inputs["device_ids"]

    def one(device_id: str) -> DevicePlan:
        return plan_device(source, device_id, inputs["job_type"], inputs["image_version"])

    if len(device_ids) == 1:
        return [one(device_ids[0])]
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(device_ids))) as pool:
        futures = [pool.submit(one, device_id) for device_id in device_ids]
        return [future.result() for future in futures]


def device_job_request(device_id: str, inputs: dict) -> dict:
    request: dict = {"DeviceIds": [device_id], "JobType": inputs["job_type"]}
    if inputs["job_type"] == "OTA":
        ota: dict = {"ImageVersion": inputs["image_version"]}
        if inputs["allow_major"]:
            ota["AllowMajorVersionUpdate"] = True
        request["DeviceJobConfig"] = {"OTAJobConfig": ota}
    return request


def would_start_device(device_id: str, inputs: dict) -> dict:
    entry = {"device_id": device_id, "job_type": inputs["job_type"]}
    if inputs["job_type"] == "OTA":
        entry["image_version"] = inputs["image_version"]
        entry["allow_major_version_update"] = inputs["allow_major"]
    return entry


def start_device_jobs(source: PanoramaDeviceJobSource, device_ids: list, inputs: dict) -> dict:
    """CreateJobForDevices once per device (the API's limit), concurrently; {device_id: job_id}.

    Every call runs to its end; if any failed, the first failure (in device order) is raised and names the jobs
    that did start.
    """
    def one(device_id: str) -> str:
        what = f"a {inputs['job_type']} job for Panorama device {device_id}"
        out = call_create(source.client, "create_job_for_devices", action="start", what=what,
                          **device_job_request(device_id, inputs))
        for job in out.get("Jobs") or []:
            if job.get("DeviceId") in (None, device_id) and job.get("JobId"):
                return job["JobId"]
        raise JobGateError(f"CreateJobForDevices answered without a job id for Panorama device {device_id} "
                           f"{source.location()}.", code="InvalidResponse", retryable=False)

    results: dict = {}
    errors: list = []
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_WORKERS, len(device_ids)))) as pool:
        futures = [(device_id, pool.submit(one, device_id)) for device_id in device_ids]
        for device_id, future in futures:
            try:
                results[device_id] = future.result()
            except JobGateError as err:
                errors.append(err)
    if errors:
        raise started_failure(errors[0], source, [results[d] for d in device_ids if d in results])
    return results


def device_job(module: t.Any) -> dict:
    """Handler of panorama_device_job."""
    params = module.params
    inputs = validate_device_job(params)
    settings = resolve_settings(params)
    source = PanoramaDeviceJobSource(AwsClient(settings, "panorama"))
    plans = plan_devices(source, inputs)
    unchanged = [plan.device_id for plan in plans if plan.action == "unchanged"]
    to_start = [plan.device_id for plan in plans if plan.action == "start"]
    extra = {"unchanged_devices": unchanged}
    if module.check_mode:
        existing = [plan.existing_job for plan in plans if plan.action == "existing"]
        return check_mode_result(source, existing, [would_start_device(d, inputs) for d in to_start], extra)
    started = start_device_jobs(source, to_start, inputs) if to_start else {}
    ids = []
    for plan in plans:
        if plan.action == "start":
            ids.append(started[plan.device_id])
        elif plan.action == "existing":
            ids.append(plan.existing_job["JobId"])
    return finish(source, ids, changed=bool(started), params=params, extra=extra)


# ------------------------------------------------------------------------------------------------ package import
def _tag_map(option: str, tags: t.Any) -> dict:
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise bad_input(f"Option {option} must be a dictionary of tag keys and values.")
    if len(tags) > TAGS_MAX:
        raise bad_input(f"Option {option}: at most {TAGS_MAX} tags, got {len(tags)}.")
    out = {}
    for key, value in tags.items():
        _check_len(option, key, TAG_KEY, "tag key")
        out[key] = _check_len(option, "" if value is None else str(value), TAG_VALUE, "tag value")
    return out


def import_request(params: t.Mapping) -> dict:
    """The CreatePackageImportJob request (ClientToken included), checked against the model; no request is sent."""
    job_type = params.get("job_type") or IMPORT_JOB_TYPES[0]
    if job_type not in IMPORT_JOB_TYPES:
        raise bad_input(f"Option job_type must be one of {', '.join(IMPORT_JOB_TYPES)}, got {job_type!r}.")
    input_config = params.get("input_config") or {}
    s3 = input_config.get("s3_location") if isinstance(input_config, dict) else None
    if not isinstance(s3, dict):
        raise bad_input("Option input_config must have s3_location with bucket_name and object_key.")
    location = {"BucketName": BUCKET_NAME.check("input_config.s3_location.bucket_name", s3.get("bucket_name")),
                "ObjectKey": _object_key(s3.get("object_key"))}
    if s3.get("region") is not None:
        location["Region"] = REGION.check("input_config.s3_location.region", s3.get("region"))
    output_config = params.get("output_config")
    if not isinstance(output_config, dict):
        raise bad_input("Option output_config must have package_name and package_version.")
    output = {"PackageName": PACKAGE_NAME.check("output_config.package_name", output_config.get("package_name")),
              "PackageVersion": PACKAGE_VERSION.check("output_config.package_version", output_config.get("package_version"))}
    if output_config.get("mark_latest") is not None:
        output["MarkLatest"] = bool(output_config["mark_latest"])
    request: dict = {
        "JobType": job_type,
        "InputConfig": {"PackageVersionInputConfig": {"S3Location": location}},
        "OutputConfig": {"PackageVersionOutputConfig": output},
    }
    tags_list = params.get("job_tags")
    if tags_list:
        job_tags = []
        for index, entry in enumerate(tags_list):
            if not isinstance(entry, dict):
                raise bad_input(f"Option job_tags[{index}] must be a dictionary with resource_type and tags.")
            resource_type = entry.get("resource_type") or JOB_RESOURCE_TYPES[0]
            if resource_type not in JOB_RESOURCE_TYPES:
                raise bad_input(f"Option job_tags[{index}].resource_type must be one of {', '.join(JOB_RESOURCE_TYPES)}.")
            job_tags.append({"ResourceType": resource_type, "Tags": _tag_map(f"job_tags[{index}].tags", entry.get("tags"))})
        request["JobTags"] = job_tags
    token = params.get("client_token")
    if token is None:
        # The inputs decide the token, so a rerun of the same task sends the same one and gets the same job back.
        token = token_digest(request)
    request["ClientToken"] = CLIENT_TOKEN.check("client_token", token)
    return request


def _object_key(value: t.Any) -> str:
    # An S3 key may contain "/" (and even ".."); it goes into the JSON body, never into a URL path.
    option = "input_config.s3_location.object_key"
    _check_len(option, value, _SHAPES["ObjectKey"], "S3 object key")
    if "\n" in value:
        raise bad_input(f"Option {option}: an S3 object key for a package manifest cannot contain a newline.")
    return value


def find_import_by_token(source: PanoramaPackageImportJobSource, request: dict) -> dict | None:
    """The job that used this ClientToken, or None (check mode: ListPackageImportJobs, then describe, newest first)."""
    listed = source.list_jobs()
    ids = [job["JobId"] for job in listed if job.get("JobId") and job.get("JobType") in (None, request["JobType"])]
    ids.reverse()
    batch = MAX_WORKERS
    for start in range(0, len(ids), batch):
        for raw in fetch_many(source, ids[start:start + batch]):
            if raw.get("ClientToken") == request["ClientToken"]:
                return raw
    return None


def would_start_import(request: dict) -> dict:
    location = request["InputConfig"]["PackageVersionInputConfig"]["S3Location"]
    output = request["OutputConfig"]["PackageVersionOutputConfig"]
    return {"job_type": request["JobType"], "client_token": request["ClientToken"],
            "package_name": output["PackageName"], "package_version": output["PackageVersion"],
            "bucket_name": location["BucketName"], "object_key": location["ObjectKey"]}


def package_import_job(module: t.Any) -> dict:
    """Handler of panorama_package_import_job."""
    params = module.params
    request = import_request(params)
    validate_wait(params)
    settings = resolve_settings(params)
    source = PanoramaPackageImportJobSource(AwsClient(settings, "panorama"))
    extra = {"client_token": request["ClientToken"]}
    if module.check_mode:
        found = find_import_by_token(source, request)
        if found is not None:
            return check_mode_result(source, [found], [], extra)
        return check_mode_result(source, [], [would_start_import(request)], extra)
    # The jobs that exist before the call tell a new job from the one an earlier run started with this token.
    before = {job.get("JobId") for job in source.list_jobs()}
    what = f"a Panorama package import job for {request['OutputConfig']['PackageVersionOutputConfig']['PackageName']}"
    try:
        # The ClientToken makes this call idempotent, so the client's normal retries (5xx included) are safe.
        out = source.client.call("create_package_import_job", action="start", what=what, **request)
    except JobGateError as err:
        if err.code == "ConflictException":
            err.msg = (f"Could not start {what} {source.location()}: client token {request['ClientToken']} was "
                       "already used with different inputs. Jobs are not edited; change client_token (or leave it "
                       f"out to derive one from the inputs). The API said: {err.message}")
        raise
    job_id = out.get("JobId")
    if not job_id:
        raise JobGateError(f"CreatePackageImportJob answered without a job id {source.location()}.",
                           code="InvalidResponse", retryable=False)
    return finish(source, [job_id], changed=job_id not in before, params=params, extra=extra)
