# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure Stack HCI edge device jobs (Microsoft.AzureStackHCI/edgeDevices/jobs): validation, the job source, the
info handler.

Everything the user gives is checked here before any request (and before any token is fetched): a name that the
REST spec's pattern rejects, or a resource_uri that is not the ARM id of an Arc machine, never reaches the network.
"""
from __future__ import annotations

import re
import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._azure import arm
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.source import ARM_GROUP_PREFIX, ArmJobSource, info_arg_spec
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.ids import refuse_encoded
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import info_handler
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import Selection, pick_from_pages, select_ids
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_edge_device.status import PROVIDER

# The stable version of the 2024-09-01-preview shape (CONTRACT "Choosing jobs"): Azure retires preview versions.
DEFAULT_API_VERSION = "2025-10-01"
DEFAULT_EDGE_DEVICE = "default"

# The REST spec's pattern for both jobsName and edgeDeviceName.
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9-]{3,24}$")
API_VERSION_PATTERN = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(-preview)?$")
# Arc machine: letters, digits, underscores, hyphens, periods, 1-54.
RESOURCE_URI_PATTERN = re.compile(
    ARM_GROUP_PREFIX + r"/providers/Microsoft\.HybridCompute/machines/(?P<machine>[a-zA-Z0-9_.-]{1,54})$", re.IGNORECASE,
)
RESOURCE_URI_SHAPE = "/subscriptions/{subscription id}/resourceGroups/{group}/providers/Microsoft.HybridCompute/machines/{name}"


def _show(value: t.Any) -> str:
    # repr keeps control characters visible without echoing them raw into a log line.
    return repr(value)[:120]


def validate_name(value: t.Any, option: str) -> str:
    if not isinstance(value, str) or not value:
        raise bad_input(f"Option {option} must be a non-empty string.")
    refuse_encoded(option, value, "edge device name" if option == "edge_device_name" else "edge device job name")
    if not NAME_PATTERN.match(value):
        raise bad_input(f"Option {option} {_show(value)} is not a valid name: it must be 3 to 24 letters, digits or "
                        "hyphens (pattern ^[a-zA-Z0-9-]{3,24}$), so '..', '/', '?' and '#' are never allowed.")
    return value


def validate_api_version(value: t.Any) -> str:
    match = API_VERSION_PATTERN.match(value) if isinstance(value, str) else None
    if not match or not (1 <= int(match.group(2)) <= 12 and 1 <= int(match.group(3)) <= 31):
        raise bad_input(f"Option api_version {_show(value)} must look like YYYY-MM-DD or YYYY-MM-DD-preview "
                        f"(for example {DEFAULT_API_VERSION} or 2024-09-01-preview).")
    return value


def parse_resource_uri(value: t.Any) -> dict:
    """The Arc machine's ARM id, checked and split: {resource_uri, subscription, group, machine}."""
    if not isinstance(value, str) or not value:
        raise bad_input(f"Option resource_uri must be the ARM id of an Arc machine, {RESOURCE_URI_SHAPE}.")
    refuse_encoded("resource_uri", value, "Arc machine ARM id")
    problems = []
    if any(ord(c) < 32 or ord(c) == 127 for c in value) or any(c.isspace() for c in value):
        problems.append("it contains control characters or whitespace")
    if ".." in value:
        problems.append("it contains '..'")
    if "/./" in value or value.endswith("/."):
        problems.append("it has a '.' segment")
    for char, what in (("?", "'?'"), ("#", "'#'"), ("%", "percent-encoding"), ("\\", "a backslash")):
        if char in value:
            problems.append(f"it contains {what}")
    if value.endswith("/"):
        problems.append("it ends with '/'")
    if "//" in value:
        problems.append("it contains an empty segment")
    if problems:
        raise bad_input(f"Option resource_uri {_show(value)} is not an Arc machine ARM id ({'; '.join(problems)}); "
                        f"expected {RESOURCE_URI_SHAPE}.")
    # The REST spec's own examples omit the leading slash; accept that and send the canonical form.
    uri = value if value.startswith("/") else "/" + value
    match = RESOURCE_URI_PATTERN.match(uri)
    if not match:
        raise bad_input(f"Option resource_uri {_show(value)} is not an Arc machine ARM id; expected "
                        f"{RESOURCE_URI_SHAPE}.")
    return {"resource_uri": uri, **match.groupdict()}


