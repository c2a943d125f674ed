"""AWS connection options, environment resolution, retries, error conversion and the Panorama model fallback."""
from __future__ import annotations

import datetime

import botocore.exceptions
import botocore.session
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from botocore.stub import Stubber

from ansible_collections.jobgate.cloud.plugins.module_utils._aws import models as aws_models
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient, build_config
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.errors import convert_error, is_retryable
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import AdaptiveLimiter, RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import (
    AWS_ARG_SPEC, AwsSettings, resolve_settings,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
# Importing the Panorama package registers its carried model with the AWS loader, as a Panorama module does.
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama import service as _panorama_service  # noqa: F401  pylint: disable=unused-import

from fake_clock import Clock  # tests/unit/plugins/module_utils/fake_clock.py

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLETOKENvalue0123456789"


def client_error(code: str, status: int, message: str = "boom", op: str = "DescribeDeviceJob"):
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, op)


# ------------------------------------------------------------------------------------------------ argument spec
def test_arg_spec_aliases_resolve_like_amazon_aws():
    params = {"aws_access_key_id": "AKIDEXAMPLE", "ec2_secret_key": SECRET, "aws_security_token": TOKEN,
              "aws_profile": None, "ec2_region": "eu-west-1", "s3_url": "http://127.0.0.1:1"}
    result = ArgumentSpecValidator(AWS_ARG_SPEC).validate(params)
    assert not result.error_messages, result.error_messages
    got = result.validated_parameters
    assert (got["access_key"], got["secret_key"], got["session_token"]) == ("AKIDEXAMPLE", SECRET, TOKEN)
    assert got["region"] == "eu-west-1" and got["endpoint_url"] == "http://127.0.0.1:1"
    assert got["validate_certs"] is True
    # secrets are registered for masking, the access key id is not
    assert SECRET in result._no_log_values and TOKEN in result._no_log_values
    assert "AKIDEXAMPLE" not in result._no_log_values


@pytest.mark.parametrize("alias,option", [
    ("aws_access_key", "access_key"), ("ec2_access_key", "access_key"), ("aws_secret_access_key", "secret_key"),
    ("aws_secret_key", "secret_key"), ("aws_session_token", "session_token"), ("security_token", "session_token"),
    ("access_token", "session_token"), ("aws_region", "region"), ("aws_endpoint_url", "endpoint_url"),
    ("ec2_url", "endpoint_url"),
])
def test_each_alias(alias, option):
    result = ArgumentSpecValidator(AWS_ARG_SPEC).validate({alias: "value-1234"})
    assert not result.error_messages
    assert result.validated_parameters[option] == "value-1234"


# ------------------------------------------------------------------------------------------------ resolution
def test_nothing_given_leaves_everything_to_botocore():
    s = resolve_settings({}, {})
    assert s == AwsSettings()
    assert s.verify is True


@pytest.mark.parametrize("env,expected", [
    ({"AWS_ACCESS_KEY_ID": "a1", "AWS_ACCESS_KEY": "a2", "EC2_ACCESS_KEY": "a3"}, "a1"),
    ({"AWS_ACCESS_KEY": "a2", "EC2_ACCESS_KEY": "a3"}, "a2"),
    ({"EC2_ACCESS_KEY": "a3"}, "a3"),
])
def test_access_key_env_order(env, expected):
    env = dict(env, AWS_SECRET_ACCESS_KEY="s")
    assert resolve_settings({}, env).access_key == expected


@pytest.mark.parametrize("env,expected", [
    ({"AWS_SECRET_ACCESS_KEY": "s1", "AWS_SECRET_KEY": "s2", "EC2_SECRET_KEY": "s3"}, "s1"),
    ({"AWS_SECRET_KEY": "s2", "EC2_SECRET_KEY": "s3"}, "s2"),
    ({"EC2_SECRET_KEY": "s3"}, "s3"),
])
def test_secret_key_env_order(env, expected):
    env = dict(env, AWS_ACCESS_KEY_ID="a")
    assert resolve_settings({}, env).secret_key == expected


