# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure Local (Azure Stack HCI) update runs (Microsoft.AzureStackHCI/clusters/updates/updateRuns): validation, the
run source, the info handler.

Everything the user gives is checked here before any request (and before any token is fetched): a cluster_id that
is not the ARM id of an Azure Local cluster, or an update or run name that could change the URL's path, never
reaches the network.
"""
from __future__ import annotations

import re
import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._azure import arm
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.source import ARM_GROUP_PREFIX, ArmJobSource, info_arg_spec
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.ids import refuse_encoded, refuse_path_breakers
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import info_handler
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import Selection, pick_from_pages, select_ids
# The api-version check is the Microsoft.AzureStackHCI provider's, shared with the edge device jobs.
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_edge_device.source import validate_api_version
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_update_run.status import PROVIDER, run_name

DEFAULT_API_VERSION = "2025-10-01"
# The REST spec gives update and run names no pattern; real ones are "Solution12.2604.1003.20" and GUIDs. Letters,
# digits, '.', '_' and '-' keep every real name and nothing that could change a URL's path or query.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
CLUSTER_ID_PATTERN = re.compile(
    ARM_GROUP_PREFIX + r"/providers/Microsoft\.AzureStackHCI/clusters/(?P<cluster>[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_-]|[A-Za-z0-9])$",
    re.IGNORECASE,
)
CLUSTER_ID_SHAPE = "/subscriptions/{subscription id}/resourceGroups/{group}/providers/Microsoft.AzureStackHCI/clusters/{name}"


def validate_name(value: t.Any, option: str, label: str) -> str:
    if not isinstance(value, str) or not value:
        raise bad_input(f"Option {option} must be a non-empty string.")
    refuse_path_breakers(option, value, label)
    if not NAME_PATTERN.match(value):
        raise bad_input(f"Option {option}: {repr(value)[:80]} is not a valid {label}: it must be 1 to 128 letters, "
                        "digits, '.', '_' or '-', starting with a letter or digit.")
    return value


def check_run_name(option: str, value: t.Any) -> str:
    return validate_name(value, option, "update run name")


def parse_cluster_id(value: t.Any) -> dict:
    """The cluster's ARM id, checked and split: {cluster_id, subscription, group, cluster}."""
    if not isinstance(value, str) or not value:
        raise bad_input(f"Option cluster_id must be the ARM id of an Azure Local cluster, {CLUSTER_ID_SHAPE}.")
    refuse_encoded("cluster_id", value, "Azure Local cluster ARM id")
    uri = value if value.startswith("/") else "/" + value
    match = CLUSTER_ID_PATTERN.match(uri)
    if not match or ".." in uri:
        raise bad_input(f"Option cluster_id {repr(value)[:120]} is not an Azure Local cluster ARM id; expected "
                        f"{CLUSTER_ID_SHAPE} (no '..', '?', '#', trailing '/' or empty segment).")
    return {"cluster_id": uri, **match.groupdict()}


def update_path(cluster_id: str, update_name: str) -> str:
    return f"{cluster_id}/updates/{update_name}"


def jobs_path(cluster_id: str, update_name: str) -> str:
    return update_path(cluster_id, update_name) + "/updateRuns"


def validate_location(params: t.Mapping) -> dict:
    """cluster_id, update_name and api_version checked: {target, update_name, api_version}."""
    target = parse_cluster_id(params.get("cluster_id"))
    update = validate_name(params.get("update_name"), "update_name", "update name")
    return {"target": target, "update_name": update,
            "api_version": validate_api_version(params.get("api_version") or DEFAULT_API_VERSION)}


# hci_update_run_info's options (the module adds the wait options); the event source takes the same.
INFO_ARG_SPEC: dict = info_arg_spec("run_name", "run_names", DEFAULT_API_VERSION,
                                    cluster_id=dict(type="str", required=True), update_name=dict(type="str", required=True))


class HciUpdateRunSource(ArmJobSource):
    """UpdateRuns_Get and UpdateRuns_List of one update of one Azure Local cluster (and Updates_Get, for the start
    module's plan)."""

    provider = PROVIDER
    id_label = "Azure Local update run"

    def __init__(self, client, cluster_id: str, update_name: str, api_version: str = DEFAULT_API_VERSION) -> None:
        self.target = parse_cluster_id(cluster_id)
        self.update_name = validate_name(update_name, "update_name", "update name")
        super().__init__(client, validate_api_version(api_version),
                         f"{self.target['cluster_id'].lower()}/updates/{self.update_name.lower()}")

    def location(self) -> str:
        return (f"of update {self.update_name} on cluster {self.target['cluster']} "
                f"in resource group {self.target['group']}")

    def _runs_url(self) -> str:
        return self.client.url(jobs_path(self.target["cluster_id"], self.update_name))

    def describe(self, job_id: str) -> dict:
        check_run_name("run_name", job_id)
        return self.client.get_json(self._runs_url() + "/" + job_id, f"{self.id_label} {job_id} {self.location()}",
                                    self._params())

    def fetch_batch(self, ids: list, hints: dict) -> dict:
        """Many runs through UpdateRuns_List, whose items are the whole resources that a GET returns."""
        pages = self.client.pages(self._runs_url(), f"{len(ids)} update runs {self.location()}", self._params())
        asked = {job_id.lower(): job_id for job_id in ids}   # ARM names are case-insensitive: answer as asked
        found = pick_from_pages(pages, asked, lambda run: (run_name(run) or "").lower() or None)
        return {asked[key]: run for key, run in found.items()}

    def list_jobs(self) -> list:
        return self.client.list_all(self._runs_url(), f"the update runs {self.location()}", self._params())

    def get_update(self) -> dict:
        """The update itself (Updates_Get): its state says whether it is installed."""
        url = self.client.url(update_path(self.target["cluster_id"], self.update_name))
        return self.client.get_json(url, f"update {self.update_name} of cluster {self.target['cluster']} in resource "
                                         f"group {self.target['group']}", self._params())


def connect(params: t.Mapping, location: dict, deadline=None) -> HciUpdateRunSource:
    return HciUpdateRunSource(arm.create_client(params, deadline=deadline), location["target"]["cluster_id"],
                              location["update_name"], location["api_version"])


def select_jobs(params: t.Mapping) -> Selection:
    """hci_update_run_info's options (and the event source's) checked, before any request (and before any token is
    fetched); connecting resolves the credentials and the cloud."""
    ids = select_ids(params, "run_name", "run_names", check=check_run_name)
    location = validate_location(params)
    return Selection(ids, lambda deadline=None: connect(params, location, deadline))


# The handler of hci_update_run_info: the kind's selection, then the first look and the wait (``_core.result.run_jobs``).
update_run_info: t.Callable[[t.Any], dict] = info_handler(select_jobs)
