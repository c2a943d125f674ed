"""The emulator's STS, driven by real botocore STS clients; raw XML checked against botocore's STS shapes."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import botocore
import botocore.exceptions
import pytest
from botocore.config import Config
from shapes import check_xml_shape

from emulator.sts import XMLNS, load_sts_model

MODEL = load_sts_model()
ROLE = "arn:aws:iam::123456789012:role/fleet-operator"
DENIED = "arn:aws:iam::123456789012:role/not-for-you"
OIDC_ROLE = "arn:aws:iam::123456789012:role/aap-oidc"
EXTERNAL_ID = "ext-id-7f3a9c"
WEB_TOKEN = "eyJhbGciOiJSUzI1NiJ9.emulator-web-identity-token.sig"
NS = {"sts": XMLNS}


class XmlRecorder:
    """Every raw STS answer botocore receives: (operation, status, headers, body)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, dict, bytes]] = []

    def attach(self, client) -> None:
        client.meta.events.register("before-parse", self._hook)

    def _hook(self, operation_model, response_dict, **_) -> None:
        self.seen.append((operation_model.name, response_dict["status_code"], dict(response_dict["headers"]),
                          response_dict["body"]))


def check_answer(op: str, status: int, headers: dict, body: bytes) -> None:
    """Success: {Op}Response/{Op}Result in the output shape + ResponseMetadata/RequestId. Error: ErrorResponse."""
    assert headers.get("content-type", headers.get("Content-Type")) == "text/xml"
    root = ET.fromstring(body)
    if status < 300:
        spec = MODEL["operations"][op]["output"]
        assert root.tag == f"{{{XMLNS}}}{op}Response"
        assert [child.tag.rsplit("}", 1)[-1] for child in root] == [spec["resultWrapper"], "ResponseMetadata"]
        problems = check_xml_shape(MODEL["shapes"], spec["shape"], root.find(f"sts:{spec['resultWrapper']}", NS))
        assert not problems, problems
        assert root.findtext("sts:ResponseMetadata/sts:RequestId", namespaces=NS)
        return
    assert root.tag == f"{{{XMLNS}}}ErrorResponse"
    error = root.find("sts:Error", NS)
    assert [c.tag.rsplit("}", 1)[-1] for c in error] == ["Type", "Code", "Message"]
    assert error.findtext("sts:Type", namespaces=NS) == ("Receiver" if status >= 500 else "Sender")
    assert root.findtext("sts:RequestId", namespaces=NS)
    code = error.findtext("sts:Code", namespaces=NS)
    modeled = {s["error"]["code"]: s for s in MODEL["shapes"].values() if s.get("exception") and "error" in s}
    if code in modeled:  # a declared error answers with the status the model gives it
        assert status == modeled[code]["error"]["httpStatusCode"], (code, status)


@pytest.fixture
def sts(emu, clients, shared_session):
    """(emu, signed STS client, unsigned STS client, recorder); every answer checked at teardown."""
    emu.admin("POST", "/sts/roles", {"roles": [
        {"arn": ROLE, "external_id": EXTERNAL_ID},
        {"arn": DENIED, "principals": []},
        {"arn": OIDC_ROLE, "web_identity_tokens": [{"token": WEB_TOKEN, "subject": "system:serviceaccount:aap:job"}]},
    ]})
    emu.admin("POST", "/devices", {"device_id": "dev-1"})
    emu.admin("POST", "/report-plans", {"name": "plan_a"})
    rec = XmlRecorder()
    signed = clients("sts")
    unsigned = shared_session.client("sts", endpoint_url=emu.endpoint, config=Config(
        signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1}))
    rec.attach(signed)
    rec.attach(unsigned)
    yield emu, signed, unsigned, rec
    assert rec.seen
    for entry in rec.seen:
        check_answer(*entry)


def assume(signed, **kw):
    return signed.assume_role(RoleArn=ROLE, RoleSessionName="jobgate-cloud", ExternalId=EXTERNAL_ID, **kw)


