"""auth_source msi, workload_identity and cli (and auto picking each up from the environment) through ansible-playbook
with real azure-identity: the emulator's App Service and Arc managed identity endpoints, workload identity federation
at its authority, and the stand-in `az` in tests/integration/bin (tests only). One playbook run covers every case."""
from __future__ import annotations

import os
import sys
import uuid
import warnings
from pathlib import Path

from hci_support import arm_requests, machine_uri, seed

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from emulator.identity import MSAL_ARC_KEY_DIR, msal_arc_key_dir  # noqa: E402

PLAYBOOK = "playbooks/azure_auth_sources.yml"
STAND_IN_BIN = Path(__file__).resolve().parent / "bin"
FAST = [["Scheduled", 0], ["DeploymentInProgress", 0.1], ["Succeeded", 0.2]]
WRONG_HEADER = "wrong-identity-header-" + uuid.uuid4().hex
# Nothing of the machine's own Azure set-up reaches the run: each case brings only its own environment.
CLEAN = {name: None for name in (
    "AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_TENANT", "AZURE_CLOUD_ENVIRONMENT",
    "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_AUTHORITY_HOST", "AZURE_AD_USER", "AZURE_PASSWORD",
    "AZURE_PROFILE", "AZURE_USERNAME", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_FEDERATED_TOKEN", "AZURE_CLIENT_CERTIFICATE_PATH",
    "ANSIBLE_AZURE_AUTH_SOURCE", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT",
    "IMDS_ENDPOINT", "MSI_ENDPOINT", "MSI_SECRET", "AZURE_POD_IDENTITY_AUTHORITY_HOST")}


def cases_for(emulator, tmp_path, arc_dir) -> tuple[dict, list, list, dict, dict, list]:
    """Three runs: one on a host whose process environment is App Service's (as the platform sets it: the identity
    header must not go through the `environment` keyword, which ansible prints at -vvv), one on a host with no
    managed identity, one whose environment holds a federated token itself (AZURE_FEDERATED_TOKEN, as a CI system's
    OIDC token is handed on; a secret, so in the process environment too). Returns (the App Service environment,
    cases of run 1, cases of run 2, the token source the emulator must have seen for each case that succeeds, the
    federated token environment, cases of run 3)."""
    info = emulator.admin("GET", "/azure/identity")
    user_assigned = str(uuid.uuid4())
    emulator.admin("POST", "/azure/identity", {"user_assigned": [user_assigned]})
    fed = emulator.admin("POST", "/azure/workload-identity", {})
    intruder = emulator.admin("POST", "/azure/workload-identity", {
        "client_id": fed["client_id"], "register": False, "subject": "system:serviceaccount:other:intruder"})
    token_file, intruder_file = tmp_path / "azure-identity-token", tmp_path / "intruder-token"
    token_file.write_text(fed["assertion"])
    intruder_file.write_text(intruder["assertion"])
    emulator.admin("POST", "/azure/cli/login", {})
    app_service = {"IDENTITY_ENDPOINT": info["identity_endpoint"], "IDENTITY_HEADER": info["identity_header"]}
    # What the AKS workload identity webhook injects into a pod (a path, ids and a URL: nothing secret).
    pod = {"AZURE_FEDERATED_TOKEN_FILE": str(token_file), "AZURE_CLIENT_ID": fed["client_id"],
           "AZURE_TENANT_ID": fed["tenant"], "AZURE_AUTHORITY_HOST": emulator.https_endpoint + "/"}
    on_app_service = [
        {"name": "msi", "auth_source": "msi", "env": {}},
        {"name": "msi-user", "auth_source": "msi", "client_id": user_assigned, "env": {}},
        {"name": "msi-auto", "env": {}},
        {"name": "wi", "auth_source": "workload_identity", "env": pod},
        {"name": "cli", "auth_source": "cli", "env": {}},
        {"name": "bad-assertion", "auth_source": "workload_identity",
         "env": dict(pod, AZURE_FEDERATED_TOKEN_FILE=str(intruder_file))},
    ]
    elsewhere = [
        {"name": "wi-auto", "env": pod},
        {"name": "cli-auto", "env": {}},
        # Not the real header, so passing it through `environment` (printed at -vvv) shows nothing secret.
        {"name": "bad-header", "auth_source": "msi",
         "env": {"IDENTITY_ENDPOINT": info["identity_endpoint"], "IDENTITY_HEADER": WRONG_HEADER}},
        {"name": "cli-tenant", "auth_source": "cli", "tenant": str(uuid.uuid4()), "env": {}},
    ]
    sources = {"msi": "app_service", "msi-user": "app_service", "msi-auto": "app_service",
               "wi": "workload_identity", "wi-auto": "workload_identity", "cli": "cli", "cli-auto": "cli"}
    if arc_dir is not None:
        emulator.admin("POST", "/azure/identity", {"arc_key_dir": str(arc_dir)})
        elsewhere.append({"name": "arc", "auth_source": "msi",
                          "env": {"IDENTITY_ENDPOINT": info["arc_endpoint"], "IMDS_ENDPOINT": info["imds_endpoint"]}})
        sources["arc"] = "arc"
    token_host = {"AZURE_FEDERATED_TOKEN": fed["assertion"], "AZURE_CLIENT_ID": fed["client_id"],
                  "AZURE_TENANT_ID": fed["tenant"], "AZURE_AUTHORITY_HOST": emulator.https_endpoint + "/"}
    with_token = [{"name": "wi-token", "auth_source": "workload_identity", "env": {}}, {"name": "wi-token-auto", "env": {}}]
    sources.update({"wi-token": "workload_identity", "wi-token-auto": "workload_identity"})
    for case in on_app_service + elsewhere + with_token:
        case["job_name"] = "job-" + case["name"]
    return app_service, on_app_service, elsewhere, sources, token_host, with_token


