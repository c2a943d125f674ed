"""Secrets: a representative run of every module (ids, list, wait, start, check mode), the role for every kind and
failures (a wrong secret, a refused token) at -vvv, scanned with everything saved for every credential value,
session token and bearer token the emulator issued: zero hits. And TLS verification is on by default on both
clouds: without the emulator's CA trusted, a clear message (no traceback), not a retryable connection error."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hci_support import machine_uri
from reliability_support import case_playbook

NO_CA = {name: None for name in ("REQUESTS_CA_BUNDLE", "AWS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")}
SESSION_TOKEN = "IQoJb3JpZ2luX2VjSESSIONtokenFORtheSECRETscan0123456789"
RESTORE_PASSWORD = "Rst0re-Pa55word-FORtheSECRETscan-42"
BACKUP_ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"


@pytest.fixture
def emulator_with_token(tmp_path_factory):
    from harness import EmulatorProcess

    emu = EmulatorProcess(tmp_path_factory.mktemp("emulator-secrets"), extra_args=["--aws-session-token", SESSION_TOKEN])
    try:
        yield emu
    finally:
        emu.stop()


def test_every_module_and_the_role_at_vvv_leak_nothing(emulator_with_token, run_playbook, assert_no_secrets, tmp_path):
    emu = emulator_with_token
    uri = machine_uri(emu, machine="secret-node")
    az = emu.state["azure"]
    emu.admin("POST", "/devices", {"device_id": "device-s1", "name": "hub-s1", "current_software": "4.3.45"})
    emu.admin("POST", "/report-plans", {"name": "plan_secrets"})
    secret_db = "arn:aws:rds:us-east-1:123456789012:db:secret-db"
    point = emu.admin("POST", "/recovery-points", {"resource_arn": secret_db, "backup_vault_name": "secret-vault"})
    point = point["recovery_points"][0]
    secret_volume = "arn:aws:ec2:us-east-1:123456789012:volume/vol-05ec7e7000000000"
    volume_point = emu.admin("POST", "/recovery-points", {"resource_arn": secret_volume,
                                                          "backup_vault_name": "secret-vault"})["recovery_points"][0]
    done = {"panorama_device": [["PENDING", 0], ["IN_PROGRESS", 0.5], ["COMPLETED", 1.5]]}
    ids = emu.admin("POST", "/jobs", {"jobs": [
        {"kind": "panorama_device", "fields": {"DeviceId": "device-s1", "JobType": "REBOOT"},
         "timeline": done["panorama_device"]},
        {"kind": "panorama_package_import", "timeline": [["PENDING", 0], ["SUCCEEDED", 1.5]]},
        {"kind": "backup_report", "fields": {"ReportPlanName": "plan_secrets"},
         "timeline": [["CREATED", 0], ["RUNNING", 0.5], ["COMPLETED", 1.5]]},
        {"kind": "hci_edge_device", "resource_uri": uri, "name": "secret-job-1",
         "timeline": [["Scheduled", 0], ["DeploymentInProgress", 0.5], ["Succeeded", 1.5]]},
        {"kind": "backup_job", "fields": {"ResourceArn": secret_db, "BackupVaultName": "secret-vault"},
         "timeline": [["CREATED", 0], ["RUNNING", 0.5], ["COMPLETED", 1.5]]},
        {"kind": "copy_job", "timeline": [["CREATED", 0], ["RUNNING", 0.5], ["COMPLETED", 1.5]]},
        {"kind": "scan_job", "fields": {"ScanResultStatus": "THREATS_FOUND"},
         "timeline": [["CREATED", 0], ["RUNNING", 0.5], ["COMPLETED", 1.5, "1 infected file."]]},
    ]})["job_ids"]
    pd, pi, br, bj, cj, sj = ids[0], ids[1], ids[2], ids[4], ids[5], ids[6]
    cluster = (f"/subscriptions/{az['subscription_id']}/resourceGroups/edge-rg/providers/Microsoft.AzureStackHCI/"
               "clusters/secret-cluster")
    emu.admin("POST", "/azure/updates", {"cluster_id": cluster, "name": "Solution12.2605.1001.1", "state": "Ready"})
    emu.admin("POST", "/jobs", {"kind": "hci_update_run", "cluster_id": cluster, "update_name": "Solution12.2604.1.1",
                                "name": "secret-run-1", "timeline": [["InProgress", 0], ["Succeeded", 1.5]]})
    emu.admin("POST", "/timelines", {"hci_update_run": [["InProgress", 0], ["Succeeded", 1.5]]})
    # Azure credentials as module options (no_log) in some tasks, from the environment in others.
    az_opts = {"client_id": az["client_id"], "secret": az["secret"], "tenant": az["tenant"],
               "subscription_id": az["subscription_id"], "cloud_environment": emu.https_endpoint}
    wait = {"wait": True, "wait_sleep": 1, "wait_timeout": 60}
    role_aws = {"endpoint_url": emu.aws_endpoint, "secret_key": emu.state["aws"]["secret_key"],
                "session_token": SESSION_TOKEN}
    cases = [
        {"id": "pd-wait", "module": "panorama_device", "args": {
            "job_id": pd, **wait, "secret_key": emu.state["aws"]["secret_key"], "session_token": SESSION_TOKEN}},
        {"id": "pd-list", "module": "panorama_device", "args": {"device_id": "device-s1"}},
        {"id": "pi-wait", "module": "panorama_package_import", "args": {"job_ids": [pi], **wait}},
        {"id": "br-wait", "module": "backup_report", "args": {"report_job_id": br, **wait}},
        {"id": "br-list", "module": "backup_report", "args": {"report_plan_name": "plan_secrets"}},
        {"id": "hci-wait-opts", "module": "hci_edge_device", "args": {
            "resource_uri": uri, "job_name": "secret-job-1", **wait, **az_opts}},
        {"id": "hci-list-env", "module": "hci_edge_device", "args": {"resource_uri": uri}},
        {"id": "start-reboot", "module": "jobgate.cloud.panorama_device_job",
         "args": {"device_ids": ["device-s1"], "job_type": "REBOOT"}},
        {"id": "start-report", "module": "jobgate.cloud.backup_report_job", "args": {"report_plan_name": "plan_secrets"}},
        {"id": "start-import", "module": "jobgate.cloud.panorama_package_import_job",
         "args": {"job_type": "NODE_PACKAGE_VERSION", "input_config": {"s3_location": {
             "bucket_name": "packages", "object_key": "pkg/manifest.json", "region": emu.region}},
             "output_config": {"package_name": "pkg_secrets", "package_version": "1.0"}}},
        {"id": "start-collect-log", "module": "jobgate.cloud.hci_edge_device_job",
         "args": {"resource_uri": uri, "job_name": "collect-s1", "job_type": "CollectLog",
                  "from_date": "2025-01-01T00:00:00Z", "to_date": "2025-01-02T00:00:00Z", **az_opts}},
        {"id": "bj-wait", "module": "backup_job", "args": {"backup_job_id": bj, **wait}},
        {"id": "start-backup", "module": "jobgate.cloud.backup_job", "args": {
            "backup_vault_name": "secret-vault", "resource_arn": secret_db, "iam_role_arn": BACKUP_ROLE}},
        # restore metadata can hold passwords: no_log, never in the output, not even at -vvv or on failure
        {"id": "start-restore", "module": "jobgate.cloud.restore_job", "args": {
            "recovery_point_arn": point, "iam_role_arn": BACKUP_ROLE, **wait,
            "metadata": {"DBInstanceIdentifier": "secret-db-restored", "MasterUserPassword": RESTORE_PASSWORD}}},
        {"id": "rj-list", "module": "restore_job", "args": {"status": "COMPLETED"}},
        {"id": "wrong-restore-type", "module": "jobgate.cloud.restore_job", "args": {
            "recovery_point_arn": point, "resource_type": "EBS", "metadata": {"MasterUserPassword": RESTORE_PASSWORD}}},
        {"id": "cj-wait", "module": "copy_job", "args": {"copy_job_id": cj, **wait}},
        {"id": "sj-wait", "module": "scan_job", "args": {"scan_job_id": sj, **wait}},
        {"id": "start-copy", "module": "jobgate.cloud.copy_job", "args": {
            "recovery_point_arn": point, "source_backup_vault_name": "secret-vault", "iam_role_arn": BACKUP_ROLE,
            "destination_backup_vault_arn": "arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault", **wait}},
        {"id": "start-scan", "module": "jobgate.cloud.scan_job", "args": {
            "recovery_point_arn": volume_point, "backup_vault_name": "secret-vault", "iam_role_arn": BACKUP_ROLE,
            "scanner_role_arn": BACKUP_ROLE, "scan_mode": "FULL_SCAN", "idempotency_token": "scan-secrets", **wait}},
        {"id": "role-copy-scan", "module": "role", "args": {
            "wait_for_job_jobs": [{"kind": "copy_job", "id": cj}, {"kind": "scan_job", "id": "{{ reliability_cases"
                                  "['start-scan'].result.job.scan_job_id }}"}],
            "wait_for_job_delay": 1, "wait_for_job_aws": role_aws}},
        {"id": "role-bj", "module": "role", "args": {"wait_for_job_kind": "backup_job", "wait_for_job_id": bj,
                                                     "wait_for_job_delay": 1, "wait_for_job_aws": role_aws}},
        {"id": "role-pd", "module": "role", "args": {"wait_for_job_kind": "panorama_device", "wait_for_job_id": pd,
                                                     "wait_for_job_delay": 1, "wait_for_job_aws": role_aws}},
        {"id": "role-hci", "module": "role", "args": {"wait_for_job_kind": "hci_edge_device",
                                                      "wait_for_job_id": "secret-job-1", "wait_for_job_delay": 1,
                                                      "wait_for_job_resource_uri": uri, "wait_for_job_azure": az_opts}},
        {"id": "hu-wait-opts", "module": "hci_update_run", "args": {
            "cluster_id": cluster, "update_name": "Solution12.2604.1.1", "run_name": "secret-run-1", **wait, **az_opts}},
        {"id": "start-update", "module": "jobgate.cloud.hci_update", "args": {
            "cluster_id": cluster, "update_name": "Solution12.2605.1001.1", **wait, **az_opts}},
        {"id": "role-hu", "module": "role", "args": {"wait_for_job_kind": "hci_update_run",
                                                     "wait_for_job_id": "secret-run-1", "wait_for_job_delay": 1,
                                                     "wait_for_job_cluster_id": cluster,
                                                     "wait_for_job_update_name": "Solution12.2604.1.1",
                                                     "wait_for_job_azure": az_opts}},
        {"id": "wrong-aws-secret", "module": "backup_report",
         "args": {"report_job_id": br, "secret_key": "WRONGsecretWRONGsecret0123456789abcdefgh"}},
        {"id": "wrong-azure-secret", "module": "hci_edge_device",
         "args": {"resource_uri": uri, "job_name": "secret-job-1", **dict(az_opts, secret="not-the-secret-x1y2z3")}},
    ]
    home = tmp_path / "home"
    home.mkdir()
    result = run_playbook(case_playbook(cases), emulator=emu, verbosity=3, timeout=300, env={"HOME": str(home)},
                          extra_vars={"admin_url": emu.admin_url})
    assert result.rc == 0, result.tail()
    saved = result.result("cases")
    for cid in [c["id"] for c in cases]:
        out = saved[cid]["result"]
        if cid.startswith("wrong-"):
            assert out.get("failed") and out["error"]["retryable"] is False, (cid, out)
        else:
            assert not out.get("failed"), (cid, out.get("msg"), out)
    secrets = emu.secrets()
    tokens = emu.admin("GET", "/azure/tokens")
    assert tokens["issued"] >= 1 and SESSION_TOKEN in secrets and az["secret"] in secrets and RESTORE_PASSWORD in secrets
    assert saved["rj-list"]["result"]["summary"]["succeeded"] == 1
    assert saved["sj-wait"]["result"]["job"]["normalized"]["state"] == "failed"   # threats found: data, not a leak
    assert saved["start-scan"]["result"]["summary"]["all_succeeded"] is True
    # Output of -vvv plus every file the run wrote (results, vars file excluded: it is the test's own input).
    files = "\n".join(p.read_text(errors="replace") for p in Path(result.out_dir).rglob("*")
                      if p.is_file() and p.name != "_extra_vars.json" and p.name != "_playbook.yml")
    text = result.output + "\n" + files
    # The access key ID is an identifier that -vvv prints as amazon.aws does; the secret key, session token,
    # client secret and every bearer token are secrets.
    assert_no_secrets(text, emu, allow=("aws.access_key",))
    for wrong in ("WRONGsecretWRONGsecret0123456789abcdefgh", "not-the-secret-x1y2z3", RESTORE_PASSWORD):
        assert wrong not in text
    assert "Bearer " not in text and "eyJ0eXAiOiJKV1QifQ." not in text


def test_aws_tls_verification_is_on_by_default(emulator, run_playbook, assert_no_secrets):
    job = emulator.admin("POST", "/jobs", {"kind": "backup_report"})["job_ids"][0]
    playbook = case_playbook([
        {"id": "untrusted", "module": "backup_report", "args": {
            "report_job_id": job, "endpoint_url": emulator.https_endpoint}},
        {"id": "trusted", "module": "backup_report", "args": {
            "report_job_id": job, "endpoint_url": emulator.https_endpoint, "aws_ca_bundle": emulator.ca_file}},
    ], aws_endpoint=False)
    result = run_playbook(playbook, emulator=emulator, azure=False, env=NO_CA, timeout=180)
    assert result.rc == 0, result.tail()
    untrusted = result.result("cases")["untrusted"]["result"]
    assert untrusted["failed"] and untrusted["error"]["code"] == "SSLError" and untrusted["error"]["retryable"] is False
    assert "certificate" in untrusted["msg"] and "aws_ca_bundle" in untrusted["msg"]
    assert "Traceback" not in untrusted["msg"]
    assert not result.result("cases")["trusted"]["result"].get("failed")
    assert_no_secrets(result.output, emulator)


def test_azure_tls_verification_is_on_by_default(emulator, run_playbook, assert_no_secrets, tmp_path):
    uri = machine_uri(emulator)
    emulator.admin("POST", "/jobs", {"kind": "hci_edge_device", "resource_uri": uri, "name": "tls-job-1"})
    home = tmp_path / "home"
    home.mkdir()
    result = run_playbook("playbooks/hci_edge_device.yml", emulator=emulator, aws=False, timeout=180,
                          env={"HOME": str(home), **NO_CA},
                          extra_vars={"resource_uri": uri, "job_name": "tls-job-1"})
    out = result.assert_ok().result("info")
    assert out["failed"] and out["error"]["code"] == "SSLError" and out["error"]["retryable"] is False, out
    assert "certificate" in out["msg"] and "REQUESTS_CA_BUNDLE" in out["msg"] and "Traceback" not in out["msg"]
    assert emulator.requests(service="azure-arm") == [] and emulator.requests(service="entra") == []
    assert_no_secrets(result.output, emulator)
    json.dumps(out)


# ---------------------------------------------------------------------------------------------------- echo fault
ECHO_ROLE = "arn:aws:iam::123456789012:role/echo-operator"
ECHO_OIDC_ROLE = "arn:aws:iam::123456789012:role/echo-oidc"
ECHOED = "Request rejected by the gateway"


def _echo_playbook(cases: list[dict]) -> str:
    """One task per case: arm an echo fault on the case's service, run the module, clear the fault; then save
    every registered result as {{ out_dir }}/echo.json."""
    tasks: list[dict] = []
    for case in cases:
        admin = {"url": "{{ admin_url }}/faults", "method": "POST", "status_code": [200], "timeout": 10,
                 "body_format": "json"}
        tasks.append({"name": f"{case['id']}: arm the echo", "ansible.builtin.uri": dict(admin, body={"faults": [
            {"kind": "echo", "match": {"service": case["service"]}, "count": -1}]})})
        run = {"name": f"{case['id']}: run", case["module"]: case["args"], "register": "echo_" + case["id"],
               "ignore_errors": True}
        if case.get("env"):
            run["environment"] = case["env"]
        tasks.append(run)
        tasks.append({"name": f"{case['id']}: clear the echo",
                      "ansible.builtin.uri": dict(admin, url="{{ admin_url }}/faults/clear", body={})})
    saved = "{{ {" + ", ".join(f"'{c['id']}': echo_{c['id']}" for c in cases) + "} | to_json }}"
    tasks.append({"name": "Save the results", "ansible.builtin.copy": {
        "content": saved, "dest": "{{ out_dir }}/echo.json", "mode": "0600"}})
    import yaml  # pylint: disable=import-outside-toplevel
    return yaml.safe_dump([{"name": "Echoed requests", "hosts": "localhost", "gather_facts": False,
                            "tasks": tasks}], sort_keys=False)


def _assert_echoed_and_masked(saved: dict, cases: list[dict]) -> None:
    for case in cases:
        out = saved[case["id"]]
        assert out.get("failed") and out["error"]["retryable"] is False, (case["id"], out)
        assert ECHOED in out["msg"] and ECHOED in out["error"]["message"], (case["id"], out["msg"])
        # The credential the request carried was there, and shows masked.
        assert case["masked"].lower() in out["msg"].lower(), (case["id"], case["masked"], out["msg"])


def test_an_echoed_request_shows_no_credential_on_any_path(emulator, run_playbook, assert_no_secrets, tmp_path):
    """A gateway that answers 400 with the request's headers and form body in its error, on AWS, STS, Resource
    Manager, the token endpoint and the managed identity endpoint, for every way the modules get credentials."""
    from test_azure_auth_sources import CLEAN, STAND_IN_BIN  # pylint: disable=import-outside-toplevel
    import os  # pylint: disable=import-outside-toplevel
    import secrets as random_secrets  # pylint: disable=import-outside-toplevel
    import sys  # pylint: disable=import-outside-toplevel

    import boto3  # pylint: disable=import-outside-toplevel

    external_id = f"ext-{random_secrets.token_hex(8)}"
    web_token = f"eyJhbGciOiJSUzI1NiJ9.{random_secrets.token_urlsafe(48)}.sig"
    emulator.admin("POST", "/sts/roles", {"roles": [{"arn": ECHO_ROLE, "external_id": external_id},
                                                    {"arn": ECHO_OIDC_ROLE, "web_identity_tokens": [web_token]}]})
    report = emulator.admin("POST", "/jobs", {"kind": "backup_report"})["job_ids"][0]
    uri = machine_uri(emulator, machine="echo-node")
    emulator.admin("POST", "/jobs", {"kind": "hci_edge_device", "resource_uri": uri, "name": "echo-job-1"})
    # A session token given as an option: temporary credentials from the emulator's STS, as a user would hold them.
    aws = emulator.state["aws"]
    sts = boto3.client("sts", aws_access_key_id=aws["access_key"], aws_secret_access_key=aws["secret_key"],
                       region_name=aws["region"], endpoint_url=emulator.aws_endpoint)
    temporary = sts.assume_role(RoleArn=ECHO_ROLE, RoleSessionName="given", ExternalId=external_id)["Credentials"]
    fed = emulator.admin("POST", "/azure/workload-identity", {})
    token_file, web_token_file = tmp_path / "federated-token", tmp_path / "web-identity-token"
    token_file.write_text(fed["assertion"])
    web_token_file.write_text(web_token)
    emulator.admin("POST", "/azure/cli/login", {})
    identity = emulator.admin("GET", "/azure/identity")
    az = emulator.state["azure"]
    report_args = {"report_job_id": report, "endpoint_url": emulator.aws_endpoint}
    role_args = dict(report_args, assume_role_arn=ECHO_ROLE, assume_role_external_id=external_id,
                     sts_endpoint_url=emulator.aws_endpoint)
    hci = "jobgate.cloud.hci_edge_device_job_info"
    hci_args = {"resource_uri": uri, "job_name": "echo-job-1", "cloud_environment": emulator.https_endpoint}
    sp_args = dict(hci_args, client_id=az["client_id"], secret=az["secret"], tenant=az["tenant"],
                   subscription_id=az["subscription_id"])
    pod = {"AZURE_FEDERATED_TOKEN_FILE": str(token_file), "AZURE_CLIENT_ID": fed["client_id"],
           "AZURE_TENANT_ID": fed["tenant"], "AZURE_AUTHORITY_HOST": emulator.https_endpoint + "/",
           "AZURE_SUBSCRIPTION_ID": az["subscription_id"]}
    cli = {"AZURE_SUBSCRIPTION_ID": az["subscription_id"]}
    report_module = "jobgate.cloud.backup_report_job_info"
    bearer = "Authorization: Bearer ********"
    # Run 1: keys in the process environment (as the harness sets them), everything else per task.
    with_keys = [
        {"id": "keys", "service": "backup", "module": report_module, "args": report_args,
         "masked": "Signature=********"},
        {"id": "session_token", "service": "backup", "module": report_module, "masked": "X-Amz-Security-Token: ********",
         "args": dict(report_args, access_key=temporary["AccessKeyId"], secret_key=temporary["SecretAccessKey"],
                      session_token=temporary["SessionToken"])},
        {"id": "assumed_role", "service": "backup", "module": report_module, "args": role_args,
         "masked": "X-Amz-Security-Token: ********"},
        {"id": "assume_role_call", "service": "sts", "module": report_module, "args": role_args,
         "masked": "ExternalId=********"},
        {"id": "client_secret", "service": "azure", "module": hci, "args": sp_args, "masked": bearer},
        {"id": "client_secret_token", "service": "entra", "module": hci, "args": sp_args,
         "masked": "client_secret=********"},
        {"id": "workload_identity", "service": "azure", "module": hci, "env": pod, "masked": bearer,
         "args": dict(hci_args, auth_source="workload_identity")},
        {"id": "workload_identity_token", "service": "entra", "module": hci, "env": pod,
         "masked": "client_assertion=********", "args": dict(hci_args, auth_source="workload_identity")},
        {"id": "cli", "service": "azure", "module": hci, "env": cli, "masked": bearer,
         "args": dict(hci_args, auth_source="cli")},
    ]
    # Run 2: no keys; a web identity and an App Service managed identity in the process environment, as the
    # platform sets them (the identity header must not go through `environment`, which -vvv prints).
    elsewhere = [
        {"id": "web_identity", "service": "backup", "module": report_module, "args": report_args,
         "masked": "X-Amz-Security-Token: ********"},
        {"id": "web_identity_call", "service": "sts", "module": report_module, "args": report_args,
         "masked": "WebIdentityToken=********"},
        {"id": "managed_identity", "service": "azure", "module": hci, "masked": bearer,
         "args": dict(hci_args, auth_source="msi", subscription_id=az["subscription_id"])},
        {"id": "managed_identity_token", "service": "managed-identity", "module": hci,
         "masked": "X-Identity-Header: ********",
         "args": dict(hci_args, auth_source="msi", subscription_id=az["subscription_id"])},
    ]
    home = tmp_path / "home"
    home.mkdir()
    path = os.pathsep.join((str(STAND_IN_BIN), str(Path(sys.executable).parent), os.environ["PATH"]))
    common = {"HOME": str(home), "PATH": path, "JOBGATE_EMULATOR_ADMIN_URL": emulator.admin_url}
    runs = [
        (with_keys, run_playbook(_echo_playbook(with_keys), emulator=emulator, azure=False, timeout=300,
                                 env=dict(CLEAN, **common), extra_vars={"admin_url": emulator.admin_url})),
        (elsewhere, run_playbook(_echo_playbook(elsewhere), emulator=emulator, aws=False, azure=False, timeout=300,
                                 env=dict(CLEAN, **common, **emulator.ca_env(), **{
                                     "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
                                     "AWS_SESSION_TOKEN": None, "AWS_REGION": emulator.region,
                                     "AWS_CONFIG_FILE": str(tmp_path / "absent"),
                                     "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "absent"),
                                     "AWS_EC2_METADATA_DISABLED": "true", "AWS_ROLE_ARN": ECHO_OIDC_ROLE,
                                     "AWS_WEB_IDENTITY_TOKEN_FILE": str(web_token_file),
                                     "AWS_ENDPOINT_URL_STS": emulator.aws_endpoint,
                                     "IDENTITY_ENDPOINT": identity["identity_endpoint"],
                                     "IDENTITY_HEADER": identity["identity_header"]}),
                                 extra_vars={"admin_url": emulator.admin_url})),
    ]
    for cases, result in runs:
        saved = result.assert_ok().result("echo")
        _assert_echoed_and_masked(saved, cases)
        files = "\n".join(p.read_text(errors="replace") for p in Path(result.out_dir).rglob("*")
                          if p.is_file() and p.name not in ("_extra_vars.json", "_playbook.yml"))
        # An access key ID is an identifier that -vvv prints with the options, as for the base keys above.
        text = (result.output + "\n" + files).replace(temporary["AccessKeyId"], "<access key id>")
        # Everything the emulator issued or was given (base keys, STS credentials, bearer tokens, the identity
        # header, federated and web identity tokens, the external id), and the temporary credentials given here.
        assert_no_secrets(text, emulator, allow=("aws.access_key",))
        for value in (temporary["SecretAccessKey"], temporary["SessionToken"], web_token, fed["assertion"],
                      external_id, identity["identity_header"]):
            assert value not in text
        assert "Bearer ey" not in text


def test_the_event_source_shows_no_echoed_credential(emulator, assert_no_secrets, tmp_path):
    """The event source through the real ansible-rulebook (-vv): an echo that ends it (AWS, assumed role, 400) and
    echoes it rides through and logs (HCI, 503): the stop line and the warnings show the gateway's words, the
    credentials masked."""
    from rulebook_support import Rulebook, one_source_rulebook  # pylint: disable=import-outside-toplevel

    emulator.admin("POST", "/sts/roles", {"arn": ECHO_ROLE})
    report = emulator.admin("POST", "/jobs", {"kind": "backup_report"})["job_ids"][0]
    uri = machine_uri(emulator, machine="echo-source")
    emulator.admin("POST", "/jobs", {"kind": "hci_edge_device", "resource_uri": uri, "name": "echo-source-1"})
    emulator.admin("POST", "/faults", {"faults": [
        {"kind": "echo", "match": {"service": "backup"}, "count": -1},
        {"kind": "echo", "status": 503, "match": {"service": "azure"}, "count": -1}]})
    aws_rulebook = one_source_rulebook(tmp_path / "aws.yml", {
        "kind": "backup_report", "job_ids": [report], "interval": 5, "assume_role_arn": ECHO_ROLE,
        "sts_endpoint_url": emulator.aws_endpoint})
    hci_rulebook = one_source_rulebook(tmp_path / "hci.yml", {
        "kind": "hci_edge_device", "resource_uri": uri, "job_names": ["echo-source-1"], "interval": 5})
    aws_run = Rulebook(aws_rulebook, tmp_path / "aws", emulator=emulator, verbosity=2)
    hci_run = Rulebook(hci_rulebook, tmp_path / "hci", emulator=emulator, verbosity=2)
    try:
        assert aws_run.wait(120) != 0, aws_run.tail()
        hci_run.wait_until(lambda: hci_run.output.count("poll failed, trying again") >= 1, 120, "a failed poll")
    finally:
        hci_run.stop()
    stopped = [line for line in aws_run.output.splitlines() if "stopped:" in line]
    assert stopped and ECHOED in stopped[-1] and "X-Amz-Security-Token: ********" in stopped[-1], aws_run.tail()
    warned = [line for line in hci_run.output.splitlines() if "poll failed, trying again" in line]
    assert ECHOED in warned[0] and "Authorization: Bearer ********" in warned[0], hci_run.tail()
    for run in (aws_run, hci_run):
        assert_no_secrets(run.output, emulator, allow=("aws.access_key",))
        assert "Bearer ey" not in run.output