@pytest.mark.parametrize("env,expected", [
    ({"AWS_SESSION_TOKEN": "t1", "AWS_SECURITY_TOKEN": "t2", "EC2_SECURITY_TOKEN": "t3"}, "t1"),
    ({"AWS_SECURITY_TOKEN": "t2", "EC2_SECURITY_TOKEN": "t3"}, "t2"),  # what older AWX injects
    ({"EC2_SECURITY_TOKEN": "t3"}, "t3"),
    ({}, None),
])
def test_session_token_env_order(env, expected):
    env = dict(env, AWS_ACCESS_KEY_ID="a", AWS_SECRET_ACCESS_KEY="s")
    assert resolve_settings({}, env).session_token == expected


def test_awx_style_environment():
    env = {"AWS_ACCESS_KEY_ID": "AKIDAWX", "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SECURITY_TOKEN": TOKEN}
    s = resolve_settings({"region": "us-east-1"}, env)
    assert (s.access_key, s.secret_key, s.session_token, s.region) == ("AKIDAWX", SECRET, TOKEN, "us-east-1")
    assert set(s.secrets()) == {SECRET, TOKEN}
    assert SECRET not in repr(s) and TOKEN not in repr(s)


@pytest.mark.parametrize("env,expected", [
    ({"AWS_REGION": "r1", "AWS_DEFAULT_REGION": "r2", "EC2_REGION": "r3"}, "r1"),
    ({"AWS_DEFAULT_REGION": "r2", "EC2_REGION": "r3"}, "r2"),
    ({"EC2_REGION": "r3"}, "r3"),
    ({}, None),
])
def test_region_env_order(env, expected):
    assert resolve_settings({}, env).region == expected


@pytest.mark.parametrize("env,expected", [
    ({"AWS_URL": "http://u1", "EC2_URL": "http://u2"}, "http://u1"),
    ({"EC2_URL": "http://u2"}, "http://u2"),
])
def test_endpoint_env_order(env, expected):
    assert resolve_settings({}, env).endpoint_url == expected


@pytest.mark.parametrize("env,expected", [
    ({"AWS_PROFILE": "p1", "AWS_DEFAULT_PROFILE": "p2"}, "p1"),
    ({"AWS_DEFAULT_PROFILE": "p2"}, "p2"),
])
def test_profile_env_order(env, expected):
    assert resolve_settings({}, env).profile == expected


def test_options_beat_environment():
    env = {"AWS_ACCESS_KEY_ID": "env-a", "AWS_SECRET_ACCESS_KEY": "env-s", "AWS_SESSION_TOKEN": "env-t",
           "AWS_REGION": "env-r", "AWS_URL": "http://env", "AWS_CA_BUNDLE": "/env/ca.pem"}
    params = {"access_key": "opt-a", "secret_key": "opt-s", "session_token": "opt-t", "region": "opt-r",
              "endpoint_url": "http://opt", "aws_ca_bundle": "/opt/ca.pem"}
    s = resolve_settings(params, env)
    assert (s.access_key, s.secret_key, s.session_token, s.region, s.endpoint_url, s.ca_bundle) == (
        "opt-a", "opt-s", "opt-t", "opt-r", "http://opt", "/opt/ca.pem")


def test_empty_option_falls_back_to_environment():
    s = resolve_settings({"region": "", "access_key": None}, {"AWS_REGION": "env-r"})
    assert s.region == "env-r"


def test_profile_option_ignores_credential_environment():
    env = {"AWS_ACCESS_KEY_ID": "env-a", "AWS_SECRET_ACCESS_KEY": "env-s", "AWS_SECURITY_TOKEN": "env-t",
           "AWS_PROFILE": "env-profile"}
    s = resolve_settings({"profile": "prod"}, env)
    assert s.profile == "prod"
    assert (s.access_key, s.secret_key, s.session_token) == (None, None, None)


def test_environment_keys_beat_environment_profile_as_in_botocore():
    env = {"AWS_ACCESS_KEY_ID": "env-a", "AWS_SECRET_ACCESS_KEY": "env-s", "AWS_PROFILE": "env-profile"}
    s = resolve_settings({}, env)
    assert (s.access_key, s.secret_key, s.profile) == ("env-a", "env-s", "env-profile")


@pytest.mark.parametrize("keys", [{"access_key": "a", "secret_key": "s"}, {"session_token": "t"}])
def test_profile_with_key_options_is_bad_input(keys):
    with pytest.raises(JobGateError) as err:
        resolve_settings(dict(keys, profile="prod"), {})
    assert err.value.code == "ValidationError" and err.value.retryable is False
    assert "profile" in err.value.msg


