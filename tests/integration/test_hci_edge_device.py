"""hci_edge_device_job_info through ansible-playbook against the emulator's authority and Resource Manager (HTTPS)."""
from __future__ import annotations

import pytest

from hci_support import HCI_PLAYBOOK, RecordingServer, WhenPolled, arm_requests, continue_job, machine_uri, put_job, seed

FAST = [["Scheduled", 0], ["DeploymentInProgress", 0.1], ["Succeeded", 0.2]]
# Running until a test moves it on with continue_job.
OPEN = [["Scheduled", 0], ["ValidationInProgress", 0.2], ["DeploymentInProgress", 0.4]]
# Environment without any Azure credential: each test adds only what it means to use.
NO_AZURE_ENV = {name: None for name in (
    "AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_TENANT", "AZURE_CLOUD_ENVIRONMENT",
    "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_AUTHORITY_HOST", "AZURE_AD_USER", "AZURE_PASSWORD",
    "AZURE_PROFILE", "AZURE_USERNAME", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_CERTIFICATE_PATH",
    "ANSIBLE_AZURE_AUTH_SOURCE")}


def run(run_playbook, emulator, tmp_path, *, env=None, **extra):
    """Run the HCI playbook with a HOME of its own (no ~/.azure of the machine running the tests)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    full_env = {"HOME": str(home)}
    full_env.update(env or {})
    return run_playbook(HCI_PLAYBOOK, emulator=emulator, aws=False, env=full_env, extra_vars=extra)


def info(result):
    return result.assert_ok().result("info")


@pytest.mark.smoke
def test_awx_variables_alone_find_a_job(emulator, run_playbook, assert_no_secrets, tmp_path):
    uri = machine_uri(emulator)
    seed(emulator, uri, "collect-1", timeline=FAST, created_ago=5)
    result = run(run_playbook, emulator, tmp_path, resource_uri=uri, job_name="collect-1")
    out = info(result)
    assert not out.get("failed"), out
    job = out["job"]
    assert job["name"] == "collect-1" and job["type"] == "Microsoft.AzureStackHCI/edgeDevices/jobs"
    assert job["kind"] == "HCI" and job["properties"]["job_type"] == "CollectLog"
    assert job["system_data"]["created_by_type"] == "Application"
    assert job["normalized"] == {**job["normalized"], "provider": "hci_edge_device", "job_id": "collect-1",
                                 "native_status": "Succeeded", "state": "succeeded", "terminal": True,
                                 "percent_complete": 100}
    assert out["jobs"] == [job] and out["summary"]["all_succeeded"] is True and out["changed"] is False
    log = arm_requests(emulator)
    assert [r["operation"] for r in log] == ["EdgeDeviceJobs_Get"]
    assert all(r["bearer"] and r["auth_ok"] and r["listener"] == "https" for r in log)
    assert emulator.requests(service="entra", operation="Token")
    assert_no_secrets(result.output, emulator)


def test_credentials_file_profiles(emulator, run_playbook, assert_no_secrets, tmp_path):
    uri = machine_uri(emulator)
    seed(emulator, uri, "support-1", job_type="RemoteSupport", timeline=FAST, created_ago=5)
    az = emulator.state["azure"]
    home = tmp_path / "home"
    (home / ".azure").mkdir(parents=True)
    (home / ".azure" / "credentials").write_text(
        "[default]\n"
        f"subscription_id = {az['subscription_id']}\nclient_id = {az['client_id']}\nsecret = {az['secret']}\n"
        f"tenant = {az['tenant']}\ncloud_environment = {emulator.https_endpoint}\n"
        "[broken]\n"
        f"client_id = {az['client_id']}\nsecret = not-the-secret\ntenant = {az['tenant']}\n"
        f"cloud_environment = {emulator.https_endpoint}\n")
    env = dict(NO_AZURE_ENV, HOME=str(home))
    # The default profile, found with no option at all...
    out = info(run_playbook(HCI_PLAYBOOK, emulator=emulator, aws=False, azure=False,
                            env=dict(env, **emulator.ca_env()), extra_vars={"resource_uri": uri, "job_name": "support-1"}))
    assert out["job"]["normalized"]["state"] == "succeeded"
    assert out["job"]["properties"]["access_level"] == "Diagnostics"
    # ...and a named profile, whose wrong secret the authority refuses: a clear authentication failure.
    result = run_playbook(HCI_PLAYBOOK, emulator=emulator, aws=False, azure=False, env=dict(env, **emulator.ca_env()),
                          extra_vars={"resource_uri": uri, "job_name": "support-1", "profile": "broken"})
    bad = info(result)
    assert bad["failed"] and bad["error"]["code"] == "AuthenticationFailed" and bad["error"]["retryable"] is False
    assert "profile broken" in bad["msg"] and "not-the-secret" not in result.output
    assert_no_secrets(result.output, emulator)


def test_explicit_options_many_names_in_order(emulator, run_playbook, assert_no_secrets, tmp_path):
    uri = machine_uri(emulator, machine="node-2")
    seed(emulator, uri, "job-a", "job-b", "job-c", timeline=FAST, created_ago=5)
    az = emulator.state["azure"]
    result = run(run_playbook, emulator, tmp_path, env=NO_AZURE_ENV, resource_uri=uri,
                 job_names=["job-c", "job-a", "job-c"], client_id=az["client_id"], secret=az["secret"],
                 tenant=az["tenant"], subscription_id=az["subscription_id"], cloud_environment=emulator.https_endpoint,
                 api_version="2025-10-01")
    out = info(result)
    assert [j["name"] for j in out["jobs"]] == ["job-c", "job-a"] and "job" not in out
    assert out["summary"]["total"] == 2
    assert {r["query"]["api-version"] for r in arm_requests(emulator)} == {"2025-10-01"}
    assert_no_secrets(result.output, emulator)


def test_list_mode_follows_next_link_on_resource_manager(emulator, run_playbook, tmp_path):
    uri = machine_uri(emulator, machine="node-3")
    names = seed(emulator, uri, *[f"job-{i:02d}" for i in range(5)], timeline=FAST, created_ago=5)
    seed(emulator, machine_uri(emulator, machine="other"), "elsewhere", timeline=FAST)
    emulator.admin("POST", "/azure/settings", {"page_size": 2})
    out = info(run(run_playbook, emulator, tmp_path, resource_uri=uri))
    assert [j["name"] for j in out["jobs"]] == names
    assert out["summary"]["succeeded"] == 5 and "job" not in out
    log = arm_requests(emulator)
    assert [r["operation"] for r in log] == ["EdgeDeviceJobs_ListByEdgeDevice"] * 3
    assert all(r["bearer"] for r in log)


def test_next_link_to_another_host_is_refused_and_that_host_sees_no_token(emulator, run_playbook, assert_no_secrets,
                                                                          tmp_path):
    uri = machine_uri(emulator, machine="node-4")
    seed(emulator, uri, "job-x1", "job-x2", timeline=FAST)
    other = RecordingServer()
    try:
        emulator.admin("POST", "/azure/settings", {"page_size": 1, "next_link_base": other.url})
        result = run(run_playbook, emulator, tmp_path, resource_uri=uri)
        out = info(result)
    finally:
        other.close()
    assert out["failed"] and out["error"]["code"] == "UntrustedNextLink" and out["error"]["retryable"] is False
    assert "nextLink" in out["msg"] and other.url.split("//")[1].split(":")[0] in out["msg"]
    assert other.seen == []   # not a single request, so certainly no Authorization header
    assert_no_secrets(result.output, emulator)


def test_remote_support_job_created_with_put_is_waited_to_succeeded(
        emulator, run_playbook, assert_no_secrets, tmp_path):
    uri = machine_uri(emulator, machine="node-5")
    emulator.admin("POST", "/timelines", {"hci_edge_device": OPEN})
    resp = put_job(emulator, uri, "support-put", {"jobType": "RemoteSupport", "accessLevel": "DiagnosticsAndRepair",
                                                  "expirationTimestamp": "2030-01-01T00:00:00Z", "type": "Enable",
                                                  "deploymentMode": "Deploy"})
    assert resp.status_code == 201, resp.text
    assert "operationStatuses" in resp.headers["Azure-AsyncOperation"] and int(resp.headers["Retry-After"]) >= 1
    assert resp.json()["properties"]["status"] == "Scheduled"
    emulator.clear_requests()
    with WhenPolled(emulator, lambda: continue_job(emulator, uri, "support-put", [["Succeeded", 2]])) as mover:
        result = run(run_playbook, emulator, tmp_path, resource_uri=uri, job_name="support-put", wait=True,
                     wait_sleep=1)
    assert mover.error is None
    out = info(result)
    job = out["job"]
    assert job["properties"]["status"] == "Succeeded" and job["properties"]["type"] == "Enable"
    assert job["normalized"]["state"] == "succeeded" and job["normalized"]["percent_complete"] == 100
    assert job["normalized"]["finished_at"] and out["elapsed"] > 0
    assert len(arm_requests(emulator)) >= 2   # it saw the job open, then polled until it finished
    assert_no_secrets(result.output, emulator)


def test_expired_token_mid_wait_gets_a_fresh_one(emulator, run_playbook, assert_no_secrets, tmp_path):
    uri = machine_uri(emulator, machine="node-6")
    seed(emulator, uri, "slow-job", timeline=OPEN)

    def expire_then_finish():
        emulator.admin("POST", "/azure/tokens/expire")
        continue_job(emulator, uri, "slow-job", [["Succeeded", 2]])

    with WhenPolled(emulator, expire_then_finish) as mover:
        result = run(run_playbook, emulator, tmp_path, resource_uri=uri, job_name="slow-job", wait=True, wait_sleep=1)
    assert mover.error is None
    out = info(result)
    assert out["job"]["normalized"]["state"] == "succeeded", out
    statuses = [r["status"] for r in arm_requests(emulator)]
    assert 401 in statuses and statuses[-1] == 200
    assert len(emulator.requests(service="entra", operation="Token")) >= 2
    assert_no_secrets(result.output, emulator)


def test_throttling_is_retried_after_retry_after(emulator, run_playbook, tmp_path):
    uri = machine_uri(emulator)
    seed(emulator, uri, "job-t1", timeline=FAST, created_ago=5)
    emulator.admin("POST", "/faults", {"kind": "throttle", "retry_after": 1, "count": 2,
                                       "match": {"service": "azure", "operation": "EdgeDeviceJobs_Get"}})
    out = info(run(run_playbook, emulator, tmp_path, resource_uri=uri, job_name="job-t1"))
    assert out["job"]["normalized"]["state"] == "succeeded"
    assert [r["status"] for r in arm_requests(emulator)] == [429, 429, 200]


def test_arm_errors_fill_the_error_block(emulator, run_playbook, tmp_path):
    uri = machine_uri(emulator)
    seed(emulator, uri, "job-e1", timeline=FAST)
    out = info(run(run_playbook, emulator, tmp_path, resource_uri=uri, job_name="job-nope"))
    assert out["failed"] and out["error"]["code"] == "ResourceNotFound" and out["error"]["http_status"] == 404
    assert "job-nope" in out["msg"] and "node-1" in out["msg"]
    out = info(run(run_playbook, emulator, tmp_path, resource_uri=uri, job_name="job-e1", api_version="2099-01-01"))
    assert out["error"] == {**out["error"], "code": "InvalidResourceType", "http_status": 400, "retryable": False}
    assert "2099-01-01" in out["error"]["message"]


def test_bad_input_and_password_sign_in_fail_before_any_request(emulator, run_playbook, assert_no_secrets, tmp_path):
    uri = machine_uri(emulator)
    out = info(run(run_playbook, emulator, tmp_path, resource_uri=uri + "/../../x", job_name="job-1"))
    assert out["failed"] and out["error"]["code"] == "ValidationError" and "resource_uri" in out["msg"]
    out = info(run(run_playbook, emulator, tmp_path, resource_uri=uri, job_name="../etc"))
    assert out["error"]["code"] == "ValidationError"
    out = info(run(run_playbook, emulator, tmp_path, resource_uri=uri, job_name="job-1", job_names=["job-2"]))
    assert out["error"]["code"] == "ValidationError"
    env = dict(NO_AZURE_ENV, AZURE_AD_USER="someone@example.com", AZURE_PASSWORD="Pa55w0rd-not-used",
               AZURE_CLOUD_ENVIRONMENT=emulator.https_endpoint)
    result = run(run_playbook, emulator, tmp_path, env=env, resource_uri=uri, job_name="job-1")
    out = info(result)
    assert out["error"]["code"] == "UnsupportedCredential" and "multifactor" in out["msg"]
    assert "Pa55w0rd-not-used" not in result.output
    assert emulator.requests() == []   # nothing at all reached the emulator