def test_msi_workload_identity_and_cli_find_hci_jobs(emulator, run_playbook, assert_no_secrets, tmp_path):
    uri = machine_uri(emulator)
    home = tmp_path / "home"
    home.mkdir()
    with msal_arc_key_dir() as arc_dir:
        app_service, on_app_service, elsewhere, sources, token_host, with_token = cases_for(emulator, tmp_path, arc_dir)
        cases = on_app_service + elsewhere + with_token
        seed(emulator, uri, *(c["job_name"] for c in cases), timeline=FAST, created_ago=5)
        # The stand-in az first on PATH, for these runs only; its `#!/usr/bin/env python` finds this interpreter.
        path = os.pathsep.join((str(STAND_IN_BIN), str(Path(sys.executable).parent), os.environ["PATH"]))
        env = dict(CLEAN, HOME=str(home), PATH=path, JOBGATE_EMULATOR_ADMIN_URL=emulator.admin_url,
                   **emulator.ca_env())
        runs = [run_playbook(PLAYBOOK, emulator=emulator, aws=False, azure=False, env=dict(env, **host_env),
                             extra_vars={"resource_uri": uri, "cases": host_cases})
                for host_env, host_cases in ((app_service, on_app_service), ({}, elsewhere), (token_host, with_token))]
    outcome = {r["item"]["name"]: r for run in runs for r in run.assert_ok().result("auth")}
    assert sorted(outcome) == sorted(c["name"] for c in cases)
    arm = arm_requests(emulator)

    for name, source in sources.items():
        out = outcome[name]
        assert not out.get("failed"), (name, out.get("msg"))
        assert out["job"]["name"] == f"job-{name}" and out["job"]["normalized"]["state"] == "succeeded"
        calls = [r for r in arm if r["path"].endswith(f"/jobs/job-{name}")]
        assert calls and all(r["auth_ok"] and r["token_source"] == source for r in calls), (name, calls)
    if arc_dir is None:
        warnings.warn(f"Arc case left out: {MSAL_ARC_KEY_DIR}, where MSAL reads Arc keys, cannot be written here",
                      stacklevel=1)

    mi = emulator.requests(service="managed-identity")
    assert [r["status"] for r in mi if r["query"].get("client_id")] == [200]   # the user-assigned identity, asked once

    # A wrong identity header: a clear authentication failure, not retried, no Resource Manager call.
    bad = outcome["bad-header"]
    assert bad["failed"] and bad["error"]["code"] == "AuthenticationFailed" and bad["error"]["retryable"] is False
    assert "App Service managed identity at http" in bad["msg"] and "HTTP 401" in bad["msg"]
    assert "did not accept IDENTITY_HEADER" in bad["msg"] and bad["error"]["http_status"] == 401
    assert WRONG_HEADER not in bad["msg"] + str(bad["error"])
    assert len([r for r in mi if r.get("error") == "identity_header"]) == 1
    assert not [r for r in arm if r["path"].endswith("/jobs/job-bad-header")]

    # A federated token Entra has no matching credential for: refused once, clearly.
    rejected = outcome["bad-assertion"]
    assert rejected["failed"] and rejected["error"]["code"] == "AuthenticationFailed"
    assert rejected["error"]["retryable"] is False and "AADSTS70021" in rejected["msg"]
    refused_exchanges = [r for r in emulator.requests(service="entra", operation="Token") if r["status"] == 400]
    assert len(refused_exchanges) == 1
    assert not [r for r in arm if r["path"].endswith("/jobs/job-bad-assertion")]

    # The CLI signed in to another tenant than the one asked for: az's own error, not retried.
    tenant = outcome["cli-tenant"]
    assert tenant["failed"] and tenant["error"]["retryable"] is False and "AADSTS90002" in tenant["msg"]

    # -vvv: no token, identity header, Arc key or federated assertion in the output; the scan knows them all.
    known = emulator.secrets()
    assert app_service["IDENTITY_HEADER"] in known and len(known) >= len(sources) + 3
    for run in runs:
        assert_no_secrets(run.output, emulator)