@pytest.mark.parametrize("params,env", [({"access_key": "a"}, {}), ({}, {"AWS_SECRET_ACCESS_KEY": SECRET})])
def test_half_a_key_pair_is_bad_input(params, env):
    with pytest.raises(JobGateError) as err:
        resolve_settings(params, env)
    assert err.value.code == "ValidationError"
    assert SECRET not in err.value.msg


def test_environment_defaults_to_os_environ(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    assert resolve_settings({}).region == "ap-south-1"


@pytest.mark.parametrize("validate,bundle,expected", [
    (True, None, True), (True, "/ca.pem", "/ca.pem"), (False, "/ca.pem", False), (False, None, False),
])
def test_verify(validate, bundle, expected):
    assert resolve_settings({"validate_certs": validate, "aws_ca_bundle": bundle}, {}).verify == expected


def test_ca_bundle_from_environment():
    assert resolve_settings({}, {"AWS_CA_BUNDLE": "/env/ca.pem"}).verify == "/env/ca.pem"


# ------------------------------------------------------------------------------------------------ config
def test_botocore_retries_are_off_and_timeouts_set():
    config, attempts = build_config(AwsSettings())
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert (config.connect_timeout, config.read_timeout) == (10, 60)
    assert "jobgate.cloud/" in config.user_agent_extra
    assert attempts == RetryPolicy.max_attempts


@pytest.mark.parametrize("retries,attempts", [({"max_attempts": 2}, 3), ({"total_max_attempts": 4}, 4), ({}, 6)])
def test_aws_config_sets_our_attempts_not_botocores(retries, attempts):
    config, got = build_config(AwsSettings(config={"retries": retries, "read_timeout": 5}))
    assert got == attempts
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert config.read_timeout == 5


def test_unknown_aws_config_key_is_bad_input():
    with pytest.raises(JobGateError) as err:
        build_config(AwsSettings(config={"no_such_setting": 1}))
    assert err.value.code == "ValidationError"


# ------------------------------------------------------------------------------------------------ classification
@pytest.mark.parametrize("code,status,retryable", [
    ("ThrottlingException", 400, True), ("Throttling", 400, True), ("TooManyRequestsException", 429, True),
    ("RequestLimitExceeded", 503, True), ("SomethingNew", 429, True), ("InternalServerException", 500, True),
    ("ServiceUnavailableException", 503, True), ("", 502, True),
    ("ValidationException", 400, False), ("ResourceNotFoundException", 404, False),
    ("AccessDeniedException", 403, False), ("UnrecognizedClientException", 403, False),
    ("InvalidSignatureException", 403, False), ("ExpiredTokenException", 403, False), ("ConflictException", 409, False),
])
def test_client_error_retryable(code, status, retryable):
    assert is_retryable(client_error(code, status)) is retryable
    assert convert_error(client_error(code, status), action="get", what="job j", where="in region r").retryable is retryable


@pytest.mark.parametrize("exc,retryable", [
    (botocore.exceptions.EndpointConnectionError(endpoint_url="http://x"), True),
    (botocore.exceptions.ConnectTimeoutError(endpoint_url="http://x"), True),
    (botocore.exceptions.ReadTimeoutError(endpoint_url="http://x"), True),
    (botocore.exceptions.ConnectionClosedError(endpoint_url="http://x"), True),
    (botocore.exceptions.SSLError(endpoint_url="https://x", error="certificate verify failed"), False),
    (botocore.exceptions.NoCredentialsError(), False),
    (botocore.exceptions.ParamValidationError(report="bad"), False),
])
def test_transport_error_retryable(exc, retryable):
    assert is_retryable(exc) is retryable
    assert convert_error(exc, action="get", what="job j", where="in region r").retryable is retryable


# ------------------------------------------------------------------------------------------------ conversion
def test_not_found_names_job_and_location():
    err = convert_error(client_error("ResourceNotFoundException", 404, "Job not found"), action="get",
                        what="Panorama device job abc", where="in region us-east-1 at endpoint http://127.0.0.1:9")
    assert err.error_block() == {"code": "ResourceNotFoundException", "message": "Job not found", "http_status": 404,
                                 "retryable": False}
    assert "Panorama device job abc" in err.msg and "us-east-1" in err.msg and "http://127.0.0.1:9" in err.msg


def test_signature_mismatch_message_drops_canonical_request_and_secrets():
    message = ("The request signature we calculated does not match the signature you provided. "
               "The Canonical String for this request should have been 'GET\n/jobs/abc\n\nx-amz-security-token:"
               + TOKEN + "' The String-to-Sign should have been 'AWS4-HMAC-SHA256'")
    err = convert_error(client_error("InvalidSignatureException", 403, message), action="get",
                        what="Panorama device job abc", where="in region us-east-1", secrets=(SECRET, TOKEN))
    assert err.code == "InvalidSignatureException" and err.http_status == 403 and err.retryable is False
    for text in (err.msg, err.message):
        assert TOKEN not in text and "Canonical String" not in text
    assert "credentials" in err.msg and "Panorama device job abc" in err.msg


def test_known_secret_is_masked_anywhere():
    err = convert_error(client_error("ValidationException", 400, f"bad value {SECRET}"), action="get", what="job j",
                        where="in region r", secrets=(SECRET,))
    assert SECRET not in err.msg and SECRET not in err.message and "********" in err.message


def test_no_credentials_message_is_readable():
    err = convert_error(botocore.exceptions.NoCredentialsError(), action="get", what="Backup report job r1",
                        where="in region us-east-1")
    assert err.code == "NoCredentials" and err.retryable is False
    assert "Backup report job r1" in err.msg and "access_key" in err.msg


def test_ssl_error_points_at_ca_bundle():
    err = convert_error(botocore.exceptions.SSLError(endpoint_url="https://x", error="certificate verify failed"),
                        action="get", what="job j", where="in region r")
    assert err.code == "SSLError" and "aws_ca_bundle" in err.msg


# ------------------------------------------------------------------------------------------------ retry loop
class FakeOps:
    """A client whose describe_device_job fails with the queued errors, then answers."""

    def __init__(self, errors):
        self.errors = list(errors)
        self.calls = 0

        class Meta:
            region_name = "us-east-1"
            endpoint_url = "http://127.0.0.1:9"
        self.meta = Meta()

    def describe_device_job(self, **kwargs):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"JobId": kwargs["JobId"], "Status": "COMPLETED"}


