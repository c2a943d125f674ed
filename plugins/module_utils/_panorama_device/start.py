# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting Panorama device jobs (OTA, REBOOT).

Everything is validated against the carried service model before any request. Plans are made with reads only,
so check mode and the real run decide the same way: for OTA, DescribeDevice per device (already on the image
version -> ``unchanged_devices``), then ListDevicesJobs of the device and DescribeDeviceJob of its OTA jobs (an
unfinished OTA to the same version is returned, not doubled).
"""
from __future__ import annotations

import typing as t
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import call_create
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Begun, Report, run_jobs
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import MAX_WORKERS, fetch_many
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import normalize
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama.service import DEVICE_ID, SHAPES, IdRule
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_device.source import PanoramaDeviceJobSource

DEVICE_JOB_TYPES = ("OTA", "REBOOT")
IMAGE_VERSION = IdRule("Panorama image version", SHAPES["ImageVersion"])


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


def start_device_jobs(report: Report, device_ids: list, inputs: dict) -> dict:
    """CreateJobForDevices once per device (the API's limit), concurrently; {device_id: job_id}.

    Every call runs to its end; if any failed, the first failure (in device order) is raised, naming the jobs
    that did start (the report returns them, changed).
    """
    source = report.source

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
    started = [results[d] for d in device_ids if d in results]
    if errors:
        raise report.started_failure(errors[0], started)
    report.started(started)
    return results


def begin(module: t.Any) -> Begun | dict:
    """panorama_device_job's ``begin`` (``_core.result.run_jobs``): its options checked, then the start."""
    params = module.params
    inputs = validate_device_job(params)
    source = PanoramaDeviceJobSource.for_module(module)
    report = module.report(source, start=True)
    plans = report.within_budget(plan_devices, source, inputs)
    to_start = [plan.device_id for plan in plans if plan.action == "start"]
    report.extra["unchanged_devices"] = [plan.device_id for plan in plans if plan.action == "unchanged"]
    if module.check_mode:
        existing = [plan.existing_job for plan in plans if plan.action == "existing"]
        return report.check_mode([would_start_device(d, inputs) for d in to_start], existing)
    started = start_device_jobs(report, to_start, inputs) if to_start else {}
    ids = []
    for plan in plans:
        if plan.action == "start":
            ids.append(started[plan.device_id])
        elif plan.action == "existing":
            ids.append(plan.existing_job["JobId"])
    return Begun(report, ids)


# The handler of panorama_device_job: the start, then the first look and the wait (``_core.result.run_jobs``).
device_job: t.Callable[[t.Any], dict] = partial(run_jobs, begin)
