"""The emulator's Azure side: authority, metadata, Resource Manager for HCI edge device jobs, against the REST spec."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests

from emulator.azure import AUDIENCE
from hci_spec import check_job, check_list

REPO = Path(__file__).resolve().parents[2]
SPEC_EXAMPLES = REPO / "tests/unit/plugins/module_utils/data"


class Azure:
    """A test client for the in-process emulator's HTTPS listener."""

    def __init__(self, emu) -> None:
        self.emu = emu
        self.base = emu.https_endpoint
        self.verify = str(emu.ca_file)
        self.creds = emu.config["azure"]
        self.uri = (f"/subscriptions/{self.creds['subscription_id']}/resourceGroups/rg1/providers/"
                    "Microsoft.HybridCompute/machines/node-1")

    def token_response(self, **overrides):
        data = {"grant_type": "client_credentials", "client_id": self.creds["client_id"],
                "client_secret": self.creds["secret"], "scope": AUDIENCE + "/.default"}
        data.update(overrides)
        tenant = data.pop("tenant", self.creds["tenant"])
        return requests.post(f"{self.base}/{tenant}/oauth2/v2.0/token", data=data, verify=self.verify, timeout=10)

    def token(self) -> str:
        resp = self.token_response()
        assert resp.status_code == 200, resp.text
        return resp.json()["access_token"]

    def jobs_url(self, name: str | None = None, edge: str = "default") -> str:
        url = f"{self.base}{self.uri}/providers/Microsoft.AzureStackHCI/edgeDevices/{edge}/jobs"
        return url + (f"/{name}" if name else "")

    def get(self, url, token=None, api_version="2024-09-01-preview", **kw):
        headers = {} if token is False else {"Authorization": "Bearer " + (token or self.token())}
        params = {} if api_version is None else {"api-version": api_version}
        return requests.get(url, params=params, headers=headers, verify=self.verify, timeout=10, **kw)

    def put(self, name, body, api_version="2024-09-01-preview"):
        return requests.put(self.jobs_url(name), params={"api-version": api_version}, json=body, verify=self.verify,
                            headers={"Authorization": "Bearer " + self.token()}, timeout=10)

    def seed(self, *names, **spec):
        return self.emu.admin("POST", "/jobs", {"jobs": [{"kind": "hci_edge_device", "resource_uri": self.uri,
                                                          "name": n, **spec} for n in names]})


@pytest.fixture
def az(emu):
    return Azure(emu)


REMOTE_SUPPORT = {"kind": "HCI", "properties": {"jobType": "RemoteSupport", "accessLevel": "Diagnostics",
                                                "expirationTimestamp": "2030-01-29T10:43:27.9471574Z", "type": "Enable"}}
COLLECT_LOG = {"kind": "HCI", "properties": {"jobType": "CollectLog", "fromDate": "2024-01-29T10:43:27.9471574Z",
                                             "toDate": "2024-01-30T10:43:27.9471574Z", "deploymentMode": "Validate"}}


def test_spec_examples_pass_the_checker_so_it_checks_what_the_spec_says():
    get = json.loads((SPEC_EXAMPLES / "EdgeDeviceJobs_Get_RemoteSupport.json").read_text())
    assert check_job(get["responses"]["200"]["body"]) == []
    listed = json.loads((SPEC_EXAMPLES / "EdgeDeviceJobs_ListByEdgeDevice.json").read_text())
    assert check_list(listed["responses"]["200"]["body"]) == []
    assert check_job({"kind": "HCI", "properties": {"jobType": "CollectLog", "status": "Done"}})


def test_metadata_and_openid_configuration(az):
    meta = requests.get(az.base + "/metadata/endpoints?api-version=1.0", verify=az.verify, timeout=10).json()
    assert meta["authentication"]["loginEndpoint"] == az.base + "/"
    assert meta["authentication"]["audiences"] == [AUDIENCE]
    oidc = requests.get(f"{az.base}/{az.creds['tenant']}/v2.0/.well-known/openid-configuration", verify=az.verify,
                        timeout=10).json()
    assert oidc["token_endpoint"] == f"{az.base}/{az.creds['tenant']}/oauth2/v2.0/token"
    assert oidc["issuer"].startswith(az.base) and "authorization_endpoint" in oidc


@pytest.mark.parametrize("override,status,error", [
    ({"client_secret": "wrong"}, 401, "invalid_client"),
    ({"client_id": "00000000-0000-0000-0000-000000000000"}, 400, "unauthorized_client"),
    ({"tenant": "other-tenant"}, 400, "invalid_request"),
    ({"scope": "https://management.azure.com/.default"}, 400, "invalid_scope"),
    ({"grant_type": "password"}, 400, "unsupported_grant_type"),
])
def test_token_endpoint_checks_the_client_credentials(az, override, status, error):
    resp = az.token_response(**override)
    assert resp.status_code == status and resp.json()["error"] == error
    assert resp.json()["error_description"].startswith("AADSTS")
    assert az.creds["secret"] not in resp.text


