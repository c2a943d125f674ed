"""Microsoft's own SDK (azure-mgmt-azurestackhci, a test dependency only) as an independent client of the emulator:
create, read and list an edge device job at the stable version the modules default to and at the SDK's default."""
from __future__ import annotations

import pytest
from azure.identity import ClientSecretCredential
from azure.mgmt import azurestackhci
from azure.mgmt.azurestackhci import models

from emulator.azure import AUDIENCE
from hci_spec import check_job

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