def make_client(errors, max_attempts=6):
    clock = Clock(100.0)
    policy = RetryPolicy(max_attempts=max_attempts, base=0.5, cap=4.0, rand=lambda: 1.0)
    ops = FakeOps(errors)
    limiter = AdaptiveLimiter(Deadline(clock=clock, sleep=clock.sleep))
    return AwsClient(AwsSettings(secret_key=SECRET), "panorama", policy=policy, client=ops, limiter=limiter), ops, clock.sleeps


def test_throttling_recovers_with_backoff():
    client, ops, sleeps = make_client([client_error("ThrottlingException", 400), client_error("", 503),
                                       botocore.exceptions.ReadTimeoutError(endpoint_url="http://x")])
    out = client.call("describe_device_job", action="get", what="job j", JobId="j")
    assert out["Status"] == "COMPLETED" and ops.calls == 4
    assert sleeps == [0.5, 1.0, 2.0]  # rand()=1.0 shows the ceiling: base * 2**n


def test_backoff_is_capped():
    client, ops, sleeps = make_client([client_error("Throttling", 400)] * 5, max_attempts=6)
    client.call("describe_device_job", action="get", what="job j", JobId="j")
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_full_jitter_delay_is_uniform_below_ceiling():
    policy = RetryPolicy(base=1.0, cap=10.0, rand=lambda: 0.25)
    assert [policy.delay(n) for n in range(5)] == [0.25, 0.5, 1.0, 2.0, 2.5]


def test_attempts_are_bounded():
    client, ops, sleeps = make_client([client_error("ThrottlingException", 400, "Rate exceeded")] * 10, max_attempts=3)
    with pytest.raises(JobGateError) as err:
        client.call("describe_device_job", action="get", what="Panorama device job j", JobId="j")
    assert ops.calls == 3 and len(sleeps) == 2
    assert err.value.retryable is True and err.value.code == "ThrottlingException"
    assert "3 attempts" in err.value.msg and "us-east-1" in err.value.msg


def test_non_retryable_is_not_retried():
    client, ops, sleeps = make_client([client_error("ResourceNotFoundException", 404)])
    with pytest.raises(JobGateError) as err:
        client.call("describe_device_job", action="get", what="Panorama device job j", JobId="j")
    assert ops.calls == 1 and sleeps == []
    assert err.value.http_status == 404 and err.value.retryable is False