def validate_params(params: t.Mapping, ids: list | None) -> dict:
    """Check every HCI input before any request. Returns the parsed resource_uri."""
    for job in ids or []:
        validate_name(job, "job_name" if ids is not None and len(ids) == 1 and params.get("job_name") else "job_names")
    validate_name(params.get("edge_device_name") or DEFAULT_EDGE_DEVICE, "edge_device_name")
    validate_api_version(params.get("api_version") or DEFAULT_API_VERSION)
    return parse_resource_uri(params.get("resource_uri"))


def jobs_path(resource_uri: str, edge_device_name: str) -> str:
    return f"{resource_uri}/providers/Microsoft.AzureStackHCI/edgeDevices/{edge_device_name}/jobs"


# hci_edge_device_job_info's options (the module adds the wait options); the event source takes the same.
INFO_ARG_SPEC: dict = info_arg_spec("job_name", "job_names", DEFAULT_API_VERSION,
                                    resource_uri=dict(type="str", required=True),
                                    edge_device_name=dict(type="str", default=DEFAULT_EDGE_DEVICE))


class HciJobSource(ArmJobSource):
    """Get and ListByEdgeDevice of EdgeDeviceJobs on one edge device of one Arc machine."""

    provider = PROVIDER
    id_label = "HCI edge device job"

    def __init__(self, client, resource_uri: str, edge_device_name: str = DEFAULT_EDGE_DEVICE,
                 api_version: str = DEFAULT_API_VERSION) -> None:
        self.target = parse_resource_uri(resource_uri)
        self.edge_device_name = validate_name(edge_device_name, "edge_device_name")
        super().__init__(client, validate_api_version(api_version),
                         f"{self.target['resource_uri'].lower()}/edgeDevices/{self.edge_device_name.lower()}")

    def location(self) -> str:
        return (f"on edge device {self.edge_device_name} of Arc machine {self.target['machine']} "
                f"in resource group {self.target['group']}")

    def describe(self, job_id: str) -> dict:
        validate_name(job_id, "job_name")
        url = self.client.url(jobs_path(self.target["resource_uri"], self.edge_device_name) + "/" + job_id)
        return self.client.get_json(url, f"{self.id_label} {job_id} {self.location()}", self._params())

    def fetch_batch(self, ids: list, hints: dict) -> dict:
        """Many jobs through ListByEdgeDevice, whose items are the whole ARM resources that a GET returns."""
        url = self.client.url(jobs_path(self.target["resource_uri"], self.edge_device_name))
        pages = self.client.pages(url, f"{len(ids)} HCI edge device jobs {self.location()}", self._params())
        # ARM names are case-insensitive: answer the id as asked.
        asked = {job_id.lower(): job_id for job_id in ids}
        found = pick_from_pages(pages, asked, lambda job: str(job.get("name") or "").lower() or None)
        return {asked[key]: job for key, job in found.items()}

    def list_jobs(self) -> list:
        url = self.client.url(jobs_path(self.target["resource_uri"], self.edge_device_name))
        return self.client.list_all(url, f"the HCI edge device jobs {self.location()}", self._params())


def select_jobs(params: t.Mapping) -> Selection:
    """hci_edge_device_job_info's options (and the event source's) checked, before any request (and before any
    token is fetched); connecting resolves the credentials and the cloud."""
    ids = select_ids(params, "job_name", "job_names")
    validate_params(params, ids)
    return Selection(ids, lambda deadline=None: HciJobSource(arm.create_client(params, deadline=deadline), params["resource_uri"],
                                                             params.get("edge_device_name") or DEFAULT_EDGE_DEVICE,
                                                             params.get("api_version") or DEFAULT_API_VERSION))


# The handler of hci_edge_device_job_info: the kind's selection, then the first look and the wait (``_core.result.run_jobs``).
edge_device_job_info: t.Callable[[t.Any], dict] = info_handler(select_jobs)
