"""The emulator's managed identity endpoints and workload identity federation, driven by real azure-identity
credentials (which pick their flow from the environment, as on a real host), and the admin route behind the
test's stand-in `az`."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
from pathlib import Path

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import (
    AzureCliCredential, CredentialUnavailableError, ManagedIdentityCredential, WorkloadIdentityCredential,
)

from emulator.azure import AUDIENCE
from emulator.identity import MSAL_ARC_KEY_DIR, msal_arc_key_dir

SCOPE = AUDIENCE + "/.default"
MI_VARS = ("IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "IMDS_ENDPOINT", "MSI_ENDPOINT",
           "MSI_SECRET", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_AUTHORITY_HOST",
           "AZURE_POD_IDENTITY_AUTHORITY_HOST")


@pytest.fixture
def clean_env(monkeypatch):
    for name in MI_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def arm_get(emu, token: str) -> requests.Response:
    sub = emu.config["azure"]["subscription_id"]
    url = (f"{emu.https_endpoint}/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/"
           "node-1/providers/Microsoft.AzureStackHCI/edgeDevices/default/jobs")
    return requests.get(url, params={"api-version": "2025-10-01"}, headers={"Authorization": "Bearer " + token},
                        verify=str(emu.ca_file), timeout=10)


def arm_log(emu) -> list:
    return [r for r in emu.requests() if r["service"] == "azure-arm"]


def test_app_service_managed_identity(emu, clean_env):
    info = emu.admin("GET", "/azure/identity")
    clean_env.setenv("IDENTITY_ENDPOINT", info["identity_endpoint"])
    clean_env.setenv("IDENTITY_HEADER", info["identity_header"])
    token = ManagedIdentityCredential().get_token(SCOPE)
    assert arm_get(emu, token.token).status_code == 200
    mi = [r for r in emu.requests() if r["service"] == "managed-identity"]
    assert [(r["operation"], r["status"], r["query"]["api-version"]) for r in mi] == [
        ("AppServiceToken", 200, "2019-08-01")]
    assert mi[0]["query"]["resource"] == AUDIENCE
    assert arm_log(emu)[-1]["token_source"] == "app_service" and arm_log(emu)[-1]["auth_ok"]
    assert token.token in emu.admin("GET", "/secrets")["values"]
    assert info["identity_header"] in emu.admin("GET", "/secrets")["values"]


def test_app_service_answers_like_app_service(emu, clean_env):
    info = emu.admin("GET", "/azure/identity")
    url, header = info["identity_endpoint"], {"X-IDENTITY-HEADER": info["identity_header"]}
    ok = requests.get(url, params={"api-version": "2019-08-01", "resource": AUDIENCE}, headers=header, timeout=10)
    body = ok.json()
    assert set(body) == {"access_token", "expires_on", "resource", "token_type", "client_id"}
    assert isinstance(body["expires_on"], str) and body["expires_on"].isdigit()   # epoch seconds, as a string
    assert body["client_id"] == info["system_assigned_client_id"] and body["token_type"] == "Bearer"
    for params, headers, status, text in (
            ({"api-version": "2019-08-01", "resource": AUDIENCE}, {"X-IDENTITY-HEADER": "wrong"}, 401, "X-IDENTITY-HEADER"),
            ({"api-version": "2019-08-01", "resource": AUDIENCE}, {}, 401, "X-IDENTITY-HEADER"),
            ({"api-version": "2019-08-01", "resource": AUDIENCE, "client_id": "0000"}, header, 400,
             "Unable to load the proper Managed Identity."),
            ({"api-version": "2019-08-01", "resource": "https://vault.azure.net"}, header, 500, "AAD Token"),
            ({"api-version": "2017-09-01", "resource": AUDIENCE}, header, 400, "api-version")):
        resp = requests.get(url, params=params, headers=headers, timeout=10)
        assert resp.status_code == status, (params, resp.text)
        assert resp.json()["statusCode"] == status and text in resp.json()["message"]
        assert "wrong" not in resp.text


def test_user_assigned_identity_by_client_id(emu, clean_env):
    user_id = "5e29463d-71da-4fe0-8e69-999b57db23b0"
    info = emu.admin("POST", "/azure/identity", {"user_assigned": [user_id]})
    clean_env.setenv("IDENTITY_ENDPOINT", info["identity_endpoint"])
    clean_env.setenv("IDENTITY_HEADER", info["identity_header"])
    assert arm_get(emu, ManagedIdentityCredential(client_id=user_id).get_token(SCOPE).token).status_code == 200
    assert emu.requests()[0]["query"]["client_id"] == user_id
    with pytest.raises((ClientAuthenticationError, CredentialUnavailableError), match="Managed Identity"):
        ManagedIdentityCredential(client_id="9eba17f1-0000-4000-8000-000000000000").get_token(SCOPE)


def test_wrong_identity_header_is_refused_without_a_token(emu, clean_env):
    info = emu.admin("GET", "/azure/identity")
    clean_env.setenv("IDENTITY_ENDPOINT", info["identity_endpoint"])
    clean_env.setenv("IDENTITY_HEADER", "not-the-header")
    with pytest.raises((ClientAuthenticationError, CredentialUnavailableError), match="401") as caught:
        ManagedIdentityCredential().get_token(SCOPE)
    assert "not-the-header" not in str(caught.value)
    assert emu.admin("GET", "/azure/tokens")["issued"] == 0


@pytest.fixture
def arc_key_dir():
    with msal_arc_key_dir() as path:
        if path is None:
            pytest.skip(f"the Arc flow needs a writable {MSAL_ARC_KEY_DIR}, where MSAL reads keys from")
        yield path


def test_azure_arc_challenge_flow(emu, clean_env, arc_key_dir):
    info = emu.admin("POST", "/azure/identity", {"arc_key_dir": str(arc_key_dir)})
    clean_env.setenv("IDENTITY_ENDPOINT", info["arc_endpoint"])
    clean_env.setenv("IMDS_ENDPOINT", info["imds_endpoint"])
    token = ManagedIdentityCredential().get_token(SCOPE)
    assert arm_get(emu, token.token).status_code == 200
    arc = [r for r in emu.requests() if r["service"] == "managed-identity"]
    assert [(r["operation"], r["status"]) for r in arc] == [("ArcToken", 401), ("ArcToken", 200)]
    assert arc[0]["query"]["api-version"] == "2020-06-01"
    assert arm_log(emu)[-1]["token_source"] == "arc"
    assert not list(arc_key_dir.glob("*.key")), "a used key file is removed"


def test_arc_challenge_and_wrong_key(emu, tmp_path):
    info = emu.admin("POST", "/azure/identity", {"arc_key_dir": str(tmp_path / "keys")})
    params = {"api-version": "2020-06-01", "resource": AUDIENCE}
    assert requests.get(info["arc_endpoint"], params=params, timeout=10).status_code == 400   # no Metadata: true
    challenge = requests.get(info["arc_endpoint"], params=params, headers={"Metadata": "true"}, timeout=10)
    assert challenge.status_code == 401
    scheme, _unused, path = challenge.headers["WWW-Authenticate"].partition(" realm=")
    assert scheme == "Basic" and Path(path).parent == tmp_path / "keys" and path.endswith(".key")
    key = Path(path).read_text()
    assert key in emu.admin("GET", "/secrets")["values"]
    wrong = requests.get(info["arc_endpoint"], params=params, timeout=10,
                         headers={"Metadata": "true", "Authorization": "Basic " + key[::-1]})
    assert wrong.status_code == 401 and "access_token" not in wrong.text
    right = requests.get(info["arc_endpoint"], params=params, timeout=10,
                         headers={"Metadata": "true", "Authorization": "Basic " + key})
    body = right.json()
    assert right.status_code == 200 and body["expires_in"].isdigit() and body["resource"] == AUDIENCE
    assert not Path(path).exists()
    again = requests.get(info["arc_endpoint"], params=params, timeout=10,
                         headers={"Metadata": "true", "Authorization": "Basic " + key})
    assert again.status_code == 401, "a key is good for one token"


def workload(emu, tmp_path, clean_env, **seed):
    fed = emu.admin("POST", "/azure/workload-identity", seed)
    token_file = tmp_path / "azure-identity-token"
    token_file.write_text(fed["assertion"])
    return fed, WorkloadIdentityCredential(tenant_id=fed["tenant"], client_id=fed["client_id"],
                                           token_file_path=str(token_file), authority=emu.https_endpoint,
                                           disable_instance_discovery=True, connection_verify=str(emu.ca_file))


def test_workload_identity_federated_token(emu, tmp_path, clean_env):
    fed, credential = workload(emu, tmp_path, clean_env)
    token = credential.get_token(SCOPE)
    assert arm_get(emu, token.token).status_code == 200
    assert arm_log(emu)[-1]["token_source"] == "workload_identity"
    token_calls = [r for r in emu.requests() if r["operation"] == "Token"]
    assert [r["status"] for r in token_calls] == [200]
    secrets = emu.admin("GET", "/secrets")["values"]
    assert fed["assertion"] in secrets and token.token in secrets
    assert fed["assertion"] not in str(emu.requests())


@pytest.mark.parametrize("seed, code", [
    ({"register": False}, "AADSTS700016"),                                    # no such app
    ({"lifetime": -400}, "AADSTS700024"),                                     # expired assertion
])
def test_workload_identity_refusals(emu, tmp_path, clean_env, seed, code):
    _unused, credential = workload(emu, tmp_path, clean_env, **seed)
    with pytest.raises(ClientAuthenticationError, match=code):
        credential.get_token(SCOPE)
    assert emu.admin("GET", "/azure/tokens")["issued"] == 0


def test_workload_identity_subject_must_match_the_registered_credential(emu, tmp_path, clean_env):
    fed = emu.admin("POST", "/azure/workload-identity", {"subject": "system:serviceaccount:jobgate:runner"})
    _unused, credential = workload(emu, tmp_path, clean_env, client_id=fed["client_id"], register=False,
                                   subject="system:serviceaccount:other:intruder")
    with pytest.raises(ClientAuthenticationError, match="AADSTS70021.*other:intruder"):
        credential.get_token(SCOPE)
    # A forged assertion (the right claims, not signed by the issuer) is refused too.
    header, body, _sig = fed["assertion"].split(".")
    forged = requests.post(f"{emu.https_endpoint}/{fed['tenant']}/oauth2/v2.0/token", verify=str(emu.ca_file),
                           timeout=10, data={"grant_type": "client_credentials", "client_id": fed["client_id"],
                                             "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:"
                                                                      "jwt-bearer",
                                             "client_assertion": f"{header}.{body}.AAAA", "scope": SCOPE})
    assert forged.status_code == 400 and "AADSTS50027" in forged.json()["error_description"]
    assert emu.admin("GET", "/azure/tokens")["issued"] == 0


def test_cli_token_route(emu):
    def token(**payload):
        try:
            return emu.admin("POST", "/azure/cli/token", payload)
        except urllib.error.HTTPError as exc:   # the admin API answers 400 with {"error": ...}
            return {"status": exc.code, **json.loads(exc.read())}

    assert "az login" in token(resource=AUDIENCE)["error"]
    account = emu.admin("POST", "/azure/cli/login", {})
    out = token(resource=AUDIENCE)
    assert set(out) == {"accessToken", "expiresOn", "expires_on", "subscription", "tenant", "tokenType"}
    assert out["subscription"] == account["subscription"] and out["tenant"] == account["tenant"]
    assert arm_get(emu, out["accessToken"]).status_code == 200
    assert arm_log(emu)[-1]["token_source"] == "cli"
    assert "AADSTS500011" in token(resource="https://vault.azure.net")["error"]
    assert "AADSTS90002" in token(resource=AUDIENCE, tenant="00000000-0000-0000-0000-000000000000")["error"]
    emu.admin("POST", "/azure/cli/logout")
    assert "az login" in token(resource=AUDIENCE)["error"]


STAND_IN_AZ = Path(__file__).resolve().parents[1] / "integration" / "bin" / "az"


def test_stand_in_az_speaks_what_azure_cli_credential_reads(emu, clean_env):
    clean_env.setenv("PATH", f"{STAND_IN_AZ.parent}:{Path(sys.executable).parent}:/usr/bin:/bin")
    clean_env.setenv("JOBGATE_EMULATOR_ADMIN_URL", f"{emu.endpoint}/_emulator")
    with pytest.raises(CredentialUnavailableError, match="az login"):
        AzureCliCredential().get_token(SCOPE)
    account = emu.admin("POST", "/azure/cli/login", {})
    token = AzureCliCredential(tenant_id=account["tenant"]).get_token(SCOPE)
    assert arm_get(emu, token.token).status_code == 200 and token.expires_on > 0
    with pytest.raises(ClientAuthenticationError, match="AADSTS90002"):
        AzureCliCredential(tenant_id="00000000-0000-0000-0000-000000000000").get_token(SCOPE)
    run = subprocess.run([str(STAND_IN_AZ), "account", "get-access-token", "--output", "json", "--resource", AUDIENCE],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0 and json.loads(run.stdout)["tokenType"] == "Bearer" and run.stderr == ""
    usage = subprocess.run([str(STAND_IN_AZ), "login"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and usage.stderr.startswith("ERROR: ") and usage.stdout == ""


def test_faults_reach_the_identity_endpoints_after_authentication(emu):
    info = emu.admin("POST", "/azure/identity", {"arc_key_dir": str(emu.ca_file.parent / "keys")})
    emu.admin("POST", "/faults", {"match": {"service": "managed-identity"}, "kind": "error", "status": 503, "count": 2})
    params = {"api-version": "2019-08-01", "resource": AUDIENCE}
    wrong = requests.get(info["identity_endpoint"], params=params, headers={"X-IDENTITY-HEADER": "x"}, timeout=10)
    assert wrong.status_code == 401, "a caller that fails authentication gets its 401 and no fault"
    busy = requests.get(info["identity_endpoint"], params=params, timeout=10,
                        headers={"X-IDENTITY-HEADER": info["identity_header"]})
    assert busy.status_code == 503 and busy.json()["statusCode"] == 503
    params["api-version"] = "2020-06-01"
    realm = requests.get(info["arc_endpoint"], params=params, headers={"Metadata": "true"}, timeout=10)
    key = Path(realm.headers["WWW-Authenticate"].split("=", 1)[1]).read_text()
    arc = requests.get(info["arc_endpoint"], params=params, timeout=10,
                       headers={"Metadata": "true", "Authorization": "Basic " + key})
    assert arc.status_code == 503 and arc.json()["error"] == "temporarily_unavailable"