# ------------------------------------------------------------------------------------------------ real botocore
# (fixture clean_aws_env: conftest.py)


def test_installed_botocore_lacks_panorama():
    # The premise of the fallback: if this fails, botocore ships Panorama again and the test below covers less.
    assert "panorama" not in botocore.session.get_session().get_available_services()


def test_panorama_client_from_carried_model(clean_aws_env):
    settings = resolve_settings({"region": "us-west-2", "access_key": "AKIDEXAMPLE", "secret_key": SECRET}, {})
    client = AwsClient(settings, "panorama", policy=RetryPolicy())
    model = client.client.meta.service_model
    assert model.service_name == "panorama" and model.api_version == "2019-07-24"
    assert client.endpoint == "https://panorama.us-west-2.amazonaws.com"
    assert client.client.meta.config.retries == {"mode": "standard", "total_max_attempts": 1}
    created = datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.timezone.utc)
    with Stubber(client.client) as stub:
        stub.add_response("describe_device_job", {"JobId": "job-1", "Status": "DOWNLOADING", "CreatedTime": created},
                          {"JobId": "job-1"})
        out = client.call("describe_device_job", action="get", what="Panorama device job job-1", JobId="job-1")
    assert out["Status"] == "DOWNLOADING" and out["CreatedTime"] == created


def test_botocore_model_preferred_when_present(clean_aws_env, tmp_path):
    own = tmp_path / "models"
    (own / "panorama" / "2019-07-24").mkdir(parents=True)
    (own / "panorama" / "2019-07-24" / "service-2.json").write_text("{}")
    session = botocore.session.Session()
    loader = session.get_component("data_loader")
    loader.search_paths.insert(0, str(own))
    before = list(loader.search_paths)
    assert aws_models.ensure_carried_model(session, "panorama") is False
    assert loader.search_paths == before


def test_carried_model_is_searched_last(clean_aws_env):
    session = botocore.session.Session()
    assert aws_models.ensure_carried_model(session, "panorama") is True
    paths = session.get_component("data_loader").search_paths
    assert paths[-1] == aws_models._carried_model_dir("panorama")
    assert "panorama" in session.get_available_services()


def test_missing_region_is_a_readable_error(clean_aws_env):
    with pytest.raises(JobGateError) as err:
        AwsClient(resolve_settings({}, {}), "backup")
    assert err.value.code == "NoRegion" and "region" in err.value.msg


def test_unknown_profile_is_a_readable_error(clean_aws_env):
    with pytest.raises(JobGateError) as err:
        AwsClient(resolve_settings({"profile": "nope", "region": "us-east-1"}, {}), "backup")
    assert err.value.code == "ProfileNotFound" and "nope" in err.value.msg


def test_client_error_through_stubber_keeps_status(clean_aws_env):
    settings = resolve_settings({"region": "us-east-1", "access_key": "AKIDEXAMPLE", "secret_key": SECRET}, {})
    client = AwsClient(settings, "backup", policy=RetryPolicy())
    with Stubber(client.client) as stub:
        stub.add_client_error("describe_report_job", "ResourceNotFoundException", "Report job not found", 404)
        with pytest.raises(JobGateError) as err:
            client.call("describe_report_job", action="get", what="Backup report job r1", ReportJobId="r1")
    assert err.value.error_block() == {"code": "ResourceNotFoundException", "message": "Report job not found",
                                       "http_status": 404, "retryable": False}
    assert "in region us-east-1" in err.value.msg


def test_paginate_follows_tokens_and_stops_on_a_repeat():
    pages = {None: {"Items": [1], "NextToken": "a"}, "a": {"Items": [2], "NextToken": "b"}, "b": {"Items": [3]}}

    class Ops:
        def __init__(self):
            self.tokens = []

        def list_things(self, **kwargs):
            self.tokens.append(kwargs.get("NextToken"))
            return pages[kwargs.get("NextToken")]

    ops = Ops()
    client = AwsClient(AwsSettings(), "x", policy=RetryPolicy(), client=ops)
    assert client.paginate("list_things", "Items", action="list", what="things", Filter=None) == [1, 2, 3]
    assert ops.tokens == [None, "a", "b"]

    pages["b"] = {"Items": [3], "NextToken": "a"}
    with pytest.raises(JobGateError) as err:
        client.paginate("list_things", "Items", action="list", what="things")
    assert err.value.code == "PaginationLoop"


