# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting Azure Stack HCI edge device jobs: PUT of a CollectLog or RemoteSupport job (EdgeDeviceJobs_CreateOrUpdate).

The body follows the REST spec's HciEdgeDeviceJob: ``{"kind": "HCI", "properties": {"jobType": ..., ...}}``.
Edge device jobs are not edited: a job name that exists with the same properties starts nothing (it is returned),
one with different properties is refused before any PUT. After the PUT the module follows the long-running
operation (``_azure/lro.py``) to its end within ``wait_timeout`` (from the module's start), with or without ``wait``.
"""
from __future__ import annotations

import re
import typing as t
from functools import partial

from ansible_collections.jobgate.cloud.plugins.module_utils._azure import arm, lro
from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import to_datetime
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Begun, Report, run_jobs
from ansible_collections.jobgate.cloud.plugins.module_utils._core.waiter import wait_settings
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_edge_device.source import (
    DEFAULT_API_VERSION, DEFAULT_EDGE_DEVICE, HciJobSource, jobs_path, parse_resource_uri, validate_api_version, validate_name,
)

JOB_KIND = "HCI"
JOB_TYPES = ("CollectLog", "RemoteSupport")
DEPLOYMENT_MODES = ("Validate", "Deploy")
ACCESS_LEVELS = ("None", "Diagnostics", "DiagnosticsAndRepair")
REMOTE_SUPPORT_TYPES = ("Enable", "Revoke")
# The options of each job type (refused with the other), how a message joins the missing ones, and why they matter.
TYPE_OPTIONS = {
    "CollectLog": (("from_date", "to_date"), " and ", ": the time window of the logs to collect"),
    "RemoteSupport": (("access_level", "expiration_timestamp", "remote_support_type"), ", ", ""),
}


def _date(option: str, value: t.Any) -> str:
    """An ISO 8601 date-time (no zone means UTC) -> the UTC form sent to the API; anything else is bad input."""
    text = str(value).strip() if value is not None else ""
    parsed = None
    if text and not re.match(r"^[+-]?[0-9.]+$", text):   # ISO only: a bare number is ambiguous
        parsed = to_datetime(text)
    if parsed is None:
        raise bad_input(f"Option {option}: {repr(value)[:80]} is not an ISO 8601 date-time "
                        "(for example 2025-05-01T12:00:00Z).")
    text = parsed.strftime("%Y-%m-%dT%H:%M:%S")
    if parsed.microsecond:
        text += f".{parsed.microsecond:06d}"
    return text + "Z"


def _choice(params: t.Mapping, option: str, choices: tuple) -> str:
    value = params.get(option)
    # ARM enums compare case-insensitively; send the spec's spelling.
    for choice in choices:
        if isinstance(value, str) and value.lower() == choice.lower():
            return choice
    raise bad_input(f"Option {option} must be one of {', '.join(choices)}, got {repr(value)[:80]}.")


def _check_type_options(params: t.Mapping, job_type: str) -> None:
    """The job type's own options are all given, and no option of another type is."""
    own, joiner, why = TYPE_OPTIONS[job_type]
    for other, spec in TYPE_OPTIONS.items():
        stray = [name for name in spec[0] if other != job_type and params.get(name) is not None]
        if stray:
            raise bad_input(f"Option(s) {', '.join(stray)} only apply to job_type={other}.")
    missing = [name for name in own if params.get(name) is None]
    if missing:
        raise bad_input(f"job_type={job_type} needs {joiner.join(missing)}{why}.")


def validate_job(params: t.Mapping) -> dict:
    """Checked inputs: {target, edge_device_name, job_name, api_version, body}. No request is sent before this."""
    job_name = params.get("job_name")
    if job_name is None:
        raise bad_input("Option job_name is required: it names the job on the edge device.")
    validate_name(job_name, "job_name")
    edge = params.get("edge_device_name") or DEFAULT_EDGE_DEVICE
    validate_name(edge, "edge_device_name")
    api_version = validate_api_version(params.get("api_version") or DEFAULT_API_VERSION)
    target = parse_resource_uri(params.get("resource_uri"))
    job_type = _choice(params, "job_type", JOB_TYPES)
    mode = _choice({"deployment_mode": params.get("deployment_mode") or "Deploy"}, "deployment_mode", DEPLOYMENT_MODES)
    props: dict = {"jobType": job_type, "deploymentMode": mode}
    _check_type_options(params, job_type)
    if job_type == "CollectLog":
        props["fromDate"] = _date("from_date", params["from_date"])
        props["toDate"] = _date("to_date", params["to_date"])
        if to_datetime(props["fromDate"]) >= to_datetime(props["toDate"]):
            raise bad_input("Option from_date must be earlier than to_date.")
    else:
        props["accessLevel"] = _choice(params, "access_level", ACCESS_LEVELS)
        props["expirationTimestamp"] = _date("expiration_timestamp", params["expiration_timestamp"])
        props["type"] = _choice(params, "remote_support_type", REMOTE_SUPPORT_TYPES)
    return {"target": target, "edge_device_name": edge, "job_name": job_name, "api_version": api_version,
            "body": {"kind": JOB_KIND, "properties": props}}


# ------------------------------------------------------------------------------------------------ comparison
def _same_text(a: t.Any, b: t.Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


def differences(existing: dict, body: dict) -> list:
    """Names of the properties where an existing job differs from the one asked for (empty: the same job)."""
    diffs = []
    if not _same_text(existing.get("kind") or JOB_KIND, body["kind"]):
        diffs.append(f"kind ({existing.get('kind')!r}, asked {body['kind']!r})")
    have = existing.get("properties") or {}
    want = body["properties"]
    for key, value in want.items():
        current = have.get(key)
        if key == "deploymentMode" and current is None:
            current = "Deploy"   # the service's default
        if key in ("fromDate", "toDate", "expirationTimestamp"):
            same = current is not None and to_datetime(current) == to_datetime(value)
        else:
            same = _same_text(current, value)
        if not same:
            diffs.append(f"{key} ({current!r}, asked {value!r})")
    return diffs


def would_start(inputs: dict) -> dict:
    props = inputs["body"]["properties"]
    return {"job_name": inputs["job_name"], "edge_device_name": inputs["edge_device_name"], "kind": inputs["body"]["kind"],
            "job_type": props["jobType"], "deployment_mode": props["deploymentMode"],
            "properties": dict(props)}


def find_existing(source: HciJobSource, job_name: str) -> dict | None:
    try:
        return source.describe(job_name)
    except JobGateError as err:
        if err.http_status == 404:
            return None
        raise


# ------------------------------------------------------------------------------------------------ handler
def begin(module: t.Any) -> Begun | dict:
    """hci_edge_device_job's ``begin`` (``_core.result.run_jobs``): its options checked, the job found or started."""
    params = module.params
    inputs = validate_job(params)
    client = arm.create_client(params, deadline=module.deadline)
    source = HciJobSource(client, inputs["target"]["resource_uri"], inputs["edge_device_name"], inputs["api_version"])
    report = module.report(source, start=True)
    name = inputs["job_name"]
    what = f"{source.id_label} {name} {source.location()}"
    existing = report.within_budget(find_existing, source, name)
    if existing is not None:
        diffs = differences(existing, inputs["body"])
        if diffs:
            raise JobGateError(f"{what[0].upper()}{what[1:]} already exists with different properties: {'; '.join(diffs)}. "
                               "Edge device jobs are not edited: give the new job a new job_name.",
                               code="Conflict", retryable=False)
        if module.check_mode:
            return report.check_mode([], [existing])
        report.seen([existing], [name])
        return Begun(report, seen=True)
    if module.check_mode:
        return report.check_mode([would_start(inputs)])
    url = client.url(jobs_path(inputs["target"]["resource_uri"], inputs["edge_device_name"]) + "/" + name)
    response = client.request("PUT", url, what, json_body=inputs["body"], params={"api-version": inputs["api_version"]})
    report.started([name])
    state = _seen_in_put(report, response, name)
    # The operation is followed to its end within wait_timeout even without wait (the module's contract).
    timeout, sleep = wait_settings(params)
    outcome = lro.follow_operation(client, response, what, module.deadline.limit(timeout), sleep,
                                   on_timeout=f" The job was started (last state {state}): raise wait_timeout or poll "
                                              "it with hci_edge_device_job_info.")
    detail = outcome.get("error")
    if not detail:
        return Begun(report, [name])

    def gone(err: JobGateError) -> JobGateError:
        """The job's 404 after an operation that failed: the operation's error."""
        return JobGateError(f"The long-running operation of {what} ended {outcome['status']} and the job does not exist: "
                            f"{detail.get('code')}: {detail.get('message')}", code=str(detail.get("code") or "OperationFailed"),
                            message=str(detail.get("message") or "") or None, http_status=err.http_status,
                            retryable=err.retryable)

    return Begun(report, [name], gone=gone)


def _seen_in_put(report: Report, response: t.Any, name: str) -> str:
    """Record the job as the PUT answered it (ARM returns the resource), so a failure from here on returns it;
    its state, for messages."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or str(body.get("name") or "").lower() != name.lower():
        return "unknown"
    block = report.seen([body], [name])[0]["normalized"]
    return block["native_status"] or block["state"]


# The handler of hci_edge_device_job: the job found or started, then the first look and the wait
# (``_core.result.run_jobs``).
edge_device_job: t.Callable[[t.Any], dict] = partial(run_jobs, begin)
