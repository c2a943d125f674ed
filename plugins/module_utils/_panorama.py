# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Panorama job sources (device jobs, package import jobs) and their input validation.

Ids are checked against the carried model's patterns and lengths before any request, so bad input never costs a
call (and never reaches a URL path: ``..``, ``/``, ``?`` and ``#`` are refused outright).
"""
from __future__ import annotations

import re
import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._aws import AwsClient, register_carried_model, resolve_settings
from ansible_collections.jobgate.cloud.plugins.module_utils._errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._normalize import to_datetime
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_model import API_VERSION, ENDPOINT_RULESET, SERVICE_MODEL
from ansible_collections.jobgate.cloud.plugins.module_utils._runner import (
    JobSource, collect, fetch_many, pick_from_pages, select_ids, validate_wait,
)

# _aws.py writes it out for botocore when botocore lacks Panorama; only modules that import this file ship it.
register_carried_model("panorama", API_VERSION, SERVICE_MODEL, ENDPOINT_RULESET)

PATH_BREAKERS = ("..", "/", "?", "#")
IMPORT_LIST_MAX_RESULTS = 25  # the model's maximum (MaxSize25) for ListPackageImportJobs
# What a ListPackageImportJobs entry shares with DescribePackageImportJob and what changes while a job runs.
_IMPORT_CHANGE_KEYS = ("Status", "StatusMessage", "LastUpdatedTime")


class IdRule:
    """A string shape from a service model: pattern plus min/max length (characters, as the model counts)."""

    def __init__(self, label: str, shape: dict) -> None:
        self.label = label
        pattern = shape.get("pattern")
        self.regex = re.compile(pattern) if pattern else None
        self.min = int(shape.get("min", 1))
        self.max = int(shape["max"]) if "max" in shape else None

    def check(self, option: str, value: t.Any) -> str:
        shown = repr(value)[:80]
        if not isinstance(value, str) or not value:
            raise bad_input(f"Option {option} must be a non-empty {self.label}, got {shown}.")
        for bad in PATH_BREAKERS:
            if bad in value:
                raise bad_input(f"Option {option}: {shown} is not a valid {self.label}; it contains {bad!r}.")
        if len(value) < self.min or (self.max is not None and len(value) > self.max):
            raise bad_input(f"Option {option}: a {self.label} is {self.min} to {self.max} characters long, got {len(value)}.")
        # The model's patterns are anchored (^...$); search() honours the anchors, and a trailing newline is refused
        # separately because `$` would let it through.
        if self.regex is not None and (not self.regex.search(value) or "\n" in value):
            raise bad_input(f"Option {option}: {shown} is not a valid {self.label} (pattern {self.regex.pattern}).")
        return value


_SHAPES = SERVICE_MODEL["shapes"]
JOB_ID = IdRule("Panorama job id", _SHAPES["JobId"])
DEVICE_ID = IdRule("Panorama device id", _SHAPES["DeviceId"])


def _same(left: t.Any, right: t.Any) -> bool:
    """Equal values; timestamps compared as instants (botocore gives datetimes, a hint may hold either)."""
    if left == right:
        return True
    when_left, when_right = to_datetime(left), to_datetime(right)
    return when_left is not None and when_left == when_right


def _strip_metadata(out: dict) -> dict:
    return {k: v for k, v in out.items() if k != "ResponseMetadata"}


class PanoramaDeviceJobSource(JobSource):
    provider = "panorama_device"
    id_label = "Panorama device job"

    def __init__(self, client: AwsClient, device_id: str | None = None) -> None:
        self.client = client
        self.device_id = device_id

    def describe(self, job_id: str) -> dict:
        out = self.client.call("describe_device_job", action="get", what=f"Panorama device job {job_id}", JobId=job_id)
        return _strip_metadata(out)

    def list_jobs(self) -> list:
        what = f"Panorama device jobs of device {self.device_id}" if self.device_id else "Panorama device jobs"
        listed = self.client.paginate("list_devices_jobs", "DeviceJobs", action="list", what=what, DeviceId=self.device_id)
        ids: list = []
        for job in listed:
            job_id = job.get("JobId")
            if job_id and job_id not in ids:
                ids.append(job_id)
        # ListDevicesJobs has no status: describe each listed job so every entry has a real one.
        return fetch_many(self, ids)

    def location(self) -> str:
        return self.client.location()


class PanoramaPackageImportJobSource(JobSource):
    provider = "panorama_package_import"
    id_label = "Panorama package import job"

    def __init__(self, client: AwsClient) -> None:
        self.client = client

    def describe(self, job_id: str) -> dict:
        out = self.client.call("describe_package_import_job", action="get", what=f"Panorama package import job {job_id}",
                               JobId=job_id)
        return _strip_metadata(out)

    def fetch_batch(self, ids: list, hints: dict) -> dict:
        """Jobs whose list entry shows no change since they were last described: their last description.

        ListPackageImportJobs entries lack InputConfig, OutputConfig, Output, JobTags and ClientToken, which a
        ``jobs`` entry carries from DescribePackageImportJob, so the list only tells which jobs changed (Status,
        StatusMessage or LastUpdatedTime differ): those, and any job never described in this run, are described.
        """
        known = {job_id: hints[job_id] for job_id in ids if hints.get(job_id)}
        if len(known) < 2:  # nothing to reuse: the list would only add a request
            return {}
        pages = self.client.pages("list_package_import_jobs", "PackageImportJobs", action="list",
                                  what=f"{len(ids)} Panorama package import jobs", MaxResults=IMPORT_LIST_MAX_RESULTS)
        listed = pick_from_pages(pages, known, lambda job: job.get("JobId"))
        unchanged = {}
        for job_id, entry in listed.items():
            last = known[job_id]
            if all(_same(entry.get(key), last.get(key)) for key in _IMPORT_CHANGE_KEYS):
                unchanged[job_id] = last
        return unchanged

    def list_jobs(self) -> list:
        # ListPackageImportJobs entries carry Status (and StatusMessage), so no describe is needed.
        return self.client.paginate("list_package_import_jobs", "PackageImportJobs", action="list",
                                    what="Panorama package import jobs")

    def location(self) -> str:
        return self.client.location()


def device_job_info(module: t.Any) -> dict:
    """Handler of panorama_device_job_info: validate everything, then build the client and collect."""
    params = module.params
    ids = select_ids(params, "job_id", "job_ids")
    for job_id in ids or ():
        JOB_ID.check("job_id" if params.get("job_id") is not None else "job_ids", job_id)
    device_id = params.get("device_id")
    if device_id is not None:
        if ids is not None:
            raise bad_input("Option device_id filters list mode; it cannot be combined with job_id or job_ids.")
        DEVICE_ID.check("device_id", device_id)
    validate_wait(params)
    settings = resolve_settings(params)
    source = PanoramaDeviceJobSource(AwsClient(settings, "panorama"), device_id=device_id)
    return collect(source, ids, params)


def package_import_job_info(module: t.Any) -> dict:
    """Handler of panorama_package_import_job_info."""
    params = module.params
    ids = select_ids(params, "job_id", "job_ids")
    for job_id in ids or ():
        JOB_ID.check("job_id" if params.get("job_id") is not None else "job_ids", job_id)
    validate_wait(params)
    settings = resolve_settings(params)
    source = PanoramaPackageImportJobSource(AwsClient(settings, "panorama"))
    return collect(source, ids, params)