def test_operations_answer_in_their_output_shapes(sts):
    emu, signed, unsigned, rec = sts
    before = time.time()
    out = assume(signed, DurationSeconds=900)
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SessionToken"]) > 300
    assert 890 <= creds["Expiration"].timestamp() - before <= 901
    assert out["AssumedRoleUser"]["Arn"] == "arn:aws:sts::123456789012:assumed-role/fleet-operator/jobgate-cloud"
    assert out["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    web = unsigned.assume_role_with_web_identity(RoleArn=OIDC_ROLE, RoleSessionName="aap-job",
                                                 WebIdentityToken=WEB_TOKEN)
    assert web["SubjectFromWebIdentityToken"] == "system:serviceaccount:aap:job"
    assert web["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert signed.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:user/jobgate-emulator"
    assert [op for op, status, _unused, _unused in rec.seen if status == 200] == [
        "AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity"]


def test_issued_credentials_work_for_panorama_backup_and_sts_until_they_expire(sts, clients):
    emu, signed, _unused, rec = sts
    emu.admin("POST", "/sts/settings", {"credential_lifetime": 2})
    creds = assume(signed)["Credentials"]   # DurationSeconds 3600 asked; the emulator caps the life at 2 s
    assert creds["Expiration"].timestamp() - time.time() <= 2.5
    key = dict(access=creds["AccessKeyId"], secret=creds["SecretAccessKey"])
    pan, bak = clients("panorama", token=creds["SessionToken"], **key), clients("backup", token=creds["SessionToken"], **key)
    as_role = clients("sts", token=creds["SessionToken"], **key)
    rec.attach(as_role)
    assert pan.describe_device(DeviceId="dev-1")["DeviceId"] == "dev-1"
    assert bak.list_report_jobs()["ReportJobs"] == []
    assert as_role.get_caller_identity()["Arn"].endswith(":assumed-role/fleet-operator/jobgate-cloud")
    with pytest.raises(botocore.exceptions.ClientError) as info:  # the session token belongs to the key
        clients("panorama", **key).describe_device(DeviceId="dev-1")
    assert info.value.response["Error"]["Code"] == "UnrecognizedClientException"
    log = emu.requests()
    assert {e["principal"] for e in log if e["service"] in ("panorama", "backup") and e["auth_ok"]} == {
        "arn:aws:sts::123456789012:assumed-role/fleet-operator/jobgate-cloud"}
    time.sleep(max(0.0, creds["Expiration"].timestamp() - time.time()) + 0.3)
    for call, status in ((lambda: pan.describe_device(DeviceId="dev-1"), 403), (bak.list_report_jobs, 403)):
        with pytest.raises(botocore.exceptions.ClientError) as info:
            call()
        assert info.value.response["Error"]["Code"] == "ExpiredTokenException"
        assert info.value.response["Error"]["Message"] == "The security token included in the request is expired"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    with pytest.raises(botocore.exceptions.ClientError) as info:
        as_role.get_caller_identity()
    assert info.value.response["Error"]["Code"] == "ExpiredToken"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_denied_role_and_wrong_or_missing_external_id_are_access_denied(sts):
    emu, signed, _unused, _unused = sts
    cases = [dict(RoleArn=DENIED, RoleSessionName="s1"),
             dict(RoleArn=ROLE, RoleSessionName="s1", ExternalId="wrong-external-id"),
             dict(RoleArn=ROLE, RoleSessionName="s1"),
             dict(RoleArn="arn:aws:iam::123456789012:role/never-seeded", RoleSessionName="s1")]
    for kw in cases:
        with pytest.raises(botocore.exceptions.ClientError) as info:
            signed.assume_role(**kw)
        err = info.value.response
        assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
        assert err["Error"]["Message"] == ("User: arn:aws:iam::123456789012:user/jobgate-emulator is not authorized "
                                           f"to perform: sts:AssumeRole on resource: {kw['RoleArn']}")
        assert "wrong-external-id" not in err["Error"]["Message"] and EXTERNAL_ID not in err["Error"]["Message"]
    assert emu.admin("GET", "/sts/sessions")["sessions"] == []


def test_validation_the_model_declares(sts, shared_session):
    emu, _unused, _unused, rec = sts
    # send what botocore would refuse, as another SDK might
    raw = shared_session.client("sts", endpoint_url=emu.endpoint, aws_access_key_id=emu.aws["access_key"],
                                aws_secret_access_key=emu.aws["secret_key"],
                                config=Config(parameter_validation=False, retries={"total_max_attempts": 1}))
    rec.attach(raw)
    cases = [(dict(DurationSeconds=899), "at 'durationSeconds' failed to satisfy constraint: Member must have value "
                                         "greater than or equal to 900"),
             (dict(DurationSeconds=43201), "less than or equal to 43200"),
             (dict(RoleSessionName="has space"), "at 'roleSessionName' failed to satisfy constraint: Member must "
                                                 "satisfy regular expression pattern"),
             (dict(DurationSeconds=7200), "The requested DurationSeconds exceeds the MaxSessionDuration set for "
                                          "this role.")]
    for extra, text in cases:
        kw = dict(RoleArn=ROLE, RoleSessionName="s1", ExternalId=EXTERNAL_ID)
        kw.update(extra)
        with pytest.raises(botocore.exceptions.ClientError) as info:
            raw.assume_role(**kw)
        assert info.value.response["Error"]["Code"] == "ValidationError"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert text in info.value.response["Error"]["Message"]


def test_signature_checks_answer_in_sts_codes(sts, clients):
    emu, _unused, _unused, rec = sts
    bad_secret, unknown = clients("sts", secret="not-the-secret"), clients("sts", access="AKIAUNKNOWNKEY000000")
    rec.attach(bad_secret)
    rec.attach(unknown)
    for client, code in ((bad_secret, "SignatureDoesNotMatch"), (unknown, "InvalidClientTokenId")):
        with pytest.raises(botocore.exceptions.ClientError) as info:
            assume(client)
        assert info.value.response["Error"]["Code"] == code
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    form = urllib.parse.urlencode({"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": ROLE,
                                   "RoleSessionName": "s1"}).encode()
    with pytest.raises(urllib.error.HTTPError) as http_err:  # unsigned AssumeRole
        urllib.request.urlopen(urllib.request.Request(emu.endpoint + "/", data=form, headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}), timeout=5)
    assert http_err.value.code == 403
    check_answer("AssumeRole", 403, dict(http_err.value.headers), http_err.value.read())
    assert [(e["operation"], e["signed"], e["auth_ok"], e.get("error")) for e in emu.requests()] == [
        ("AssumeRole", True, False, "SignatureDoesNotMatch"), ("AssumeRole", True, False, "InvalidClientTokenId"),
        ("AssumeRole", False, False, "MissingAuthenticationToken")]


