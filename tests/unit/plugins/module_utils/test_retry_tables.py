# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one answer to "may this be tried again?" per cloud (_aws/errors.py, _azure/errors.py) and the one
not-found set (_core/errors.py)."""
from __future__ import annotations

import botocore.exceptions
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError

from ansible_collections.jobgate.cloud.plugins.module_utils._aws import errors as aws
from ansible_collections.jobgate.cloud.plugins.module_utils._azure import errors as azure
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import (
    NOT_FOUND_CODES, JobGateError, is_not_found,
)


def client_error(code, status):
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


# (code, HTTP status, tried again, a create without a token sent again, meaning)
AWS_ANSWERS = [
    ("ThrottlingException", 400, True, True, "throttled"),
    ("SlowDown", 503, True, True, "throttled"),
    ("PriorRequestNotComplete", 400, True, False, "throttled"),       # the first request may be acting
    ("ProvisionedThroughputExceededException", 400, True, False, "throttled"),
    ("", 429, True, True, "throttled"),                                # a 429 is a refusal before acting
    ("SomethingNew", 429, True, True, "throttled"),
    ("InternalServerException", 500, True, False, "transient"),
    ("", 502, True, False, "transient"),                               # the job may exist: no second create
    ("SomethingNew", 503, True, False, "transient"),
    ("ValidationException", 400, False, False, "refused"),
    ("ConflictException", 409, False, False, "refused"),
    ("ResourceNotFoundException", 404, False, False, "not found"),
    ("NoSuchEntity", 404, False, False, "not found"),
    ("", 404, False, False, "not found"),
    ("AccessDeniedException", 403, False, False, "denied"),
    ("AccessDenied", 500, False, False, "denied"),                     # the code wins over the status
    ("ExpiredTokenException", 403, False, False, "credentials"),
    ("InvalidClientTokenId", 403, False, False, "credentials"),
]


@pytest.mark.parametrize("code, status, retry, resend, meaning", AWS_ANSWERS)
def test_each_aws_answer_has_one_rule(code, status, retry, resend, meaning):
    rule = aws.answer_rule(code, status)
    assert (rule.retry, rule.resend, rule.meaning) == (retry, resend, meaning)
    exc = client_error(code, status)
    assert aws.is_retryable(exc) is retry
    assert aws.is_throttle(exc) is (meaning == "throttled")
    err = aws.convert_error(exc, action="get", what="job j", where="in region r")
    assert err.retryable is retry
    # what a create call without a token is judged by: the converted error, as call_create sees it
    assert aws.may_resend(err) is resend


@pytest.mark.parametrize("exc, retry", [
    (botocore.exceptions.SSLError(endpoint_url="https://x", error="bad cert"), False),
    (botocore.exceptions.EndpointConnectionError(endpoint_url="http://x"), True),
    (botocore.exceptions.ConnectTimeoutError(endpoint_url="http://x"), True),
    (botocore.exceptions.ReadTimeoutError(endpoint_url="http://x"), True),
    (botocore.exceptions.ConnectionClosedError(endpoint_url="http://x"), True),
    (botocore.exceptions.ResponseStreamingError(error="cut"), True),
    (aws.ResponseParserError("garbled"), True),
    (botocore.exceptions.NoCredentialsError(), False),
    (botocore.exceptions.NoRegionError(), False),
    (botocore.exceptions.ParamValidationError(report="bad"), False),
    (ValueError("anything else"), False),
])
def test_aws_errors_without_an_answer(exc, retry):
    assert aws.rule_of(exc).retry is retry
    assert aws.convert_error(exc, action="get", what="job j", where="in region r").retryable is retry


def test_the_aws_code_sets_are_views_of_the_table():
    assert aws.SAFE_RETRY_CODES < aws.THROTTLING_CODES
    assert not aws.THROTTLING_CODES & (aws.CREDENTIAL_CODES | aws.ACCESS_DENIED_CODES | NOT_FOUND_CODES)
    assert {code for code, rule in aws.RULES.items() if rule.retry} >= aws.THROTTLING_CODES
    assert NOT_FOUND_CODES <= set(aws.RULES)


@pytest.mark.parametrize("code, status, found", [
    ("ResourceNotFoundException", 400, True), ("ResourceNotFound", None, True), ("NotFound", 404, True),
    ("NoSuchEntity", 404, True), ("HTTP404", 404, True), ("ThrottlingException", 400, False),
    ("AccessDenied", 403, False),
])
def test_one_not_found_set_for_both_clouds(code, status, found):
    assert is_not_found(JobGateError("x", code=code, http_status=status)) is found


@pytest.mark.parametrize("status, retry", [
    (200, False), (400, False), (401, False), (403, False), (404, False), (409, False), (429, True),
    (500, True), (501, True), (503, True), (504, True), (None, False),
])
def test_azure_statuses(status, retry):
    assert azure.retryable_status(status) is retry


def test_azure_transport_errors():
    assert azure.retryable_transport_error(requests.exceptions.ConnectionError("reset")) is True
    assert azure.retryable_transport_error(requests.exceptions.ReadTimeout("slow")) is True
    assert azure.retryable_transport_error(requests.exceptions.SSLError("bad cert")) is False


class Answer:
    """An azure-core HttpResponse as far as azure-core's errors read one."""

    def __init__(self, status_code):
        self.status_code = status_code
        self.reason = "reason"

    def text(self):
        return ""


