# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting Panorama package import jobs.

Everything is validated against the carried service model before any request. The ClientToken (given, or a digest
of the inputs) makes CreatePackageImportJob idempotent on the service side; the jobs listed before the call tell
whether the returned job is new.
"""
from __future__ import annotations

import typing as t
from functools import partial

from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Begun, run_jobs
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import MAX_WORKERS, fetch_many
from ansible_collections.jobgate.cloud.plugins.module_utils._core.start import token_digest
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama.model import SERVICE_MODEL
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama.service import SHAPES, IdRule
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_package_import.source import PanoramaPackageImportJobSource

IMPORT_JOB_TYPES = tuple(SERVICE_MODEL["shapes"]["PackageImportJobType"]["enum"])
JOB_RESOURCE_TYPES = tuple(SERVICE_MODEL["shapes"]["JobResourceType"]["enum"])

CLIENT_TOKEN = IdRule("client token", SHAPES["ClientToken"])
BUCKET_NAME = IdRule("S3 bucket name", SHAPES["BucketName"])
REGION = IdRule("AWS region", SHAPES["Region"])
PACKAGE_NAME = IdRule("node package name", SHAPES["NodePackageName"])
PACKAGE_VERSION = IdRule("node package version", SHAPES["NodePackageVersion"])
TAG_KEY = SHAPES["TagKey"]
TAG_VALUE = SHAPES["TagValue"]
TAGS_MAX = int(SHAPES["TagMap"].get("max", 50))


def _check_len(option: str, value: t.Any, shape: dict, label: str) -> str:
    if not isinstance(value, str):
        raise bad_input(f"Option {option}: a {label} must be a string, got {repr(value)[:80]}.")
    low, high = int(shape.get("min", 0)), int(shape.get("max", 1 << 30))
    if not low <= len(value) <= high:
        raise bad_input(f"Option {option}: a {label} is {low} to {high} characters long, got {len(value)}.")
    return value


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
    _check_len(option, value, SHAPES["ObjectKey"], "S3 object key")
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


def begin(module: t.Any) -> Begun | dict:
    """panorama_package_import_job's ``begin`` (``_core.result.run_jobs``): its options checked, then the start."""
    params = module.params
    request = import_request(params)
    source = PanoramaPackageImportJobSource.for_module(module)
    report = module.report(source, start=True, extra={"client_token": request["ClientToken"]})
    if module.check_mode:
        found = report.within_budget(find_import_by_token, source, request)
        if found is not None:
            return report.check_mode([], [found])
        return report.check_mode([would_start_import(request)])
    # The jobs that exist before the call tell a new job from the one an earlier run started with this token.
    before = {job.get("JobId") for job in report.within_budget(source.list_jobs)}
    what = f"a Panorama package import job for {request['OutputConfig']['PackageVersionOutputConfig']['PackageName']}"
    try:
        # The ClientToken makes this call idempotent, so the client's normal retries (5xx included) are safe.
        out = source.client.call("create_package_import_job", action="start", what=what, **request)
    except JobGateError as err:
        if err.code != "ConflictException":
            raise
        raise err.with_msg(f"Could not start {what} {source.location()}: client token {request['ClientToken']} was "
                           "already used with different inputs. Jobs are not edited; change client_token (or leave it "
                           f"out to derive one from the inputs). The API said: {err.message}") from None
    job_id = out.get("JobId")
    if not job_id:
        raise JobGateError(f"CreatePackageImportJob answered without a job id {source.location()}.",
                           code="InvalidResponse", retryable=False)
    if job_id not in before:
        report.started([job_id])
    return Begun(report, [job_id])


# The handler of panorama_package_import_job: the start, then the first look and the wait (``_core.result.run_jobs``).
package_import_job: t.Callable[[t.Any], dict] = partial(run_jobs, begin)
