"""Assume role and web identity through ansible-playbook, real botocore and the emulator's STS.

One run covers the assumed-role cases (the OTA wait, longer than the role credentials live, runs async while the
failing cases and the role run); a second run uses web identity from the environment alone. Both at -vvv,
scanned for the base secret, every issued session token and the external ids.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from aws_support import add_devices, seed

PLAYBOOK = "playbooks/aws_assume_role.yml"
WEB_IDENTITY = "playbooks/aws_web_identity.yml"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/fleet-operator"
DENIED = f"arn:aws:iam::{ACCOUNT}:role/not-for-jobgate"
BAD_INPUT_ROLE = f"arn:aws:iam::{ACCOUNT}:role/never-asked"
OIDC_ROLE = f"arn:aws:iam::{ACCOUNT}:role/aap-oidc"
LIFETIME = 20          # seconds the emulator's STS lets role credentials live
OTA_SECONDS = 24       # the OTA runs longer than that
# The wait's last poll comes at its deadline at the latest (pauses are capped at the time left), so the wait ends
# within WAIT_TIMEOUT seconds instead of a doubled backoff pause later. The deadline counts from the module's start,
# and the OTA's 24 s from its creation, after the AssumeRole and the start call: on a busy machine those took over
# 3 s, and beside a second make test the module's start-up, the AssumeRole and the start took over 12 s, so the OTA
# must complete well before the deadline (a wait ends when the job does: the room costs nothing on an idle machine).
WAIT_TIMEOUT = OTA_SECONDS + 30


def session_arn(role: str, session: str) -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role.rsplit('/', 1)[-1]}/{session}"


def when(entry: dict) -> float:
    return datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).timestamp()


def assert_clear_denial(out: dict, role: str) -> None:
    assert out["failed"] is True, out
    assert out["error"]["code"] == "AccessDenied" and out["error"]["retryable"] is False, out["error"]
    assert out["error"]["http_status"] == 403
    assert out["msg"].startswith(f"Could not assume role {role} "), out["msg"]
    assert "trust policy" in out["msg"]


def test_assumed_role_starts_waits_refreshes_and_fails_clearly(emulator, run_playbook, assert_no_secrets):
    external_id, wrong_external_id = f"ext-{secrets.token_hex(8)}", f"wrong-{secrets.token_hex(8)}"
    emulator.admin("POST", "/sts/roles", {"roles": [{"arn": ROLE, "external_id": external_id},
                                                    {"arn": DENIED, "principals": []}, {"arn": BAD_INPUT_ROLE}]})
    emulator.admin("POST", "/sts/settings", {"credential_lifetime": LIFETIME})
    add_devices(emulator, "device-role-1")
    emulator.admin("POST", "/timelines", {"panorama_device:OTA": [
        ["PENDING", 0], ["DOWNLOADING", 8], ["VERIFYING", 14], ["REBOOTING", 20], ["COMPLETED", OTA_SECONDS]]})
    report_job, role_report_job = seed(emulator, "backup_report", count=2, timeline=[
        ["CREATED", 0], ["RUNNING", 1], ["COMPLETED", 4]])
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars={
        "role_arn": ROLE, "external_id": external_id, "denied_role_arn": DENIED,
        "wrong_external_id": wrong_external_id, "bad_input_role_arn": BAD_INPUT_ROLE, "device_id": "device-role-1",
        "report_job_id": report_job, "role_report_job_id": role_report_job, "wait_timeout": WAIT_TIMEOUT})
    saved = result.assert_ok().result("results")
    log, sessions = emulator.requests(), emulator.admin("GET", "/sts/sessions")["sessions"]

    # The OTA: started and waited for with the role's credentials, over more than one credential lifetime.
    ota = saved["ota"]
    assert ota["finished"] and not ota.get("failed"), ota
    assert ota["changed"] is True and [j["status"] for j in ota["jobs"]] == ["COMPLETED"], ota
    ota_calls = [e for e in log if e.get("principal") == session_arn(ROLE, "ota-wait")]
    assert [e["operation"] for e in ota_calls].count("CreateJobForDevices") == 1
    assert all(e["auth_ok"] and e["status"] == 200 for e in ota_calls), ota_calls
    assert when(ota_calls[-1]) - when(ota_calls[0]) > LIFETIME
    ota_sessions = [s for s in sessions if s["session_name"] == "ota-wait"]
    assert len(ota_sessions) >= 2, sessions            # renewed before the first credentials ran out
    assert all(s["role_arn"] == ROLE and s["lifetime"] == LIFETIME for s in ota_sessions)
    assert len(ota_sessions) < len(ota_calls)          # renewed near the end of a life, not before every request
    # Every Panorama/Backup request was signed with role credentials, none with the base ones, none expired.
    service_calls = [e for e in log if e["service"] in ("panorama", "backup")]
    assert service_calls and all(e["principal"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/")
                                 for e in service_calls)
    assert not [e for e in log if e.get("error") in ("ExpiredTokenException", "ExpiredToken")]
    assume_calls = [e for e in log if e["operation"] == "AssumeRole"]
    assert all(e["signed"] and e["principal"] == f"arn:aws:iam::{ACCOUNT}:user/jobgate-emulator"
               for e in assume_calls)

    backup = saved["backup"]
    assert not backup.get("failed") and backup["job"]["report_job_id"] == report_job, backup

    # The role: assume-role options through wait_for_job_aws, one AssumeRole per poll (a module run each).
    role = saved["role"]
    assert role["failed"] is False and role["result"]["summary"]["all_succeeded"] is True, role
    assert [s for s in sessions if s["session_name"] == "role-poll"]
    assert any(e["operation"] == "DescribeReportJob" for e in log
               if e.get("principal") == session_arn(ROLE, "role-poll"))

    # Denied role and wrong external id: clear, not retryable, STS refused them.
    assert_clear_denial(saved["denied"], DENIED)
    assert_clear_denial(saved["wrong_external_id"], ROLE)
    refused = [(e["role_arn"], e["status"], e["error"]) for e in assume_calls if e["status"] != 200]
    assert sorted(refused) == sorted([(DENIED, 403, "AccessDenied"), (ROLE, 403, "AccessDenied")])

    # Bad assume-role input: refused before any request (no AssumeRole for that role, no Panorama listing).
    bad = saved["bad_input"]["results"] + [saved["bad_external_id"]]
    named = ["assume_role_arn", "assume_role_session_name", "assume_role_duration", "assume_role_external_id"]
    assert len(bad) == len(named)
    for out, option in zip(bad, named):
        assert out["failed"] is True and out["error"]["code"] == "ValidationError", out
        assert out["error"]["retryable"] is False and option in out["msg"], out["msg"]
    assert not [e for e in log if e.get("role_arn") == BAD_INPUT_ROLE]
    assert {e["principal"] for e in log if e["operation"] == "ListDevicesJobs"} == {session_arn(ROLE, "ota-wait")}

    # -vvv output: no base secret, issued key or session token, external id (right or wrong).
    assert_no_secrets(result.output, emulator)
    assert external_id not in result.output and wrong_external_id not in result.output


def test_web_identity_from_the_environment_alone(emulator, run_playbook, assert_no_secrets, tmp_path):
    token = f"eyJhbGciOiJSUzI1NiJ9.{secrets.token_urlsafe(48)}.sig"
    emulator.admin("POST", "/sts/roles", {"arn": OIDC_ROLE, "web_identity_tokens": [token]})
    token_file = tmp_path / "web-identity-token"
    token_file.write_text(token)
    report_job = seed(emulator, "backup_report", timeline=[["CREATED", 0], ["COMPLETED", 0.1]], created_ago=1)[0]
    # What Automation Platform's OIDC credential injects; no keys, no option. AWS_REGION only: the chain's STS
    # client must get the region from the module, since botocore itself reads AWS_DEFAULT_REGION.
    env = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None,
           "AWS_DEFAULT_REGION": None, "AWS_ROLE_ARN": OIDC_ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file),
           "AWS_ENDPOINT_URL_STS": emulator.aws_endpoint}
    result = run_playbook(WEB_IDENTITY, emulator=emulator, env=env, extra_vars={"report_job_id": report_job})
    out = result.assert_ok().result("info")
    assert not out.get("failed"), out
    assert out["job"]["report_job_id"] == report_job and out["job"]["status"] == "COMPLETED"
    log = emulator.requests()
    assert [(e["operation"], e["signed"], e["auth_ok"], e["role_arn"]) for e in log if e["service"] == "sts"] == [
        ("AssumeRoleWithWebIdentity", False, True, OIDC_ROLE)]
    backup = [e for e in log if e["service"] == "backup"]
    assert backup and all(e["auth_ok"] and e["principal"].startswith(session_arn(OIDC_ROLE, "")) for e in backup)
    assert_no_secrets(result.output, emulator)
