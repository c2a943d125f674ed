"""A 2xx AWS answer whose body is not JSON is an error (retried), not an empty job."""
from __future__ import annotations

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._aws import client as aws_client
from ansible_collections.jobgate.cloud.plugins.module_utils._aws import retries as aws_retries
from ansible_collections.jobgate.cloud.plugins.module_utils._aws import settings as aws_settings
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError


@pytest.mark.parametrize("body", [b'{"malformed": [tru', b"<html>502 Bad Gateway</html>", "not json"])
def test_hook_refuses_a_2xx_body_that_is_not_json(body):
    with pytest.raises(aws_client.MalformedResponse):
        aws_client._check_json_body(response_dict={"status_code": 200, "body": body})


@pytest.mark.parametrize("response", [{"status_code": 200, "body": b'{"JobId": "j"}'}, {"status_code": 200, "body": b""},
                                      {"status_code": 502, "body": b"<html/>"}, None])
def test_hook_lets_json_empty_and_error_bodies_through(response):
    assert aws_client._check_json_body(response_dict=response) is None


def test_call_retries_then_fails_with_invalid_response():
    calls = []

    def describe(**kwargs):
        calls.append(kwargs)
        raise aws_client.MalformedResponse(200)

    client = type("C", (), {"describe": staticmethod(describe), "meta": None})()
    aws = aws_client.AwsClient(aws_settings.AwsSettings(region="us-east-1"), "panorama", client=client,
                               policy=aws_retries.RetryPolicy(max_attempts=3),
                               deadline=Deadline(sleep=lambda s: None))
    with pytest.raises(JobGateError) as info:
        aws.call("describe", action="get", what="Panorama device job j1", JobId="j1")
    err = info.value
    assert len(calls) == 3
    assert err.error_block() == {"code": "InvalidResponse", "message": "HTTP 200 answer whose body is not JSON",
                                 "http_status": 200, "retryable": True}
    assert "not JSON" in err.msg and "j1" in err.msg


def test_call_recovers_after_one_malformed_answer():
    answers = [aws_client.MalformedResponse(200), {"JobId": "j1"}]

    def describe(**kwargs):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = type("C", (), {"describe": staticmethod(describe), "meta": None})()
    aws = aws_client.AwsClient(aws_settings.AwsSettings(region="us-east-1"), "panorama", client=client,
                               policy=aws_retries.RetryPolicy(max_attempts=3),
                               deadline=Deadline(sleep=lambda s: None))
    assert aws.call("describe", action="get", what="Panorama device job j1") == {"JobId": "j1"}


def test_arm_get_json_retries_a_body_that_is_not_json():
    from ansible_collections.jobgate.cloud.plugins.module_utils._azure.arm import ArmClient
    from ansible_collections.jobgate.cloud.plugins.module_utils._azure.cloud import CloudEndpoints

    class Resp:
        status_code = 200
        headers: dict = {}

        def __init__(self, body):
            self.body = body

        def json(self):
            if self.body is None:
                raise ValueError("Expecting value")
            return self.body

    answers = [Resp(None), Resp(None), Resp({"name": "j1"})]

    class Session:
        headers: dict = {}

        def request(self, *_args, **_kwargs):
            return answers.pop(0)

    class Tokens:
        def token(self):
            return "t"

    arm = ArmClient(CloudEndpoints(name="AzureCloud", resource_manager="https://arm", authority="https://login",
                                   scope="https://arm/.default"), Tokens(), session=Session(),
                    deadline=Deadline(sleep=lambda s: None))
    assert arm.get_json("https://arm/x", "HCI edge device job j1") == {"name": "j1"}
    answers.extend(Resp(None) for _unused in range(5))
    with pytest.raises(JobGateError) as info:
        arm.get_json("https://arm/x", "HCI edge device job j1")
    assert info.value.error_block()["code"] == "InvalidResponse" and info.value.retryable is True
    assert "5 times" in info.value.msg and answers == []


def _operation(service: str, name: str):
    import botocore.session
    return botocore.session.get_session().get_service_model(service).operation_model(name)


@pytest.mark.parametrize("body, reason", [(b"", "empty"), (b"  \n", "empty"), (b"[]", "JSON but not an object"),
                                          (b'"x"', "JSON but not an object"), (b"null", "JSON but not an object")])
def test_hook_refuses_an_empty_or_non_object_body_where_the_operation_returns_one(body, reason):
    with pytest.raises(aws_client.MalformedResponse) as err:
        aws_client._check_json_body(response_dict={"status_code": 200, "body": body},
                                    operation_model=_operation("backup", "DescribeReportJob"))
    assert err.value.reason == reason


def test_hook_lets_an_empty_body_through_where_the_operation_returns_nothing():
    # DeleteBackupVault's output is empty: its 200 has no body.
    assert aws_client._check_json_body(response_dict={"status_code": 200, "body": b""},
                                       operation_model=_operation("backup", "DeleteBackupVault")) is None