# ------------------------------------------------------------------------------------------------ adaptive limiter
def test_limiter_is_unlimited_until_throttled():
    clock = Clock(100.0)
    limiter = AdaptiveLimiter(Deadline(clock=clock, sleep=clock.sleep))
    for _round in range(20):
        limiter.acquire()
        limiter.on_success()
    assert limiter.rate is None and clock.sleeps == []


def test_limiter_halves_the_sent_rate_once_per_round_then_paces():
    clock = Clock(100.0)
    limiter = AdaptiveLimiter(Deadline(clock=clock, sleep=clock.sleep))
    tickets = [limiter.acquire() for _round in range(16)]   # a burst of 16 in the same instant
    for ticket in tickets:                              # all 16 come back throttled
        limiter.on_throttle(ticket)
    assert limiter.rate == 8.0                          # cut once, not 16 times
    for _round in range(4):
        limiter.acquire()
    assert clock.sleeps == [0.125] * 4                  # one start every 1/8 s
    limiter.on_throttle(clock.now)                      # a request of the new round is throttled: cut again
    assert limiter.rate == 4.0


def test_limiter_never_goes_below_its_floor():
    clock = Clock(100.0)
    limiter = AdaptiveLimiter(Deadline(clock=clock, sleep=clock.sleep), floor=2.0)
    for _round in range(6):
        limiter.on_throttle(limiter.acquire())
    assert limiter.rate == 2.0
    assert max(clock.sleeps) <= 0.5


def test_limiter_recovers_on_success():
    clock = Clock(100.0)
    limiter = AdaptiveLimiter(Deadline(clock=clock, sleep=clock.sleep))
    tickets = [limiter.acquire() for _round in range(8)]
    limiter.on_throttle(tickets[0])
    assert limiter.rate == 4.0
    for _round in range(40):
        limiter.acquire()
        limiter.on_success()
    assert limiter.rate > 8.0                           # back above what first drew a throttle: probing again


def test_threads_of_one_client_share_the_limiter():
    clock = Clock(100.0)
    limiter = AdaptiveLimiter(Deadline(clock=clock, sleep=clock.sleep))
    policy = RetryPolicy(max_attempts=6, base=0.5, cap=4.0, rand=lambda: 0.0)
    ops = FakeOps([client_error("ThrottlingException", 400)] * 4)
    client = AwsClient(AwsSettings(), "panorama", policy=policy, client=ops, limiter=limiter)
    for job in ("a", "b", "c"):
        client.call("describe_device_job", action="get", what=f"job {job}", JobId=job)
    # The throttles cut the rate; the calls after them were paced by it (rand=0 removes the retry backoff).
    assert limiter.rate is not None and [s for s in clock.sleeps if s > 0]


def test_convert_error_carries_the_retry_after_of_a_throttled_answer():
    exc = botocore.exceptions.ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"},
         "ResponseMetadata": {"HTTPStatusCode": 429, "HTTPHeaders": {"retry-after": "9"}}}, "ListReportJobs")
    err = convert_error(exc, action="list", what="jobs", where="in region r")
    assert err.retryable is True and err.retry_after == 9
    assert convert_error(client_error("ThrottlingException", 429), action="list", what="jobs",
                         where="in region r").retry_after is None


def test_a_signature_scoped_to_an_unknown_region_points_at_the_region():
    exc = botocore.exceptions.ClientError(
        {"Error": {"Code": "InvalidSignatureException",
                   "Message": "Credential should be scoped to a valid region, not 'us-east1'. "},
         "ResponseMetadata": {"HTTPStatusCode": 403}}, "DescribeReportJob")
    err = convert_error(exc, action="get", what="Backup report job r1", where="in region us-east1")
    assert err.code == "InvalidSignatureException" and not err.retryable
    assert "refused the region" in err.msg and "region option" in err.msg and "Check access_key" not in err.msg


def test_a_response_parser_error_is_a_retryable_invalid_response_that_quotes_no_body():
    from botocore.parsers import ResponseParserError
    exc = ResponseParserError("Unable to parse response, invalid XML received:\nb'<AssumeRoleResponse><SecretAccessKey>s3cr3t'")
    err = convert_error(exc, action="assume role", what="arn:aws:iam::1:role/r", where="at STS endpoint x")
    assert err.code == "InvalidResponse" and err.retryable and "s3cr3t" not in err.msg + str(err.message)
