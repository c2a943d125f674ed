"""Microsoft's own SDK (azure-mgmt-azurestackhci, a test dependency only) as an independent client of the emulator:
create, read and list an edge device job at the stable version the modules default to and at the SDK's default."""
from __future__ import annotations

import time

import pytest
from azure.identity import ClientSecretCredential
from azure.mgmt import azurestackhci
from azure.mgmt.azurestackhci import models

from emulator.azure import AUDIENCE
from hci_spec import check_job, check_update, check_update_run

SDK_DEFAULT = None  # the client's own default api-version (2026-10-01 in 8.2.0)


def _client(emu, api_version: str | None) -> azurestackhci.AzureStackHCIClient:
    creds = emu.config["azure"]
    ca = str(emu.ca_file)
    # The emulator's authority is not Microsoft's: instance discovery has to be off, as for Azure Stack.
    credential = ClientSecretCredential(creds["tenant"], creds["client_id"], creds["secret"],
                                        authority=emu.https_endpoint, disable_instance_discovery=True,
                                        connection_verify=ca)
    kwargs = {} if api_version is None else {"api_version": api_version}
    return azurestackhci.AzureStackHCIClient(credential, creds["subscription_id"], base_url=emu.https_endpoint,
                                             credential_scopes=[AUDIENCE + "/.default"], connection_verify=ca,
                                             polling_interval=0.2, **kwargs)


@pytest.mark.parametrize("api_version", ["2025-10-01", SDK_DEFAULT], ids=["2025-10-01", "sdk-default"])
def test_sdk_creates_reads_and_lists_an_edge_device_job(emu, api_version):
    timeline = [["Scheduled", 0], ["DeploymentInProgress", 0.2], ["Succeeded", 0.5]]
    emu.admin("POST", "/timelines", {"hci_edge_device": timeline})
    client = _client(emu, api_version)
    # resourceUri is sent as is (x-ms-skip-url-encoding) after the SDK's own leading slash.
    uri = (f"subscriptions/{emu.config['azure']['subscription_id']}/resourceGroups/edge-rg/providers/"
           "Microsoft.HybridCompute/machines/node-1")
    body = models.HciEdgeDeviceJob(properties=models.HciCollectLogJobProperties(
        from_date="2026-01-01T00:00:00Z", to_date="2026-01-02T00:00:00Z", deployment_mode="Deploy"))
    created = client.edge_device_jobs.begin_create_or_update(uri, "sdk-logs-1", body).result(timeout=30)
    assert isinstance(created, models.HciEdgeDeviceJob)
    assert created.properties.job_type == "CollectLog" and created.properties.status == "Succeeded"

    read = client.edge_device_jobs.get(uri, "sdk-logs-1")
    assert isinstance(read.properties, models.HciCollectLogJobProperties)
    assert read.id == f"/{uri}/providers/Microsoft.AzureStackHCI/edgeDevices/default/jobs/sdk-logs-1"
    assert read.properties.job_id == created.properties.job_id and check_job(read.as_dict()) == []

    listed = list(client.edge_device_jobs.list_by_edge_device(uri))
    assert [j.name for j in listed] == ["sdk-logs-1"]

    sent = {e["query"].get("api-version") for e in emu.requests() if e["service"] == "azure-arm"}
    want = api_version or client._config.api_version  # pylint: disable=protected-access
    assert sent == {want}, sent
    if api_version is None:
        assert want == "2026-10-01"  # the SDK's default is what the emulator has to serve


def _raw(pipeline_response, _deserialized, _headers):
    """The answer's JSON as it came over the wire (an SDK operation's ``cls`` hook)."""
    return pipeline_response.http_response.json()


@pytest.mark.parametrize("api_version", ["2025-10-01", SDK_DEFAULT], ids=["2025-10-01", "sdk-default"])
def test_sdk_applies_an_update_and_reads_its_runs(emu, api_version):
    """Updates_Post followed to its end (the SDK's own LRO poller), then UpdateRuns_List/Get and Updates_Get read
    back through the SDK's models, and the wire answers checked against the REST spec's definitions."""
    sub = emu.config["azure"]["subscription_id"]
    update_name = "Solution12.2604.1003.20"
    cluster = f"/subscriptions/{sub}/resourceGroups/edge-rg/providers/Microsoft.AzureStackHCI/clusters/cluster-1"
    emu.admin("POST", "/azure/updates", {"cluster_id": cluster, "name": update_name, "state": "Ready"})
    emu.admin("POST", "/timelines", {"hci_update_run": [["InProgress", 0], ["Succeeded", 0.8]]})
    client = _client(emu, api_version)
    assert client.updates.begin_post("edge-rg", "cluster-1", update_name).result(timeout=30) is None

    runs = list(client.update_runs.list("edge-rg", "cluster-1", update_name))
    assert len(runs) == 1 and isinstance(runs[0], models.UpdateRun)
    run_name = runs[0].id.rsplit("/", 1)[1]
    assert runs[0].name == f"{update_name}/{run_name}"
    read = client.update_runs.get("edge-rg", "cluster-1", update_name, run_name)
    assert read.id == runs[0].id and read.properties.state in ("InProgress", "Succeeded")
    deadline = time.monotonic() + 10
    while read.properties.state != "Succeeded" and time.monotonic() < deadline:
        time.sleep(0.2)
        read = client.update_runs.get("edge-rg", "cluster-1", update_name, run_name)
    assert read.properties.state == "Succeeded" and read.properties.time_started is not None
    assert isinstance(read.properties.progress, models.Step) and read.properties.progress.status == "Success"
    wire = client.update_runs.get("edge-rg", "cluster-1", update_name, run_name, cls=_raw)
    assert check_update_run(wire) == [] and wire["properties"]["progress"]["status"] == "Success"

    update = client.updates.get("edge-rg", "cluster-1", update_name)
    assert isinstance(update, models.Update) and update.properties.state == "Installed"
    assert update.properties.installed_date is not None
    assert check_update(client.updates.get("edge-rg", "cluster-1", update_name, cls=_raw)) == []

    sent = {e["query"].get("api-version") for e in emu.requests() if e["service"] == "azure-arm"}
    assert sent == {api_version or client._config.api_version}  # pylint: disable=protected-access