def test_tokens_are_recorded_as_secrets_and_expire(az):
    body = az.token_response().json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert body["access_token"] in az.emu.admin("GET", "/secrets")["values"]
    az.emu.admin("POST", "/azure/settings", {"token_lifetime": 1})
    short = az.token()
    az.seed("job-exp")
    assert az.get(az.jobs_url("job-exp"), token=short).status_code == 200
    time.sleep(1.2)
    resp = az.get(az.jobs_url("job-exp"), token=short)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "ExpiredAuthenticationToken"


@pytest.mark.parametrize("token,code", [(False, "AuthenticationFailed"), ("not-a-token", "InvalidAuthenticationToken")])
def test_missing_or_foreign_token_is_401_with_www_authenticate(az, token, code):
    resp = az.get(az.jobs_url("job-1"), token=token)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == code
    assert resp.headers["WWW-Authenticate"].startswith("Bearer authorization_uri=")


def test_admin_can_expire_every_token(az):
    token = az.token()
    az.emu.admin("POST", "/azure/tokens/expire")
    assert az.get(az.jobs_url(), token=token).json()["error"]["code"] == "ExpiredAuthenticationToken"


def test_get_job_conforms_to_the_spec_and_moves_on_its_timeline(az):
    # Seconds apart, not tenths: beside a second make test the first read came more than 0.3 s after the seeding.
    # Each read is timed from before the seeding, half a step into its state, so 2.5 s of lag either way still holds.
    t0 = time.monotonic()
    az.seed("job-tl", timeline=[["Scheduled", 0], ["DeploymentInProgress", 5], ["Succeeded", 10]])
    first = az.get(az.jobs_url("job-tl")).json()
    assert check_job(first) == []
    assert first["properties"]["status"] == "Scheduled" and first["properties"]["provisioningState"] == "Accepted"
    assert first["type"] == "Microsoft.AzureStackHCI/edgeDevices/jobs" and first["name"] == "job-tl"
    assert first["id"] == az.uri + "/providers/Microsoft.AzureStackHCI/edgeDevices/default/jobs/job-tl"
    time.sleep(max(0.0, t0 + 7.5 - time.monotonic()))
    middle = az.get(az.jobs_url("job-tl")).json()
    assert middle["properties"]["status"] == "DeploymentInProgress" and check_job(middle) == []
    assert 0 < middle["properties"]["reportedProperties"]["percentComplete"] < 100
    time.sleep(max(0.0, t0 + 12.5 - time.monotonic()))
    last = az.get(az.jobs_url("job-tl")).json()
    assert last["properties"]["status"] == "Succeeded" and check_job(last) == []
    assert last["properties"]["reportedProperties"]["percentComplete"] == 100 and "endTimeUtc" in last["properties"]


def test_failed_job_carries_the_step_exception(az):
    az.seed("job-fail", job_type="RemoteSupport", timeline=[["Scheduled", 0], ["DeploymentFailed", 0, "no route"]])
    job = az.get(az.jobs_url("job-fail")).json()
    assert check_job(job) == []
    steps = job["properties"]["reportedProperties"]["deploymentStatus"]["steps"]
    assert steps[0]["exception"] == ["no route"]
    assert job["properties"]["reportedProperties"]["nodeSettings"]["connectionErrorMessage"] == "no route"


def test_job_without_status_like_the_spec_examples(az):
    az.seed("job-nost", timeline=[["NoStatus", 0]])
    job = az.get(az.jobs_url("job-nost")).json()
    assert "status" not in job["properties"] and "provisioningState" not in job["properties"] and check_job(job) == []


def test_unknown_job_is_resource_not_found(az):
    resp = az.get(az.jobs_url("job-none"))
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "ResourceNotFound"


def test_api_versions(az):
    az.seed("job-ver")
    assert az.get(az.jobs_url("job-ver"), api_version="2025-10-01").status_code == 200
    resp = az.get(az.jobs_url("job-ver"), api_version="2099-01-01")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "InvalidResourceType"
    assert "2099-01-01" in resp.json()["error"]["message"] and "2024-09-01-preview" in resp.json()["error"]["message"]
    resp = az.get(az.jobs_url("job-ver"), api_version=None)
    assert resp.json()["error"]["code"] == "MissingApiVersionParameter"


