# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_core.redact: credentials obtained at run time, and what reads as one, out of every output; its exits."""
from __future__ import annotations

import json

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import remember_sent_credentials as aws_sent
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.transport import remember_sent_credentials as az_sent
from ansible_collections.jobgate.cloud.plugins.module_utils._core import redact
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import JobGateModule, run_module

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core 2.18
    from contextlib import contextmanager
    from unittest import mock

    from ansible.module_utils import basic

    @contextmanager
    def patch_module_args(args: dict):
        with mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()):
            yield

TOKEN = "IQoJb3JpZ2luX2VjEOBTAINEDsessionTOKEN0123456789"


@pytest.fixture(autouse=True)
def fresh():
    redact.forget_all()
    yield
    redact.forget_all()


def test_a_remembered_value_is_masked_anywhere_in_text_and_data():
    redact.remember(TOKEN, None, "abc")  # None and values too short to be credentials are ignored
    assert redact.known() == frozenset({TOKEN})
    assert redact.scrub(f"echo: x-token {TOKEN}!") == "echo: x-token ********!"
    data = {"msg": f"a {TOKEN}", "jobs": [{"tags": {TOKEN: "v"}}], "n": 3, "t": (TOKEN,)}
    assert redact.scrub_data(data) == {"msg": "a ********", "jobs": [{"tags": {"********": "v"}}], "n": 3,
                                       "t": ("********",)}


@pytest.mark.parametrize("echoed, shown", [
    ("Authorization: Bearer eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ4In0.c2ln; Host: x",
     "Authorization: Bearer ********; Host: x"),
    ("authorization: AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261207/us-east-1/backup/aws4_request, "
     "SignedHeaders=host, Signature=0123456789abcdef",
     "authorization: AWS4-HMAC-SHA256 ********, SignedHeaders=host, Signature=********"),
    ("X-Amz-Security-Token: FQoGZXIvYXdzEJr; X-IDENTITY-HEADER: 5b8a1c2d", "X-Amz-Security-Token: ********; "
     "X-IDENTITY-HEADER: ********"),
    ('{"Authorization": "Basic dXNlcjpwYXNz"}', '{"Authorization": "Basic ********"}'),
    ("client_secret=s3cr3tvalue&client_assertion=eyJhbGciOi.eyJpc3Mi.c2ln&grant_type=client_credentials",
     "client_secret=********&client_assertion=********&grant_type=client_credentials"),
    ("Action=AssumeRoleWithWebIdentity&WebIdentityToken=opaque-token-value",
     "Action=AssumeRoleWithWebIdentity&WebIdentityToken=********"),
    ("<SecretAccessKey>wJalrXUtnFEMI</SecretAccessKey><SessionToken>FQoGZXIv</SessionToken>",
     "<SecretAccessKey>********</SecretAccessKey><SessionToken>********</SessionToken>"),
    ("SignatureDoesNotMatch. The String-to-Sign should have been 'AWS4-HMAC-SHA256\n...'", "SignatureDoesNotMatch."),
])
def test_what_reads_as_a_credential_is_masked_though_never_seen(echoed, shown):
    assert redact.scrub(echoed) == shown


@pytest.mark.parametrize("text", [
    "AWS rejected the credentials (InvalidSignatureException). Check access_key/secret_key/session_token.",
    "The request signature we calculated does not match the signature you provided.",
    "Timed out at 2026-12-07T02:00:00Z after 3 attempts: job=abc status=FAILED",
])
def test_ordinary_messages_stay_as_they_are(text):
    assert redact.scrub(text) == text


def test_clean_data_is_returned_as_it_is():
    data = {"jobs": [{"id": str(i), "created_at": "2026-12-07T02:00:00Z"} for i in range(50)]}
    assert redact.scrub_data(data) is data


class _Prepared:
    def __init__(self, headers, body=None, data=None):
        self.headers, self.body, self.data = headers, body, data


def test_the_clients_remember_what_their_requests_carry():
    aws_sent(request=_Prepared({"X-Amz-Security-Token": TOKEN, "Host": "backup"}))
    aws_sent(request=_Prepared({}, body=b"Action=AssumeRoleWithWebIdentity&WebIdentityToken=web-identity-jwt-1"))
    az_sent(_Prepared({"X-IDENTITY-HEADER": "identity-header-1"},
                      data={"client_assertion": "assertion-1", "scope": "https://x/.default"}))
    az_sent(_Prepared({"Authorization": "Basic arc-key-1"}, body="client_secret=client-secret-1&grant_type=x"))
    assert redact.known() == {TOKEN, "web-identity-jwt-1", "identity-header-1", "assertion-1", "Basic arc-key-1",
                              "client-secret-1"}


def test_run_module_scrubs_results_failures_and_warnings(capsys):
    def handler(module):
        redact.remember(TOKEN)  # a client obtained it while the task ran
        module.warn(f"the gateway said X-Amz-Security-Token: {TOKEN}")
        raise JobGateError(f"Could not get job j: gateway echoed {TOKEN}", code="BadRequest",
                           message=f"echo {TOKEN}", http_status=400)

    with patch_module_args({}), pytest.raises(SystemExit):
        run_module(JobGateModule(argument_spec={}, supports_check_mode=True), handler)
    out = capsys.readouterr().out
    assert TOKEN not in out
    result = json.loads(out)
    assert result["msg"] == "Could not get job j: gateway echoed ********"
    assert result["error"]["message"] == "echo ********"
    # ansible-core 2.19 returns warnings as objects, 2.18 as strings
    assert "the gateway said X-Amz-Security-Token: ********" in json.dumps(result["warnings"])


def test_run_module_scrubs_a_success_too(capsys):
    def handler(_module):
        redact.remember(TOKEN)
        return {"changed": False, "jobs": [{"normalized": {"message": f"echoed {TOKEN}"}}]}

    with patch_module_args({}), pytest.raises(SystemExit):
        run_module(JobGateModule(argument_spec={}, supports_check_mode=True), handler)
    result = json.loads(capsys.readouterr().out)
    assert result["jobs"][0]["normalized"]["message"] == "echoed ********"
