"""Assume-role options: checks before any request, botocore's refreshing credentials, clear STS failures.

STS answers come from botocore's own ``before-send`` event (real botocore serializing, signing and parsing the
query protocol), so no request leaves the process; the emulator-backed runs are in
tests/integration/test_aws_assume_role.py.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs

import botocore.awsrequest
import botocore.exceptions
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from botocore.session import Session as RealSession

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.credentials import (
    assume_role_error, refresh_windows,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.models import scoped_loader
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AWS_ARG_SPEC, resolve_settings
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from fake_clock import Clock  # tests/unit/plugins/module_utils/fake_clock.py

ROLE = "arn:aws:iam::123456789012:role/fleet-operator"
EXTERNAL_ID = "ext-7f3a9c-secret"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
BASE = {"access_key": "AKIDEXAMPLE", "secret_key": SECRET, "region": "eu-west-1"}
STS_URL = "https://sts.example.invalid"


def settings(**params):
    return resolve_settings({**BASE, "assume_role_arn": ROLE, "sts_endpoint_url": STS_URL, **params}, {})


# ------------------------------------------------------------------------------------------------ spec and settings
def test_spec_defaults_and_external_id_is_no_log():
    result = ArgumentSpecValidator(AWS_ARG_SPEC).validate({"assume_role_arn": ROLE, "assume_role_external_id": EXTERNAL_ID})
    assert not result.error_messages
    got = result.validated_parameters
    assert (got["assume_role_session_name"], got["assume_role_duration"]) == ("jobgate-cloud", 3600)
    assert EXTERNAL_ID in result._no_log_values and ROLE not in result._no_log_values


def test_settings_carry_the_role_and_keep_the_external_id_secret():
    s = settings(assume_role_external_id=EXTERNAL_ID, assume_role_session_name="nightly", assume_role_duration=900)
    assert (s.assume_role_arn, s.assume_role_session_name, s.assume_role_duration) == (ROLE, "nightly", 900)
    assert s.assume_role_external_id == EXTERNAL_ID and EXTERNAL_ID in s.secrets()
    assert EXTERNAL_ID not in repr(s)
    plain = resolve_settings(BASE, {})
    assert (plain.assume_role_arn, plain.assume_role_session_name, plain.assume_role_duration) == (
        None, "jobgate-cloud", 3600)


def test_sts_endpoint_from_option_then_environment():
    assert resolve_settings({}, {"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1"}).sts_endpoint_url == "http://127.0.0.1:1"
    assert resolve_settings({"sts_endpoint_url": "http://o:2"}, {"AWS_ENDPOINT_URL_STS": "http://e:3"}).sts_endpoint_url == "http://o:2"
    # AWX injects an empty value for an empty field: that is unset
    assert resolve_settings({}, {"AWS_ENDPOINT_URL_STS": ""}).sts_endpoint_url is None


@pytest.mark.parametrize("params,option", [
    ({"assume_role_arn": "not-an-arn"}, "assume_role_arn"),
    ({"assume_role_arn": "arn:aws:iam::12345:role/short-account"}, "assume_role_arn"),
    ({"assume_role_arn": "arn:aws:iam::123456789012:user/alice"}, "assume_role_arn"),
    ({"assume_role_arn": "arn:aws:s3:::bucket/role/x"}, "assume_role_arn"),
    ({"assume_role_arn": ROLE + "/" + "x" * 2048}, "assume_role_arn"),
    ({"assume_role_session_name": "a"}, "assume_role_session_name"),
    ({"assume_role_session_name": "has space"}, "assume_role_session_name"),
    ({"assume_role_session_name": "x" * 65}, "assume_role_session_name"),
    ({"assume_role_session_name": "s\u00e9ance"}, "assume_role_session_name"),
    ({"assume_role_duration": 899}, "assume_role_duration"),
    ({"assume_role_duration": 43201}, "assume_role_duration"),
    ({"assume_role_duration": True}, "assume_role_duration"),
    ({"assume_role_external_id": "%"}, "assume_role_external_id"),
    ({"assume_role_external_id": "has space secret"}, "assume_role_external_id"),
])
def test_what_sts_would_refuse_is_bad_input(params, option):
    with pytest.raises(JobGateError) as err:
        resolve_settings({**BASE, "assume_role_arn": ROLE, **params}, {})
    assert err.value.code == "ValidationError" and err.value.retryable is False
    assert option in err.value.msg
    if option == "assume_role_external_id":
        assert params[option] not in err.value.msg


def test_limits_themselves_are_accepted():
    s = settings(assume_role_arn="arn:aws-us-gov:iam::123456789012:role/path/to/Name+=,.@_-x",
                 assume_role_session_name="ab", assume_role_duration=43200, assume_role_external_id="a:b/c@d")
    assert s.assume_role_duration == 43200
    assert settings(assume_role_duration=900, assume_role_session_name="x" * 64).assume_role_duration == 900


def test_external_id_without_a_role_is_bad_input():
    with pytest.raises(JobGateError) as err:
        resolve_settings(dict(BASE, assume_role_external_id=EXTERNAL_ID), {})
    assert err.value.code == "ValidationError" and "assume_role_arn" in err.value.msg
    assert EXTERNAL_ID not in err.value.msg


# ------------------------------------------------------------------------------------------------ pieces
@pytest.mark.parametrize("lifetime,expected", [
    (43200, (900, 600)), (3600, (900, 600)), (900, (225, 150)), (20, (5, 20 / 6)),
])
def test_refresh_windows_are_botocores_for_an_hour_and_shrink_below(lifetime, expected):
    assert refresh_windows(lifetime) == pytest.approx(expected)


def test_scoped_loader_also_lists_sts_for_credential_providers():
    assert scoped_loader(None, "backup").list_available_services("service-2") == ["backup", "sts"]
    assert scoped_loader(None, "sts").list_available_services("service-2") == ["sts"]


def sts_error(code: str, status: int, message: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "AssumeRole")


def test_denied_is_clear_and_not_retryable_and_scrubbed():
    s = settings(assume_role_external_id=EXTERNAL_ID)
    err = assume_role_error(sts_error("AccessDenied", 403, f"User: x is not authorized (external id {EXTERNAL_ID})"),
                            s, "eu-west-1")
    assert err.code == "AccessDenied" and err.retryable is False and err.http_status == 403
    assert err.msg.startswith(f"Could not assume role {ROLE} in region eu-west-1 at STS endpoint {STS_URL}: "
                              "AccessDenied: User: x is not authorized")
    assert "trust policy" in err.msg and "assume_role_external_id" in err.msg
    assert EXTERNAL_ID not in err.msg + err.message and SECRET not in err.msg


@pytest.mark.parametrize("exc,code,retryable", [
    (sts_error("Throttling", 400, "Rate exceeded"), "Throttling", True),
    (sts_error("ServiceUnavailable", 503, "try later"), "ServiceUnavailable", True),
    (sts_error("ExpiredToken", 403, "The security token included in the request is expired"), "ExpiredToken", False),
    (sts_error("RegionDisabledException", 403, "STS is not activated in this region"), "RegionDisabledException", False),
    (sts_error("ValidationError", 400, "The requested DurationSeconds exceeds the MaxSessionDuration set for this "
                                       "role."), "ValidationError", False),
    (botocore.exceptions.EndpointConnectionError(endpoint_url=STS_URL), "ConnectionError", True),
])
def test_other_sts_failures_name_the_role(exc, code, retryable):
    err = assume_role_error(exc, settings(), "eu-west-1")
    assert (err.code, err.retryable) == (code, retryable)
    assert ROLE in err.msg and ".." not in err.msg


# ------------------------------------------------------------------------------------------------ real botocore
class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_kwargs):
        yield self.body


def auth(request) -> str:
    value = request.headers["Authorization"]
    return value.decode() if isinstance(value, bytes) else value


def _answer(request, status: int, body: str) -> botocore.awsrequest.AWSResponse:
    return botocore.awsrequest.AWSResponse(request.url, status, {"Content-Type": "text/xml"}, _Raw(body.encode()))


def assume_role_xml(key: str, token: str, lifetime: int) -> str:
    expires = (datetime.now(timezone.utc) + timedelta(seconds=lifetime)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ('<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
            f"<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey>"
            f"<SessionToken>{token}</SessionToken><Expiration>{expires}</Expiration></Credentials>"
            "<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:jobgate-cloud</AssumedRoleId>"
            f"<Arn>arn:aws:sts::123456789012:assumed-role/fleet-operator/jobgate-cloud</Arn></AssumedRoleUser>"
            "</AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleResponse>")


@pytest.fixture
def wire(monkeypatch, clean_aws_env):
    """Record every request botocore sends and answer it: STS from `sts` (a list of (status, body)), Backup with
    an empty ListReportJobs. Nothing leaves the process."""
    sent: list = []
    sts: list = []

    def before_send(request, **_kwargs):
        sent.append(request)
        if "sts" in request.url:
            return _answer(request, *sts.pop(0))
        return botocore.awsrequest.AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"},
                                               _Raw(b'{"ReportJobs": []}'))

    real_session = botocore.session.Session

    def session(*args, **kwargs):
        made = real_session(*args, **kwargs)
        made.register("before-send", before_send)
        return made

    monkeypatch.setattr(botocore.session, "Session", session)
    return sent, sts


def test_the_role_is_assumed_once_at_creation_and_signs_the_client(wire):
    sent, sts = wire
    sts.append((200, assume_role_xml("ASIAEXAMPLEROLEKEY01", "role-session-token", 3600)))
    client = AwsClient(settings(assume_role_external_id=EXTERNAL_ID, assume_role_duration=1800), "backup")
    assert len(sent) == 1 and sent[0].url == STS_URL + "/"
    body = sent[0].body
    form = {k: v[0] for k, v in parse_qs(body.decode() if isinstance(body, bytes) else body).items()}
    assert form == {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": ROLE, "RoleSessionName": "jobgate-cloud",
                    "DurationSeconds": "1800", "ExternalId": EXTERNAL_ID}
    assert "Credential=AKIDEXAMPLE/" in auth(sent[0])    # the base keys sign AssumeRole
    assert "/eu-west-1/sts/aws4_request" in auth(sent[0])
    client.call("list_report_jobs", action="list", what="report jobs")
    client.call("list_report_jobs", action="list", what="report jobs")
    assert len(sent) == 3                                                    # an hour left: no renewal
    for request in sent[1:]:
        assert "Credential=ASIAEXAMPLEROLEKEY01/" in auth(request)
        assert request.headers["X-Amz-Security-Token"] in (b"role-session-token", "role-session-token")


def test_short_sessions_are_renewed_near_their_end_not_before_every_request(wire):
    sent, sts = wire
    sts += [(200, assume_role_xml("ASIAEXAMPLEROLEKEY01", "token-1", 20)),
            (200, assume_role_xml("ASIAEXAMPLEROLEKEY02", "token-2", 3600))]
    client = AwsClient(settings(), "backup")
    creds = client.client._request_signer._credentials  # pylint: disable=protected-access
    client.call("list_report_jobs", action="list", what="report jobs")
    assert [r.url.startswith(STS_URL) for r in sent] == [True, False]       # 20 s left, window 5 s: no renewal
    # Near the end of its life (botocore asks its clock), the next request renews first, then signs as the new key.
    creds._time_fetcher = lambda: datetime.now(timezone.utc) + timedelta(seconds=17)  # pylint: disable=protected-access
    client.call("list_report_jobs", action="list", what="report jobs")
    assert [r.url.startswith(STS_URL) for r in sent] == [True, False, True, False]
    assert "Credential=ASIAEXAMPLEROLEKEY02/" in auth(sent[-1])


def test_a_profile_as_base_credentials(wire, tmp_path, monkeypatch):
    sent, sts = wire
    (tmp_path / "credentials").write_text("[base]\naws_access_key_id = AKIDPROFILEKEY\naws_secret_access_key = s3cr3t\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    sts.append((200, assume_role_xml("ASIAEXAMPLEROLEKEY03", "token-3", 3600)))
    client = AwsClient(resolve_settings({"profile": "base", "region": "eu-west-1", "assume_role_arn": ROLE}, {}), "backup")
    client.call("list_report_jobs", action="list", what="report jobs")
    assert "Credential=AKIDPROFILEKEY/" in auth(sent[0]) and "Credential=ASIAEXAMPLEROLEKEY03/" in auth(sent[1])


def test_a_denied_role_fails_at_creation_with_no_service_request(wire):
    sent, sts = wire
    sts.append((403, '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                     "<Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/ci is not authorized to "
                     f"perform: sts:AssumeRole on resource: {ROLE}</Message></Error><RequestId>r-2</RequestId>"
                     "</ErrorResponse>"))
    with pytest.raises(JobGateError) as err:
        AwsClient(settings(assume_role_external_id=EXTERNAL_ID), "backup")
    assert err.value.code == "AccessDenied" and err.value.retryable is False and err.value.http_status == 403
    assert err.value.msg.startswith(f"Could not assume role {ROLE} in region eu-west-1")
    assert len(sent) == 1 and EXTERNAL_ID not in err.value.msg


def test_no_base_credentials_is_a_readable_error(wire):
    with pytest.raises(JobGateError) as err:
        AwsClient(resolve_settings({"region": "eu-west-1", "assume_role_arn": ROLE}, {}), "backup")
    assert err.value.code == "NoCredentials" and ROLE in err.value.msg
    assert wire[0] == []


# ------------------------------------------------------------------------------------------------ the deadline
THROTTLED = (400, '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                  "<Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r-3</RequestId>"
                  "</ErrorResponse>")


def to_sts(sent: list) -> list:
    return [request for request in sent if request.url.startswith(STS_URL)]


def test_a_throttling_sts_is_ridden_to_the_deadline_and_no_further(wire):
    sent, sts = wire
    sts += [THROTTLED] * 500
    clock = Clock()
    with pytest.raises(JobGateError) as err:
        AwsClient(settings(), "backup", deadline=clock.deadline(5))
    assert err.value.code == "Throttling" and err.value.retryable is True
    assert "The wait_timeout of 5 s passed while the API kept failing" in err.value.msg and ROLE in err.value.msg
    assert clock.now == 505 and all(s > 0 for s in clock.sleeps)     # slept to the deadline, not past it
    # Every AssumeRole sent is one the message counts: botocore retried none of them behind our back.
    tried = len(sent)
    assert tried >= 2 and to_sts(sent) == sent and f"tried {tried} times" in err.value.msg


def test_without_wait_a_throttling_sts_gets_the_retry_budget(wire):
    sent, sts = wire
    sts += [THROTTLED] * 10
    clock = Clock()
    with pytest.raises(JobGateError) as err:
        AwsClient(settings(), "backup", deadline=clock.deadline())
    assert err.value.code == "Throttling" and err.value.retryable is True and err.value.attempts == 6
    assert err.value.msg.startswith(f"Could not assume role {ROLE} ") and "passed" not in err.value.msg
    assert len(sent) == 6 and len(clock.sleeps) == 5                  # the backoff is the deadline's sleep


def test_no_assume_role_is_sent_once_the_deadline_has_passed(wire):
    sent, _sts = wire
    clock = Clock()
    with pytest.raises(JobGateError) as err:
        AwsClient(settings(), "backup", deadline=Deadline(5, clock=clock, sleep=clock.sleep, started=clock.now - 6))
    assert (err.value.code, err.value.retryable, err.value.attempts) == ("WaitTimeout", True, 0)
    assert ROLE in err.value.msg and sent == []


def test_sts_requests_get_at_most_the_time_left(wire, monkeypatch):
    _sent, sts = wire
    sts.append((200, assume_role_xml("ASIAEXAMPLEROLEKEY04", "token-4", 3600)))
    made: list = []
    create = RealSession.create_client

    def recording(self, service, *args, **kwargs):
        client = create(self, service, *args, **kwargs)
        made.append((service, client))
        return client

    monkeypatch.setattr(RealSession, "create_client", recording)
    clock = Clock()
    AwsClient(settings(), "backup", deadline=clock.deadline(20))
    (sts_client,) = [client for service, client in made if service == "sts"]
    timeout = sts_client._endpoint.http_session._timeout  # pylint: disable=protected-access
    assert (timeout.clone().connect_timeout, timeout.clone().read_timeout) == (10, 20)
    clock.now += 18.5
    assert (timeout.clone().connect_timeout, timeout.clone().read_timeout) == (1.5, 1.5)


def test_a_renewal_during_a_wait_stops_at_the_deadline(wire):
    sent, sts = wire
    sts += [(200, assume_role_xml("ASIAEXAMPLEROLEKEY05", "token-5", 20))] + [THROTTLED] * 50
    clock = Clock()
    client = AwsClient(settings(), "backup", deadline=clock.deadline(3))
    creds = client.client._request_signer._credentials  # pylint: disable=protected-access
    # In the mandatory window: every request waits for the renewal, which STS keeps refusing.
    creds._time_fetcher = lambda: datetime.now(timezone.utc) + timedelta(seconds=19)  # pylint: disable=protected-access
    with pytest.raises(JobGateError) as err:
        client.call("list_report_jobs", action="list", what="report jobs")
    assert err.value.code == "Throttling" and err.value.retryable is True and ROLE in err.value.msg
    assert clock.now <= 503 and 1 <= len(to_sts(sent)) - 1 == err.value.attempts <= 6
    assert not [request for request in sent if not request.url.startswith(STS_URL)]   # no unsigned Backup call