def test_list_pages_with_next_link(az):
    az.seed(*[f"job-p{i}" for i in range(5)])
    az.emu.admin("POST", "/azure/settings", {"page_size": 2})
    token = az.token()
    names, url, params, pages = [], az.jobs_url(), {"api-version": "2024-09-01-preview"}, 0
    while url:
        body = requests.get(url, params=params, headers={"Authorization": "Bearer " + token}, verify=az.verify,
                            timeout=10).json()
        assert check_list(body) == []
        names += [j["name"] for j in body["value"]]
        url, params, pages = body.get("nextLink"), None, pages + 1
        if url:
            assert url.startswith(az.base)
    assert names == [f"job-p{i}" for i in range(5)] and pages == 3
    az.emu.admin("POST", "/azure/settings", {"next_link_base": "http://127.0.0.1:9"})
    body = az.get(az.jobs_url()).json()
    assert body["nextLink"].startswith("http://127.0.0.1:9/subscriptions/")


def test_put_creates_with_async_operation_and_is_idempotent(az):
    resp = az.put("support-1", REMOTE_SUPPORT)
    assert resp.status_code == 201 and check_job(resp.json()) == []
    op_url = resp.headers["Azure-AsyncOperation"]
    assert op_url.startswith(az.base) and "/operationStatuses/" in op_url and int(resp.headers["Retry-After"]) >= 1
    op = requests.get(op_url, headers={"Authorization": "Bearer " + az.token()}, verify=az.verify, timeout=10).json()
    assert op["status"] in ("InProgress", "Succeeded") and op["resourceId"].endswith("/jobs/support-1")
    again = az.put("support-1", REMOTE_SUPPORT)
    assert again.status_code == 200 and again.json()["properties"]["jobId"] == resp.json()["properties"]["jobId"]
    changed = json.loads(json.dumps(REMOTE_SUPPORT))
    changed["properties"]["accessLevel"] = "DiagnosticsAndRepair"
    assert az.put("support-1", changed).status_code == 409


def test_put_validate_mode_ends_at_validation_success(az):
    az.emu.admin("POST", "/timelines", {"hci_edge_device:Validate": [["Scheduled", 0], ["ValidationSuccess", 0.2]]})
    resp = az.put("collect-1", COLLECT_LOG)
    assert resp.status_code == 201
    time.sleep(0.3)
    job = az.get(az.jobs_url("collect-1")).json()
    assert job["properties"]["status"] == "ValidationSuccess" and job["properties"]["provisioningState"] == "Succeeded"
    op = requests.get(resp.headers["Azure-AsyncOperation"], headers={"Authorization": "Bearer " + az.token()},
                      verify=az.verify, timeout=10).json()
    assert op["status"] == "Succeeded" and "endTime" in op


@pytest.mark.parametrize("props", [
    {"jobType": "CollectLog", "fromDate": "yesterday", "toDate": "2024-01-01T00:00:00Z"},
    {"jobType": "RemoteSupport", "accessLevel": "Root", "expirationTimestamp": "2030-01-01T00:00:00Z", "type": "Enable"},
    {"jobType": "RemoteSupport", "accessLevel": "None", "expirationTimestamp": "2030-01-01T00:00:00Z", "type": "Maybe"},
    {"jobType": "Reboot"},
])
def test_put_rejects_bodies_the_spec_rejects(az, props):
    resp = az.put("bad-1", {"kind": "HCI", "properties": props})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "InvalidRequestContent"


def test_throttle_fault_is_429_with_retry_after(az):
    az.seed("job-thr")
    az.emu.admin("POST", "/faults", {"kind": "throttle", "retry_after": 3,
                                     "match": {"service": "azure", "operation": "EdgeDeviceJobs_Get"}})
    resp = az.get(az.jobs_url("job-thr"))
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "3"
    assert resp.json()["error"]["code"] == "TooManyRequests"
    assert az.get(az.jobs_url("job-thr")).status_code == 200


def test_a_token_endpoint_that_is_down_answers_in_entras_format_or_drops(az):
    az.emu.admin("POST", "/faults", {"faults": [
        {"kind": "error", "status": 503, "retry_after": 2, "match": {"service": "entra", "operation": "Token"}},
        {"kind": "drop", "match": {"service": "entra", "operation": "Token"}}]})
    down = az.token_response(client_secret="not even checked")
    assert down.status_code == 503 and down.headers["Retry-After"] == "2"
    assert down.json()["error"] == "temporarily_unavailable" and down.json()["error_description"].startswith("AADSTS50000")
    with pytest.raises(requests.exceptions.ConnectionError):
        az.token_response()
    assert az.token()   # the faults are used up: the endpoint is back
    assert [r.get("fault") for r in az.emu.requests() if r.get("operation") == "Token"] == ["error", "drop", None]


def test_request_log_marks_bearer_and_hides_tokens(az):
    az.seed("job-log")
    token = az.token()
    az.get(az.jobs_url("job-log"), token=token)
    log = az.emu.requests()
    arm = [e for e in log if e["service"] == "azure-arm"]
    assert arm and arm[-1]["bearer"] and arm[-1]["auth_ok"] and arm[-1]["operation"] == "EdgeDeviceJobs_Get"
    assert token not in json.dumps(log) and az.creds["secret"] not in json.dumps(log)
