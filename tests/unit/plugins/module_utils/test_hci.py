# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for _hci_edge_device/source.py: validation before any request, the job source's URLs, the REST spec's
examples."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import job_entry, summarize
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_edge_device import source as hci_source

DATA = Path(__file__).parent / "data"
URI = "/subscriptions/fd3c3665-1729-4b7b-9a38-238e83b0f98b/resourceGroups/ArcInstance-rg/providers/Microsoft.HybridCompute/machines/Node-1"


def example(name):
    return json.loads((DATA / name).read_text())["responses"]["200"]["body"]


# --------------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize("name", ["abc", "collectLog", "Remote-Support-01", "a" * 24, "-oUxs"])
def test_valid_names(name):
    assert hci_source.validate_name(name, "job_name") == name


@pytest.mark.parametrize("name", ["ab", "a" * 25, "../etc", "a/b", "job?x", "job#1", "job name", "jöb", "a.b.c",
                                  "job\n1", "", None, 5])
def test_invalid_names(name):
    with pytest.raises(JobGateError) as err:
        hci_source.validate_name(name, "job_name")
    assert err.value.code == "ValidationError" and "job_name" in err.value.msg


@pytest.mark.parametrize("value", ["2024-09-01-preview", "2025-10-01", "2023-12-01-preview"])
def test_valid_api_versions(value):
    assert hci_source.validate_api_version(value) == value


@pytest.mark.parametrize("value", ["2024-9-1", "2024-13-01", "2024-09-01-beta", "latest", "2024-09-01&x=1", "", None])
def test_invalid_api_versions(value):
    with pytest.raises(JobGateError):
        hci_source.validate_api_version(value)


@pytest.mark.parametrize("value,machine", [
    (URI, "Node-1"),
    (URI.lstrip("/"), "Node-1"),   # the REST spec's examples leave out the leading slash
    (URI.replace("resourceGroups", "resourcegroups").replace("Microsoft.HybridCompute", "microsoft.hybridcompute"), "Node-1"),
    (URI.replace("ArcInstance-rg", "rg.with_(parens)"), "Node-1"),
])
def test_valid_resource_uris(value, machine):
    parsed = hci_source.parse_resource_uri(value)
    assert parsed["machine"] == machine and parsed["resource_uri"].startswith("/subscriptions/")


@pytest.mark.parametrize("value", [
    URI + "/",
    URI + "?api-version=1",
    URI + "#frag",
    URI.replace("Node-1", "..%2F..%2Fx"),
    URI.replace("Node-1", "%2e%2e"),
    URI.replace("ArcInstance-rg", ".."),
    URI + "/../../other",
    URI.replace("Node-1", "Node\x00-1"),
    URI.replace("Node-1", "Node 1"),
    URI.replace("fd3c3665-1729-4b7b-9a38-238e83b0f98b", "not-a-guid"),
    URI.replace("Microsoft.HybridCompute/machines", "Microsoft.Compute/virtualMachines"),
    URI + "/providers/Microsoft.AzureStackHCI/edgeDevices/default",
    URI.replace("/subscriptions/", "//subscriptions/"),
    URI.replace("ArcInstance-rg", "rg."),
    "https://management.azure.com" + URI,
    "",
    None,
])
def test_invalid_resource_uris(value):
    with pytest.raises(JobGateError) as err:
        hci_source.parse_resource_uri(value)
    assert err.value.code == "ValidationError" and "resource_uri" in err.value.msg
    assert "\x00" not in err.value.msg


def test_validate_params_checks_every_name_before_any_request():
    params = {"resource_uri": URI, "edge_device_name": "default", "api_version": "2025-10-01"}
    assert hci_source.validate_params(params, ["job-1", "job-2"])["machine"] == "Node-1"
    with pytest.raises(JobGateError):
        hci_source.validate_params(params, ["job-1", "../x"])
    with pytest.raises(JobGateError):
        hci_source.validate_params(dict(params, edge_device_name="a/b"), None)


# --------------------------------------------------------------------------------------------- job source
class RecordingClient:
    base = "https://arm.test"

    def __init__(self, answer):
        self.answer = answer
        self.calls = []

    def url(self, path):
        return self.base + path

    def get_json(self, url, what, params=None):
        self.calls.append(("get", url, what, params))
        return self.answer

    def list_all(self, url, what, params=None):
        self.calls.append(("list", url, what, params))
        return self.answer