def wrapped(cause, text="Authentication failed: something"):
    """azure-identity's way: ClientAuthenticationError raised from what went wrong."""
    try:
        raise cause
    except Exception as exc:  # pylint: disable=broad-except
        err = ClientAuthenticationError(message=text)
        err.__cause__ = exc
        return err


# (the exception azure-identity raises, its text as reported, transient, HTTP status)
TOKEN_FAILURES = [
    # read from the exceptions: no text says it
    (wrapped(ServiceRequestError("no route")), "Authentication failed", True, None),
    (wrapped(ServiceResponseError("dropped")), "Authentication failed", True, None),
    (wrapped(requests.exceptions.ConnectionError("refused")), "Authentication failed", True, None),
    (wrapped(ConnectionResetError()), "Authentication failed", True, None),
    (ClientAuthenticationError(message="Authentication failed", response=Answer(503)), "x", False, 503),
    (ClientAuthenticationError(message="AADSTS7000215", response=Answer(400)), "AADSTS7000215", False, 400),
    # what MSAL keeps only as text
    (RuntimeError("Authentication failed: HTTP Error: 503"), "Authentication failed: HTTP Error: 503", False, 503),
    (RuntimeError("x"), "Authentication failed: ('Connection aborted.', RemoteDisconnected())", True, None),
    (RuntimeError("AADSTS700016"), "AADSTS700016: not found", False, None),
]


@pytest.mark.parametrize("exc, detail, transient, status", TOKEN_FAILURES)
def test_token_failures(exc, detail, transient, status):
    assert azure.token_failure(exc, detail) == (transient, status)


def test_a_token_failure_read_without_its_causes():
    exc = wrapped(ServiceRequestError("kept back"))
    assert azure.token_failure(exc, "HTTP Error: 503", causes=False) == (False, 503)
    assert azure.token_failure(exc, "HTTP Error: 503") == (True, 503)


@pytest.mark.parametrize("exc", [ValueError("half a body"), botocore.exceptions.SSLError(endpoint_url="https://x", error="eof"),
                                 client_error("", 200)])
def test_an_answer_the_watchdog_cut_is_a_timeout_worth_another_try_whatever_the_client_made_of_it(exc):
    err = aws.convert_error(exc, action="get", what="job j", where="in region r", cut=True)
    assert (err.code, err.retryable) == ("Timeout", True)
