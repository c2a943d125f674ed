# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for _azure/: credential resolution, cloud environments, the Resource Manager client (stubbed I/O)."""
from __future__ import annotations

import email.utils
import json
import time

import pytest
import requests

from ansible_collections.jobgate.cloud.plugins.module_utils._azure import cloud as azure_cloud
from ansible_collections.jobgate.cloud.plugins.module_utils._azure import credentials as azure_credentials
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.arm import ArmClient, retry_after_seconds
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.cloud import CloudEndpoints, resolve_cloud
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.credentials import (
    TokenProvider, resolve_credentials,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError

from fake_clock import Clock  # tests/unit/plugins/module_utils/fake_clock.py

SUB = "00000000-1111-2222-3333-444444444444"
AWX_ENV = {
    "AZURE_SUBSCRIPTION_ID": SUB,
    "AZURE_CLIENT_ID": "awx-client",
    "AZURE_SECRET": "awx-secret-value",
    "AZURE_TENANT": "awx-tenant",
    "AZURE_CLOUD_ENVIRONMENT": "https://arm.example.test:8443",
}
CREDENTIALS_FILE = """
[default]
subscription_id = 99999999-1111-2222-3333-444444444444
client_id = file-default-client
secret = file-default-secret
tenant = file-default-tenant

[stack]
subscription_id = 88888888-1111-2222-3333-444444444444
client_id = file-stack-client
secret = file-stack-secret
tenant = file-stack-tenant
cloud_environment = https://stack.example.test
cert_validation_mode = ignore

[certprofile]
client_id = cert-client
tenant = cert-tenant
x509_certificate_path = /etc/pki/sp.pem

[userprofile]
ad_user = someone@example.com
password = p4ssw0rd
"""


# --------------------------------------------------------------------------------------------- credential resolution
def test_awx_environment_names_give_a_client_secret_credential():
    plan = resolve_credentials({}, AWX_ENV, None)
    assert (plan.kind, plan.source) == ("client_secret", "env")
    expected = ("awx-client", "awx-secret-value", "awx-tenant", SUB)
    assert (plan.client_id, plan.secret, plan.tenant, plan.subscription_id) == expected
    assert plan.cloud_environment == "https://arm.example.test:8443"
    assert plan.cert_validation_mode == "validate"


def test_azure_identity_environment_names_work_too():
    env = {"AZURE_CLIENT_ID": "id-client", "AZURE_CLIENT_SECRET": "id-secret", "AZURE_TENANT_ID": "id-tenant",
           "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.us"}
    plan = resolve_credentials({}, env, None)
    assert (plan.kind, plan.secret, plan.tenant) == ("client_secret", "id-secret", "id-tenant")
    assert plan.authority_host == "https://login.microsoftonline.us"
    assert plan.cloud_environment == "AzureCloud"


def test_awx_names_win_over_azure_identity_names():
    env = dict(AWX_ENV, AZURE_CLIENT_SECRET="other", AZURE_TENANT_ID="other-tenant")
    plan = resolve_credentials({}, env, None)
    assert (plan.secret, plan.tenant) == ("awx-secret-value", "awx-tenant")


def test_explicit_options_win_over_environment():
    params = {"client_id": "opt-client", "secret": "opt-secret", "tenant": "opt-tenant", "subscription_id": "s",
              "cloud_environment": "AzureUSGovernment"}
    plan = resolve_credentials(params, AWX_ENV, CREDENTIALS_FILE)
    assert (plan.source, plan.client_id, plan.secret, plan.tenant) == ("parameters", "opt-client", "opt-secret", "opt-tenant")
    assert plan.cloud_environment == "AzureUSGovernment"
    assert plan.subscription_id == "s"


def test_profile_option_reads_that_profile_with_its_cloud_and_cert_mode():
    plan = resolve_credentials({"profile": "stack"}, {}, CREDENTIALS_FILE)
    assert plan.source == "credential_file (profile stack)"
    assert (plan.client_id, plan.secret, plan.tenant) == ("file-stack-client", "file-stack-secret", "file-stack-tenant")
    assert plan.cloud_environment == "https://stack.example.test"
    assert plan.cert_validation_mode == "ignore"
    assert plan.subscription_id.startswith("8888")


def test_azure_profile_environment_variable_selects_a_profile():
    plan = resolve_credentials({}, {"AZURE_PROFILE": "stack"}, CREDENTIALS_FILE)
    assert plan.client_id == "file-stack-client"


def test_default_profile_is_used_when_nothing_else_is_set():
    plan = resolve_credentials({}, {}, CREDENTIALS_FILE)
    assert (plan.source, plan.client_id) == ("credential_file (profile default)", "file-default-client")


def test_environment_wins_over_default_profile_in_auto():
    assert resolve_credentials({}, AWX_ENV, CREDENTIALS_FILE).source == "env"


def test_auth_source_credential_file_ignores_environment():
    plan = resolve_credentials({"auth_source": "credential_file"}, AWX_ENV, CREDENTIALS_FILE)
    assert plan.client_id == "file-default-client"


def test_auth_source_env_ignores_credentials_file():
    with pytest.raises(JobGateError) as err:
        resolve_credentials({"auth_source": "env"}, {}, CREDENTIALS_FILE)
    assert err.value.code == "ValidationError"


def test_ansible_azure_auth_source_environment_variable():
    plan = resolve_credentials({}, dict(AWX_ENV, ANSIBLE_AZURE_AUTH_SOURCE="credential_file"), CREDENTIALS_FILE)
    assert plan.client_id == "file-default-client"


def test_missing_profile_is_a_clear_validation_error():
    with pytest.raises(JobGateError) as err:
        resolve_credentials({"profile": "nope"}, {}, CREDENTIALS_FILE)
    assert err.value.code == "ValidationError" and "nope" in err.value.msg


def test_certificate_credential_from_profile_and_from_azure_identity_env():
    assert resolve_credentials({"profile": "certprofile"}, {}, CREDENTIALS_FILE).kind == "client_certificate"
    plan = resolve_credentials({}, {"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t",
                                    "AZURE_CLIENT_CERTIFICATE_PATH": "/x.pem"}, None)
    assert (plan.kind, plan.certificate_path) == ("client_certificate", "/x.pem")


@pytest.mark.parametrize("params,env,text", [
    ({}, {"AZURE_AD_USER": "someone@example.com", "AZURE_PASSWORD": "p4ssw0rd"}, None),
    ({}, {"AZURE_USERNAME": "someone@example.com", "AZURE_PASSWORD": "p4ssw0rd"}, None),
    ({"profile": "userprofile"}, {}, CREDENTIALS_FILE),
    ({"auth_source": "credential_file", "profile": "userprofile"}, {}, CREDENTIALS_FILE),
])
def test_user_and_password_get_the_mfa_error(params, env, text):
    with pytest.raises(JobGateError) as err:
        resolve_credentials(params, env, text)
    assert err.value.code == "UnsupportedCredential"
    assert "multifactor" in err.value.msg and "service principal" in err.value.msg
    assert "managed identity" in err.value.msg and "workload identity" in err.value.msg
    assert "p4ssw0rd" not in err.value.msg


def test_workload_identity_from_environment_in_auto_and_explicit():
    env = {"AZURE_CLIENT_ID": "wi-client", "AZURE_TENANT_ID": "wi-tenant", "AZURE_FEDERATED_TOKEN_FILE": "/var/run/token"}
    assert resolve_credentials({}, env, None).kind == "workload_identity"
    plan = resolve_credentials({"auth_source": "workload_identity"}, env, None)
    assert (plan.kind, plan.client_id, plan.federated_token_file) == ("workload_identity", "wi-client", "/var/run/token")
    with pytest.raises(JobGateError):
        resolve_credentials({"auth_source": "workload_identity"}, {"AZURE_CLIENT_ID": "x"}, None)


def test_workload_identity_takes_the_federated_token_itself():
    token = "eyJhbGciOi.federated-token-body.signature"
    env = {"AZURE_CLIENT_ID": "wi-client", "AZURE_TENANT_ID": "wi-tenant", "AZURE_FEDERATED_TOKEN": token}
    for params in ({}, {"auth_source": "workload_identity"}, {"auth_source": "env"}):
        plan = resolve_credentials(params, env, None)
        assert (plan.kind, plan.client_id, plan.federated_token, plan.federated_token_file) == (
            "workload_identity", "wi-client", token, None)
        assert token in plan.secrets() and token not in repr(plan)
    # the token set on purpose wins over a file a platform mounts anyway
    both = resolve_credentials({}, dict(env, AZURE_FEDERATED_TOKEN_FILE="/var/run/token"), None)
    assert (both.federated_token, both.federated_token_file) == (token, None)
    # azure-identity's ClientAssertionCredential, handed the token, for the plan's tenant and app
    credential = azure_credentials.build_credential(both, ARM)
    assert type(credential).__name__ == "ClientAssertionCredential"
    file_plan = resolve_credentials({}, dict(env, AZURE_FEDERATED_TOKEN="", AZURE_FEDERATED_TOKEN_FILE="/t"), None)
    assert (file_plan.federated_token, file_plan.federated_token_file) == (None, "/t")
    assert type(azure_credentials.build_credential(file_plan, ARM)).__name__ == "WorkloadIdentityCredential"
    # an echo of the token in a refusal is scrubbed
    echo = RuntimeError(f"AADSTS700211: No matching federated identity record found for presented assertion {token}")
    with pytest.raises(JobGateError) as err:
        TokenProvider(both, ARM, factory=lambda p, c: _Failing(echo)).token()
    assert "federated-token-body" not in err.value.msg and "AADSTS700211" in err.value.msg
    with pytest.raises(JobGateError) as err:
        resolve_credentials({"auth_source": "workload_identity"}, {"AZURE_CLIENT_ID": "x", "AZURE_TENANT_ID": "t"}, None)
    assert "AZURE_FEDERATED_TOKEN" in err.value.msg and "AZURE_FEDERATED_TOKEN_FILE" in err.value.msg


def test_msi_and_cli_sources():
    plan = resolve_credentials({"auth_source": "msi", "client_id": "uami"}, {}, None)
    assert (plan.kind, plan.client_id) == ("msi", "uami")
    assert resolve_credentials({"auth_source": "msi"}, {}, None).client_id is None
    assert resolve_credentials({"auth_source": "cli"}, AWX_ENV, None).kind == "cli"
    # auto with nothing configured falls back to the Azure CLI login, as azure.azcollection does.
    assert resolve_credentials({}, {}, None).kind == "cli"


APP_SERVICE = {"IDENTITY_ENDPOINT": "http://127.0.0.1:41000/msi/token", "IDENTITY_HEADER": "hdr-value-1234"}
ARC = {"IDENTITY_ENDPOINT": "http://localhost:40342/metadata/identity/oauth2/token", "IMDS_ENDPOINT": "http://localhost:40342"}


@pytest.mark.parametrize("env, where", [
    (APP_SERVICE, "App Service managed identity at http://127.0.0.1:41000/msi/token"),
    (dict(APP_SERVICE, IDENTITY_SERVER_THUMBPRINT="ab"), "Service Fabric managed identity at http://127.0.0.1:41000"),
    (ARC, "Azure Arc managed identity at http://localhost:40342/metadata/identity/oauth2/token"),
    ({"MSI_ENDPOINT": "http://ml.test/token", "MSI_SECRET": "s3cr3t-ml"}, "Azure Machine Learning managed identity"),
    ({"MSI_ENDPOINT": "http://localhost:50342/oauth2/token"}, "Cloud Shell managed identity"),
])
def test_auto_picks_a_managed_identity_the_environment_names_before_the_cli(env, where):
    plan = resolve_credentials({}, env, None)
    assert (plan.kind, plan.source, plan.client_id) == ("msi", "env", None)
    assert plan.identity_endpoint.startswith(where)
    assert plan.secrets() == [v for v in (env.get("IDENTITY_HEADER") or env.get("MSI_SECRET"),) if v]
    assert "hdr-value-1234" not in repr(plan) and "s3cr3t-ml" not in repr(plan)


def test_managed_identity_precedence_in_auto():
    # AZURE_CLIENT_ID without a secret on a managed identity host: the user-assigned identity it names.
    plan = resolve_credentials({}, dict(APP_SERVICE, AZURE_CLIENT_ID="uami-client"), None)
    assert (plan.kind, plan.client_id) == ("msi", "uami-client")
    # A service principal, a workload identity token or a default profile still come first.
    assert resolve_credentials({}, dict(APP_SERVICE, **AWX_ENV), None).kind == "client_secret"
    wi = {"AZURE_CLIENT_ID": "wi", "AZURE_TENANT_ID": "t", "AZURE_FEDERATED_TOKEN_FILE": "/var/run/token"}
    assert resolve_credentials({}, dict(APP_SERVICE, **wi), None).kind == "workload_identity"
    assert resolve_credentials({}, ARC, CREDENTIALS_FILE).client_id == "file-default-client"
    # IDENTITY_ENDPOINT alone is no endpoint azure-identity would use: the CLI, as before.
    assert resolve_credentials({}, {"IDENTITY_ENDPOINT": "http://x"}, None).kind == "cli"
    with pytest.raises(JobGateError, match="multifactor authentication"):
        resolve_credentials({}, dict(APP_SERVICE, AZURE_AD_USER="u", AZURE_PASSWORD="p"), None)


def test_explicit_msi_without_an_endpoint_variable_is_imds():
    plan = resolve_credentials({"auth_source": "msi"}, {}, None)
    assert plan.identity_endpoint == "the instance metadata service (IMDS) at http://169.254.169.254/metadata/identity/oauth2/token"
    plan = resolve_credentials({"auth_source": "msi"}, {"AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://10.0.0.9/"}, None)
    assert plan.identity_endpoint.endswith("http://10.0.0.9/metadata/identity/oauth2/token")


class _Failing:
    def __init__(self, exc):
        self.exc = exc

    def get_token(self, scope):
        raise self.exc


@pytest.mark.parametrize("text, status, retryable, hint", [
    ("App Service managed identity configuration not found in environment. Token request error: (invalid_scope) "
     "401, Bad header hdr-value-1234", 401, False, "did not accept IDENTITY_HEADER"),
    ("App Service managed identity configuration not found in environment. Token request error: (invalid_scope) "
     "400, Unable to load the proper Managed Identity.", 400, False, "Unable to load the proper Managed Identity."),
    ("App Service managed identity configuration not found in environment. Token request error: (invalid_scope) "
     "503, busy", 503, True, "HTTP 503: busy"),
])
def test_managed_identity_refusals_name_the_endpoint_and_status(text, status, retryable, hint):
    plan = resolve_credentials({"auth_source": "msi"}, APP_SERVICE, None)
    with pytest.raises(JobGateError) as err:
        TokenProvider(plan, ARM, factory=lambda p, c: _Failing(RuntimeError(text))).token()
    assert err.value.msg.startswith("Could not get an Azure access token (msi credential) from App Service managed "
                                    "identity at http://127.0.0.1:41000/msi/token: HTTP ")
    assert hint in err.value.msg and "configuration not found" not in err.value.msg
    assert (err.value.http_status, err.value.retryable) == (status, retryable)
    assert "hdr-value-1234" not in err.value.msg + err.value.message


def test_arc_key_unreadable_and_cli_and_workload_identity_messages(tmp_path):
    arc = resolve_credentials({"auth_source": "msi"}, ARC, None)
    with pytest.raises(JobGateError) as err:
        TokenProvider(arc, ARM, factory=lambda p, c: _Failing(PermissionError(13, "Permission denied"))).token()
    assert "Azure Arc managed identity" in err.value.msg and "himds group" in err.value.msg
    cli = resolve_credentials({"auth_source": "cli"}, {}, None)
    with pytest.raises(JobGateError) as err:
        TokenProvider(cli, ARM, factory=lambda p, c: _Failing(RuntimeError("Please run 'az login'"))).token()
    assert err.value.msg.startswith("Could not get an Azure access token (cli credential) from the Azure CLI")
    token_file = tmp_path / "token"
    token_file.write_text("eyJhbGciOi.assertion-body.signature\n")
    wi = resolve_credentials({"auth_source": "workload_identity", "tenant": "t", "client_id": "c"},
                             {"AZURE_FEDERATED_TOKEN_FILE": str(token_file)}, None)
    echo = RuntimeError("AADSTS50027: JWT token eyJhbGciOi.assertion-body.signature is invalid")
    with pytest.raises(JobGateError) as err:
        TokenProvider(wi, ARM, factory=lambda p, c: _Failing(echo)).token()
    assert "assertion-body" not in err.value.msg and "AADSTS50027" in err.value.msg and not err.value.retryable


def test_workload_identity_needs_a_tenant_before_any_request():
    plan = resolve_credentials({}, {"AZURE_CLIENT_ID": "wi", "AZURE_FEDERATED_TOKEN_FILE": "/var/run/token"}, None)
    with pytest.raises(JobGateError, match="tenant is required for workload identity"):
        azure_credentials.build_credential(plan, ARM)


def test_incomplete_service_principal_is_rejected():
    with pytest.raises(JobGateError) as err:
        resolve_credentials({"client_id": "c"}, {}, None)
    assert err.value.code == "ValidationError" and "secret" in err.value.msg


def test_plan_repr_never_shows_the_secret():
    assert "awx-secret-value" not in repr(resolve_credentials({}, AWX_ENV, None))


# --------------------------------------------------------------------------------------------- cloud environments
@pytest.mark.parametrize("name,arm,authority", [
    ("AzureCloud", "https://management.azure.com", "https://login.microsoftonline.com"),
    ("azurecloud", "https://management.azure.com", "https://login.microsoftonline.com"),
    ("AzureUSGovernment", "https://management.usgovcloudapi.net", "https://login.microsoftonline.us"),
    ("AzureChinaCloud", "https://management.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
])
def test_named_clouds(name, arm, authority):
    cloud = resolve_cloud(name, fetch_json=lambda url: pytest.fail("a named cloud needs no metadata"))
    assert (cloud.resource_manager, cloud.authority, cloud.microsoft_authority) == (arm, authority, True)
    assert cloud.scope == arm + "/.default"


def test_url_cloud_reads_the_metadata_document():
    seen = []

    def fetch(url):
        seen.append(url)
        return {"authentication": {"loginEndpoint": "https://adfs.stack.test/", "audiences": ["https://management.stack.test/abc"]}}

    cloud = resolve_cloud("https://arm.stack.test:30024/", fetch)
    assert seen == ["https://arm.stack.test:30024/metadata/endpoints?api-version=1.0"]
    assert cloud.resource_manager == "https://arm.stack.test:30024"
    assert cloud.authority == "https://adfs.stack.test"
    assert cloud.scope == "https://management.stack.test/abc/.default"
    assert cloud.microsoft_authority is False


def test_url_cloud_with_microsoft_authority_keeps_instance_discovery():
    doc = {"authentication": {"loginEndpoint": "https://login.microsoftonline.com/", "audiences": ["https://m.test/"]}}
    cloud = resolve_cloud("https://arm.test", lambda url: doc)
    assert cloud.microsoft_authority is True
    assert cloud.scope == "https://m.test//.default"   # audience + "/.default", as Entra ID wants for v1 resources


@pytest.mark.parametrize("value", ["http://arm.test", "NoSuchCloud", "https://arm.test/?x=1", "https://user@arm.test"])
def test_bad_cloud_environment_is_rejected(value):
    with pytest.raises(JobGateError) as err:
        resolve_cloud(value, lambda url: pytest.fail("no fetch for a bad value"))
    assert err.value.code == "ValidationError"


@pytest.mark.parametrize("doc", [{}, {"authentication": {"loginEndpoint": "https://x"}},
                                 {"authentication": {"loginEndpoint": "http://x", "audiences": ["a"]}}, []])
def test_incomplete_metadata_document(doc):
    with pytest.raises(JobGateError) as err:
        resolve_cloud("https://arm.test", lambda url: doc)
    assert err.value.code == "InvalidCloudMetadata"


def test_build_credential_turns_instance_discovery_off_for_a_foreign_authority(monkeypatch):
    from azure import identity
    calls = []
    monkeypatch.setattr(identity, "ClientSecretCredential", lambda *a, **kw: calls.append((a, kw)) or object())
    plan = resolve_credentials({}, AWX_ENV, None)
    stack = CloudEndpoints("s", "https://arm.test", "https://login.stack.test", "https://m.test/.default", False)
    azure_credentials.build_credential(plan, stack)
    args, kwargs = calls[-1]
    assert args == ("awx-tenant", "awx-client", "awx-secret-value")
    assert kwargs["authority"] == "https://login.stack.test" and kwargs["disable_instance_discovery"] is True
    azure_credentials.build_credential(plan, azure_cloud.KNOWN_CLOUDS["azurecloud"])
    assert "disable_instance_discovery" not in calls[-1][1]


# --------------------------------------------------------------------------------------------- Resource Manager client
class FakeResponse:
    def __init__(self, status, body=None, headers=None):
        self.status_code = status
        self._body = body
        self.headers = requests.structures.CaseInsensitiveDict(headers or {})

    def json(self):
        if isinstance(self._body, (dict, list)):
            return self._body
        return json.loads(self._body or "")


class FakeSession:
    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []
        self.headers = {}

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class FakeTokens:
    def __init__(self):
        self.issued = 0

    def token(self):
        self.issued += 1
        return f"token-{self.issued}"

    def renew(self):
        pass


ARM = CloudEndpoints("t", "https://arm.test:8443", "https://login.test", "https://m.test/.default", False)


def client(answers, **kw):
    sleeps = []
    session = FakeSession(answers)
    arm = ArmClient(ARM, FakeTokens(), session=session, deadline=Deadline(sleep=sleeps.append), **kw)
    return arm, session, sleeps


def test_bearer_token_sent_to_resource_manager_without_redirects():
    arm, session, _unused = client([FakeResponse(200, {"name": "j"})])
    assert arm.get_json(arm.url("/x"), "job j", {"api-version": "v"}) == {"name": "j"}
    method, url, kwargs = session.calls[0]
    assert url == "https://arm.test:8443/x" and kwargs["headers"]["Authorization"] == "Bearer token-1"
    assert kwargs["allow_redirects"] is False and kwargs["timeout"]


def test_next_link_on_the_same_origin_is_followed():
    arm, session, _unused = client([FakeResponse(200, {"value": [1], "nextLink": "https://ARM.test:8443/x?page=2"}),
                                    FakeResponse(200, {"value": [2]})])
    assert arm.list_all(arm.url("/x"), "jobs") == [1, 2]
    assert session.calls[1][1] == "https://ARM.test:8443/x?page=2"


@pytest.mark.parametrize("link", ["https://evil.test:8443/x", "https://arm.test:9999/x", "http://arm.test:8443/x",
                                  "https://arm.test/x"])
def test_next_link_to_another_origin_is_refused_without_sending_the_token(link):
    arm, session, _unused = client([FakeResponse(200, {"value": [1], "nextLink": link})])
    with pytest.raises(JobGateError) as err:
        arm.list_all(arm.url("/x"), "jobs")
    assert err.value.code == "UntrustedNextLink" and not err.value.retryable
    assert len(session.calls) == 1   # nothing at all was sent to the other host


def test_retry_after_is_honoured_on_429():
    arm, session, sleeps = client([FakeResponse(429, {"error": {"code": "TooManyRequests", "message": "slow"}},
                                                {"Retry-After": "7"}),
                                   FakeResponse(200, {"ok": True})])
    assert arm.get_json(arm.url("/x"), "job j") == {"ok": True}
    assert sleeps == [7.0] and len(session.calls) == 2


def test_retry_after_is_bounded():
    arm, _unused, sleeps = client([FakeResponse(503, "", {"Retry-After": "3600"}), FakeResponse(200, {})], max_retry_after=30)
    arm.get_json(arm.url("/x"), "job j")
    assert sleeps == [30]


def test_retry_after_http_date():
    now = time.time()
    value = email.utils.formatdate(now + 20, usegmt=True)
    assert 18 <= retry_after_seconds(value, now=now) <= 21
    assert retry_after_seconds("garbage") is None and retry_after_seconds(None) is None


def test_retries_exhausted_raise_a_retryable_error_with_the_arm_code():
    body = {"error": {"code": "ServerBusy", "message": "try later"}}
    arm, session, sleeps = client([FakeResponse(503, body)] * 3, max_retries=2)
    with pytest.raises(JobGateError) as err:
        arm.get_json(arm.url("/x"), "job j")
    assert (err.value.code, err.value.message, err.value.http_status, err.value.retryable) == ("ServerBusy", "try later", 503, True)
    assert len(session.calls) == 3 and len(sleeps) == 2


def test_connection_errors_are_retried_then_reported():
    arm, session, sleeps = client([requests.exceptions.ConnectionError("boom")] * 2 + [FakeResponse(200, {"a": 1})])
    assert arm.get_json(arm.url("/x"), "job j") == {"a": 1}
    assert len(sleeps) == 2
    arm, _unused, _unused = client([requests.exceptions.ReadTimeout("slow")] * 2, max_retries=1)
    with pytest.raises(JobGateError) as err:
        arm.get_json(arm.url("/x"), "job j")
    assert (err.value.code, err.value.retryable) == ("Timeout", True)


def test_arm_error_body_becomes_the_error_block():
    body = {"error": {"code": "ResourceNotFound", "message": "The Resource 'x' was not found."}}
    arm, _unused, sleeps = client([FakeResponse(404, body)])
    with pytest.raises(JobGateError) as err:
        arm.get_json(arm.url("/x"), "HCI edge device job j1 on edge device default")
    assert err.value.error_block() == {"code": "ResourceNotFound", "message": "The Resource 'x' was not found.",
                                       "http_status": 404, "retryable": False}
    assert "j1" in err.value.msg and sleeps == []


def test_html_error_page_is_reported_without_its_body():
    arm, _unused, _unused = client([FakeResponse(400, "<html>bad</html>")])
    with pytest.raises(JobGateError) as err:
        arm.get_json(arm.url("/x"), "job j")
    assert err.value.code == "HTTP400" and "<html>" not in err.value.msg


def test_401_gets_one_fresh_token_then_fails_as_authentication_error():
    expired = FakeResponse(401, {"error": {"code": "ExpiredAuthenticationToken", "message": "expired"}},
                           {"WWW-Authenticate": "Bearer"})
    arm, session, _unused = client([expired, FakeResponse(200, {"ok": 1})])
    assert arm.get_json(arm.url("/x"), "job j") == {"ok": 1}
    assert session.calls[1][2]["headers"]["Authorization"] == "Bearer token-2"
    arm, session, _unused = client([expired, expired])
    with pytest.raises(JobGateError) as err:
        arm.get_json(arm.url("/x"), "job j")
    assert (err.value.code, err.value.http_status, err.value.retryable) == ("ExpiredAuthenticationToken", 401, False)


def test_token_errors_never_carry_the_secret():
    class Broken:
        def get_token(self, scope):
            raise ValueError("AADSTS7000215: Invalid client secret provided: awx-secret-value")

    plan = resolve_credentials({}, AWX_ENV, None)
    tokens = TokenProvider(plan, ARM, factory=lambda p, c: Broken())
    with pytest.raises(JobGateError) as err:
        tokens.token()
    assert "awx-secret-value" not in err.value.msg and "awx-secret-value" not in err.value.message
    assert err.value.code == "AuthenticationFailed" and not err.value.retryable


@pytest.mark.parametrize("text, code, status, retryable", [
    ("Authentication failed: HTTP Error: 503", "TokenEndpointUnavailable", 503, True),
    ("Authentication failed: HTTP Error: 429", "TokenEndpointUnavailable", 429, True),
    ("Authentication failed: ('Connection aborted.', RemoteDisconnected('closed'))", "ConnectionError", None, True),
    ("Authentication failed: HTTP Error: 400", "AuthenticationFailed", 401, False),
    ("AADSTS700016: Application with identifier 'x' was not found", "AuthenticationFailed", 401, False),
])
def test_token_endpoint_trouble_is_retryable_and_bad_credentials_are_not(text, code, status, retryable):
    class Failing:
        def get_token(self, scope):
            raise RuntimeError(text)  # azure-identity's ClientAuthenticationError keeps only such text

    tokens = TokenProvider(resolve_credentials({}, AWX_ENV, None), ARM, factory=lambda p, c: Failing())
    with pytest.raises(JobGateError) as err:
        tokens.token()
    assert (err.value.code, err.value.http_status, err.value.retryable) == (code, status, retryable)


def test_retry_after_told_to_one_caller_holds_for_the_others_of_the_client():
    clock = Clock(500.0)
    session = FakeSession([FakeResponse(200, {"ok": 1})])
    arm = ArmClient(ARM, FakeTokens(), session=session, deadline=clock.deadline())
    # The first caller is told to wait 7 s and does; a second caller (another thread in real use) arriving 2 s into
    # that wait holds back for the 5 s left instead of drawing a 429 of its own.
    arm._hold_off(FakeResponse(429, {}, {"Retry-After": "7"}))  # pylint: disable=protected-access
    clock.now += 2
    assert arm.get_json(arm.url("/x"), "job j") == {"ok": 1}
    assert clock.sleeps == [5.0] and len(session.calls) == 1


def test_throttling_that_outlasts_the_retries_carries_its_retry_after():
    throttled = FakeResponse(429, {"error": {"code": "TooManyRequests", "message": "slow down"}}, {"Retry-After": "17"})
    arm, _unused, _unused = client([throttled] * 2, max_retries=1)
    with pytest.raises(JobGateError) as err:
        arm.get_json(arm.url("/x"), "job j")
    assert err.value.retryable is True and err.value.retry_after == 17


def test_a_repeated_next_link_ends_the_list_after_that_page():
    link = "https://arm.test:8443/x?page=2"
    arm, session, _unused = client([FakeResponse(200, {"value": [1], "nextLink": link}),
                                    FakeResponse(200, {"value": [2], "nextLink": link})])
    pages = arm.pages(arm.url("/x"), "jobs")
    assert next(pages) == [1] and next(pages) == [2]   # the page that repeats the link is still read
    with pytest.raises(JobGateError) as err:
        next(pages)
    assert err.value.code == "PaginationLoop" and not err.value.retryable and "after page 2" in err.value.msg
    assert len(session.calls) == 2


def test_a_list_of_more_than_a_thousand_pages_is_followed_to_its_end():
    answers = [FakeResponse(200, {"value": [n], "nextLink": f"https://arm.test:8443/x?page={n + 1}"})
               for n in range(1500)] + [FakeResponse(200, {"value": [1500]})]
    arm, session, _unused = client(answers)
    assert arm.list_all(arm.url("/x"), "jobs") == list(range(1501))
    assert len(session.calls) == 1501