def test_describe_gets_the_job_with_the_api_version():
    client = RecordingClient({"name": "job1"})
    source = hci_source.HciJobSource(client, URI, "default", "2025-10-01")
    assert source.describe("job1") == {"name": "job1"}
    _unused, url, what, params = client.calls[0]
    assert url == f"https://arm.test{URI}/providers/Microsoft.AzureStackHCI/edgeDevices/default/jobs/job1"
    assert params == {"api-version": "2025-10-01"}
    assert "job1" in what and "Node-1" in what and "default" in what


def test_list_jobs_lists_the_edge_device():
    client = RecordingClient([{"name": "a"}])
    source = hci_source.HciJobSource(client, URI.lstrip("/"))
    assert source.list_jobs() == [{"name": "a"}]
    _unused, url, _unused, params = client.calls[0]
    assert url == f"https://arm.test{URI}/providers/Microsoft.AzureStackHCI/edgeDevices/default/jobs"
    assert params == {"api-version": hci_source.DEFAULT_API_VERSION}
    assert source.location() == "on edge device default of Arc machine Node-1 in resource group ArcInstance-rg"


def test_describe_refuses_a_bad_name_without_a_request():
    client = RecordingClient({})
    with pytest.raises(JobGateError):
        hci_source.HciJobSource(client, URI).describe("../x")
    assert client.calls == []


# --------------------------------------------------------------------------------------------- REST spec examples
def test_spec_get_example_normalizes():
    entry = job_entry("hci_edge_device", example("EdgeDeviceJobs_Get_RemoteSupport.json"))
    block = entry["normalized"]
    assert block["provider"] == "hci_edge_device" and block["job_id"] == "collectLog"
    assert block["native_status"] is None and block["state"] == "unknown" and block["terminal"] is False
    assert block["created_at"].startswith("2024-07-01T17:02:21")
    assert entry["system_data"]["created_by"] == "zsnvvvbj" and entry["properties"]["job_type"] == "RemoteSupport"


def test_spec_list_example_normalizes():
    body = example("EdgeDeviceJobs_ListByEdgeDevice.json")
    entries = [job_entry("hci_edge_device", raw) for raw in body["value"]]
    assert [e["normalized"]["job_id"] for e in entries] == ["collectLog"]
    summary = summarize(entries)
    assert summary["total"] == 1 and summary["unknown"] == 1 and summary["all_terminal"] is False


def _job(status=None, mode=None, **props):
    properties = dict(props)
    if status is not None:
        properties["status"] = status
    if mode is not None:
        properties["deploymentMode"] = mode
    return {"id": f"{URI}/providers/Microsoft.AzureStackHCI/edgeDevices/default/jobs/j1", "name": "j1",
            "type": "Microsoft.AzureStackHCI/edgeDevices/jobs", "kind": "HCI", "properties": properties}


@pytest.mark.parametrize("status,mode,state", [
    ("Scheduled", None, "pending"),
    ("ValidationInProgress", None, "running"),
    ("DeploymentInProgress", None, "running"),
    ("ValidationSuccess", "Deploy", "running"),
    ("ValidationSuccess", "Validate", "succeeded"),
    ("Paused", None, "paused"),
    ("Succeeded", None, "succeeded"),
    ("DeploymentSuccess", None, "succeeded"),
    ("Failed", None, "failed"),
    ("ValidationFailed", None, "failed"),
    ("DeploymentFailed", None, "failed"),
    ("Canceled", None, "canceled"),
    ("NotSpecified", None, "unknown"),
])
def test_status_table_rows(status, mode, state):
    block = job_entry("hci_edge_device", _job(status, mode))["normalized"]
    assert (block["native_status"], block["state"]) == (status, state)


def test_percent_and_message_from_reported_properties():
    raw = _job("Failed", reportedProperties={
        "percentComplete": 40,
        "deploymentStatus": {"steps": [{"name": "a", "status": "Error", "exception": ["disk full"]}]},
    })
    block = job_entry("hci_edge_device", raw)["normalized"]
    assert (block["percent_complete"], block["message"]) == (40, "disk full")
    raw = _job("Failed", reportedProperties={"nodeSettings": {"connectionErrorMessage": "no route"}})
    assert job_entry("hci_edge_device", raw)["normalized"]["message"] == "no route"