def test_web_identity_token_checks(sts, emu):
    emu_, _unused, unsigned, _unused = sts
    emu.admin("POST", "/sts/roles", {"arn": "arn:aws:iam::123456789012:role/short-token",
                                     "web_identity_tokens": [{"token": "expiring-token-1", "expires_in": 0}]})
    cases = [(OIDC_ROLE, "not-a-seeded-token", "InvalidIdentityToken", 400),
             (ROLE, WEB_TOKEN, "AccessDenied", 403),   # a real token, but this role does not trust it
             ("arn:aws:iam::123456789012:role/short-token", "expiring-token-1", "ExpiredTokenException", 400)]
    for role, token, code, status in cases:
        with pytest.raises(botocore.exceptions.ClientError) as info:
            unsigned.assume_role_with_web_identity(RoleArn=role, RoleSessionName="aap-job", WebIdentityToken=token)
        assert (info.value.response["Error"]["Code"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
            code, status)
    log = emu.requests()
    assert [(e["operation"], e["signed"], e["auth_ok"]) for e in log] == [
        ("AssumeRoleWithWebIdentity", False, False)] * 3


def test_log_names_operations_and_roles_and_secrets_lists_every_issued_value(sts, emu):
    emu_, signed, unsigned, _unused = sts
    creds = assume(signed)["Credentials"]
    web = unsigned.assume_role_with_web_identity(RoleArn=OIDC_ROLE, RoleSessionName="aap-job",
                                                 WebIdentityToken=WEB_TOKEN)["Credentials"]
    log = emu.requests()
    assert [(e["service"], e["operation"], e["auth_ok"], e["role_arn"]) for e in log] == [
        ("sts", "AssumeRole", True, ROLE), ("sts", "AssumeRoleWithWebIdentity", True, OIDC_ROLE)]
    values = set(emu.admin("GET", "/secrets")["values"])
    issued = {creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], web["AccessKeyId"],
              web["SecretAccessKey"], web["SessionToken"], EXTERNAL_ID, WEB_TOKEN}
    assert issued <= values
    text = json.dumps(log) + json.dumps(emu.admin("GET", "/sts/sessions")) + json.dumps(emu.admin("GET", "/sts/roles"))
    assert not [v for v in values if v in text]


def test_faults_answer_in_the_query_protocol(sts, emu):
    emu_, signed, _unused, _unused = sts
    emu.admin("POST", "/faults", {"faults": [{"match": {"service": "sts"}, "kind": "throttle"},
                                             {"match": {"service": "sts", "operation": "AssumeRole"},
                                              "kind": "error", "status": 503}]})
    for code, status in (("Throttling", 400), ("ServiceUnavailable", 503)):
        with pytest.raises(botocore.exceptions.ClientError) as info:
            assume(signed)
        assert (info.value.response["Error"]["Code"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
            code, status)
    assert assume(signed)["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_admin_rejects_bad_roles_and_settings(emu):
    for path, payload in (("/sts/roles", {"arn": "not-an-arn"}), ("/sts/roles", {"arn": ROLE, "principals": "*"}),
                          ("/sts/settings", {"credential_lifetime": 0}), ("/sts/settings", {})):
        with pytest.raises(urllib.error.HTTPError) as info:
            emu.admin("POST", path, payload)
        assert info.value.code == 400
    emu.admin("POST", "/sts/settings", {"credential_lifetime": 20})
    assert emu.admin("GET", "/sts/settings") == {"credential_lifetime": 20.0}
    emu.admin("POST", "/reset")
    assert emu.admin("GET", "/sts/settings") == {"credential_lifetime": None}
