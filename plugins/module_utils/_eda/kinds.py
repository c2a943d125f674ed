# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kinds the event source watches: each one's argument spec and how to build its JobSource from params.

TEMPORARY (old layout): to be replaced by the core's per-kind seams once the module_utils packages land.
"""
from __future__ import annotations

import typing as t
from dataclasses import dataclass

from ansible_collections.jobgate.cloud.plugins.module_utils import _azure
from ansible_collections.jobgate.cloud.plugins.module_utils._aws import AWS_ARG_SPEC, AwsClient, resolve_settings
from ansible_collections.jobgate.cloud.plugins.module_utils._backup import (
    STATUS_CHOICES, BackupReportJobSource, check_report_job_id, check_report_plan_name, parse_time,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._hci import (
    DEFAULT_API_VERSION, DEFAULT_EDGE_DEVICE, HciJobSource, validate_params,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama import (
    DEVICE_ID, JOB_ID, PanoramaDeviceJobSource, PanoramaPackageImportJobSource,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._runner import select_ids


@dataclass(frozen=True)
class Kind:
    arg_spec: dict
    build: t.Callable[[dict], tuple]        # validated params -> (ids or None, connect() -> JobSource)
    location: t.Callable[[t.Any], str]      # JobSource -> the location part of meta.uuid


def _aws_location(source: t.Any) -> str:
    return f"aws/{source.client.region or ''}"


def _hci_location(source: t.Any) -> str:
    return f"azure{source.target['resource_uri'].lower()}/edgeDevices/{source.edge_device_name.lower()}"


def _panorama_device(params: dict) -> tuple:
    ids = select_ids(params, "job_id", "job_ids")
    for job_id in ids or ():
        JOB_ID.check("job_id" if params.get("job_id") is not None else "job_ids", job_id)
    device_id = params.get("device_id")
    if device_id is not None:
        if ids is not None:
            raise bad_input("Option device_id filters list mode; it cannot be combined with job_id or job_ids.")
        DEVICE_ID.check("device_id", device_id)
    settings = resolve_settings(params)
    return ids, lambda: PanoramaDeviceJobSource(AwsClient(settings, "panorama"), device_id=device_id)


def _panorama_package_import(params: dict) -> tuple:
    ids = select_ids(params, "job_id", "job_ids")
    for job_id in ids or ():
        JOB_ID.check("job_id" if params.get("job_id") is not None else "job_ids", job_id)
    settings = resolve_settings(params)
    return ids, lambda: PanoramaPackageImportJobSource(AwsClient(settings, "panorama"))


def _backup_report(params: dict) -> tuple:
    ids = select_ids(params, "report_job_id", "job_ids")
    for job_id in ids or ():
        check_report_job_id("report_job_id" if params.get("report_job_id") is not None else "job_ids", job_id)
    filters = {name: params.get(name) for name in ("report_plan_name", "status", "created_after", "created_before")}
    given = [name for name, value in filters.items() if value is not None]
    if ids is not None and given:
        raise bad_input(f"Options {', '.join(given)} filter list mode; they cannot be combined with report_job_id or job_ids.")
    if filters["report_plan_name"] is not None:
        check_report_plan_name(filters["report_plan_name"])
    after = parse_time("created_after", filters["created_after"])
    before = parse_time("created_before", filters["created_before"])
    if after is not None and before is not None and after >= before:
        raise bad_input("Option created_after must be earlier than created_before.")
    settings = resolve_settings(params)
    return ids, lambda: BackupReportJobSource(AwsClient(settings, "backup"), report_plan_name=filters["report_plan_name"],
                                              status=filters["status"], created_after=after, created_before=before)


def _hci_edge_device(params: dict) -> tuple:
    ids = select_ids(params, "job_name", "job_names")
    validate_params(params, ids)
    return ids, lambda: HciJobSource(_azure.connect(params), params["resource_uri"],
                                     params.get("edge_device_name") or DEFAULT_EDGE_DEVICE,
                                     params.get("api_version") or DEFAULT_API_VERSION)


_PANORAMA_IDS = dict(job_id=dict(type="str"), job_ids=dict(type="list", elements="str"))

KINDS: dict = {
    "panorama_device": Kind(dict(_PANORAMA_IDS, device_id=dict(type="str"), **AWS_ARG_SPEC), _panorama_device,
                            _aws_location),
    "panorama_package_import": Kind(dict(_PANORAMA_IDS, **AWS_ARG_SPEC), _panorama_package_import, _aws_location),
    "backup_report": Kind(dict(
        report_job_id=dict(type="str", aliases=["job_id"]), job_ids=dict(type="list", elements="str"),
        report_plan_name=dict(type="str"), status=dict(type="str", choices=list(STATUS_CHOICES)),
        created_after=dict(type="str"), created_before=dict(type="str"), **AWS_ARG_SPEC), _backup_report,
        _aws_location),
    "hci_edge_device": Kind(dict(
        job_name=dict(type="str", aliases=["job_id"]), job_names=dict(type="list", elements="str", aliases=["job_ids"]),
        resource_uri=dict(type="str", required=True), edge_device_name=dict(type="str", default=DEFAULT_EDGE_DEVICE),
        api_version=dict(type="str", default=DEFAULT_API_VERSION), **_azure.AZURE_ARG_SPEC), _hci_edge_device,
        _hci_location),
}
