# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which AWS errors are worth another try (``RULES``, the one table), and botocore error -> ``JobGateError`` whose
message names the job and where it was looked for, with no secret in it (``_core.redact``, which every output
passes through again)."""
from __future__ import annotations

import typing as t
from dataclasses import dataclass

from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import NOT_FOUND_CODES, JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.pause import retry_after_seconds
from ansible_collections.jobgate.cloud.plugins.module_utils._core.redact import scrub
from ansible_collections.jobgate.cloud.plugins.module_utils._core.watchdog import was_cut

try:
    import botocore.exceptions
    from botocore.parsers import ResponseParserError
except ImportError:  # reported by the module through missing_required_lib
    botocore = None  # type: ignore[assignment]

    class ResponseParserError(Exception):  # type: ignore[no-redef]
        """Stands in for botocore's, which is neither a BotoCoreError nor a ClientError."""


@dataclass(frozen=True)
class Rule:
    """What an AWS error means for another try."""

    meaning: str
    retry: bool    # a read, or any call with a client token, is tried again (the contract's ``retryable``)
    resend: bool   # a create call without a client token may be sent again: the service refused it before acting


THROTTLED = Rule("throttled", retry=True, resend=True)
# Throttled, but not by a refusal known to come before the service acted: a create is not sent again.
THROTTLED_LATE = Rule("throttled", retry=True, resend=False)
TRANSIENT = Rule("transient", retry=True, resend=False)      # the service's trouble (5xx): the job may exist
CREDENTIALS = Rule("credentials", retry=False, resend=False)
DENIED = Rule("denied", retry=False, resend=False)
NOT_FOUND = Rule("not found", retry=False, resend=False)
REFUSED = Rule("refused", retry=False, resend=False)         # any other answer: the request is at fault

# The whole answer to "may this be tried again?" for AWS. An error code first; an answer whose code is not listed
# by its HTTP status (429 throttled, 5xx transient, else refused); an error without an answer by its botocore class
# (``EXCEPTION_RULES``).
RULES: dict = {
    **dict.fromkeys(("Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
                     "RequestLimitExceeded", "LimitExceededException", "SlowDown"), THROTTLED),
    **dict.fromkeys(("RequestThrottled", "RequestThrottledException", "ProvisionedThroughputExceededException",
                     "BandwidthLimitExceeded", "EC2ThrottledException", "PriorRequestNotComplete"), THROTTLED_LATE),
    **dict.fromkeys(("InternalServerException", "InternalServerError", "InternalFailure", "InternalError",
                     "ServiceUnavailable", "ServiceUnavailableException", "RequestTimeout", "RequestTimeoutException"),
                    TRANSIENT),
    **dict.fromkeys(("UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch",
                     "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException", "IncompleteSignature",
                     "IncompleteSignatureException", "MissingAuthenticationToken",
                     "MissingAuthenticationTokenException", "AuthFailure", "InvalidAccessKeyId"), CREDENTIALS),
    **dict.fromkeys(("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden"), DENIED),
    **dict.fromkeys(NOT_FOUND_CODES, NOT_FOUND),
}
# botocore's errors without an answer, first match wins: a certificate that does not verify will not on the next
# try either (SSLError is a ConnectionError, so it comes first); a dropped, refused or slow connection may, and so
# may a cut-off or garbled body (botocore.parsers.ResponseParserError). Any other error is the request's or the
# configuration's (no credentials, no region, a bad parameter): REFUSED.
EXCEPTION_RULES = (
    ("SSLError", REFUSED),
    ("ConnectionError", TRANSIENT), ("ReadTimeoutError", TRANSIENT), ("ConnectionClosedError", TRANSIENT),
    ("ResponseStreamingError", TRANSIENT), ("ResponseParserError", TRANSIENT),
)

THROTTLING_CODES = frozenset(code for code, rule in RULES.items() if rule.meaning == "throttled")
CREDENTIAL_CODES = frozenset(code for code, rule in RULES.items() if rule is CREDENTIALS)
ACCESS_DENIED_CODES = frozenset(code for code, rule in RULES.items() if rule is DENIED)
# Codes after which a create call that has no client token is safe to send again.
SAFE_RETRY_CODES = frozenset(code for code, rule in RULES.items() if rule.resend)


def client_error_parts(exc: BaseException) -> tuple:
    """(code, message, HTTP status) of a botocore ClientError (or anything with its ``response``)."""
    response = getattr(exc, "response", None) or {}
    error = response.get("Error") or {}
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    try:
        status = int(status) if status is not None else None
    except (TypeError, ValueError):
        status = None
    return str(error.get("Code") or ""), str(error.get("Message") or ""), status


def answer_rule(code: str, status: int | None) -> Rule:
    """The rule of an answer: its code's, else its HTTP status's."""
    if code in RULES:
        return RULES[code]
    if status == 429:
        return THROTTLED
    if status is not None and status >= 500:
        return TRANSIENT
    return NOT_FOUND if status == 404 and not code else REFUSED


def rule_of(exc: BaseException) -> Rule:
    """The rule of a botocore exception (an answer's, or its class's)."""
    if botocore is None:
        return REFUSED
    if isinstance(exc, botocore.exceptions.ClientError):
        code, _message, status = client_error_parts(exc)
        return answer_rule(code, status)
    for name, rule in EXCEPTION_RULES:
        if isinstance(exc, ResponseParserError if name == "ResponseParserError" else getattr(botocore.exceptions, name)):
            return rule
    return REFUSED


def is_retryable(exc: BaseException) -> bool:
    """The contract's ``retryable``: throttling, 5xx, timeouts and connection errors; not bad input or auth."""
    return rule_of(exc).retry


def is_throttle(exc: BaseException) -> bool:
    return rule_of(exc).meaning == "throttled"


def may_resend(err: JobGateError) -> bool:
    """A create call without a client token that failed so may be sent again (``client.call_create``): a 429 is a
    refusal before acting, whatever its code."""
    return answer_rule(err.code, err.http_status).resend or err.http_status == 429


# What AWS says when a request was signed for a region the endpoint does not serve (a typo such as us-east1).
_REGION_SCOPE = "scoped to a valid region"


def region_hint(message: str) -> str:
    """The advice for an answer that refuses the signature's region, else ""."""
    if _REGION_SCOPE not in message:
        return ""
    return (" The region is the problem, not the keys: check the region option (or AWS_REGION, AWS_DEFAULT_REGION, "
            "the profile's region) for a typo such as us-east1 for us-east-1.")


def retry_after_of(exc: BaseException) -> float | None:
    """The Retry-After (delta-seconds) of a botocore ClientError's answer, or None."""
    response = getattr(exc, "response", None) or {}
    headers = (response.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    return retry_after_seconds(headers.get("retry-after"))


def convert_error(exc: BaseException, *, action: str, what: str, where: str, secrets: t.Iterable[str] = (),
                  attempts: int = 1, cut: bool = False) -> JobGateError:
    """A botocore exception -> ``JobGateError`` whose ``msg`` names the job and where it was looked for.

    ``action`` is a verb ("get", "list"), ``what`` names the job(s) ("Panorama device job abc"), ``where`` says
    where ("in region us-east-1 at endpoint https://..."), ``attempts`` how many requests were sent for it; ``cut``:
    the watchdog is known to have cut the request at its deadline.
    """
    msg, code, message, status, retryable = _parts(exc, action, what, where, tuple(secrets), attempts, cut)
    return JobGateError(msg, code=code, message=message, http_status=status, retryable=retryable,
                        retry_after=retry_after_of(exc), attempts=attempts)


def _parts(exc: BaseException, action: str, what: str, where: str, secrets: tuple, attempts: int,
           cut: bool = False) -> tuple:
    """(msg, code, message, http_status, retryable) of a botocore exception."""
    retryable = is_retryable(exc)
    tried = f" after {attempts} attempts" if attempts > 1 else ""
    if cut or was_cut():  # the watchdog ended the request at its deadline: whatever the client made of the rest of
        # the answer (a broken connection, a TLS error, an error status with half its body), it is a timeout
        text = "the answer was still arriving when the time budget ran out, and the request was cut"
        return f"Timed out trying to {action} {what} {where}{tried}: {text}", "Timeout", text, None, True
    if botocore is not None and isinstance(exc, botocore.exceptions.ClientError):
        code, message, status = client_error_parts(exc)
        message = scrub(message, secrets) or code
        rule = answer_rule(code, status)
        if rule is NOT_FOUND:
            msg = f"{what} was not found {where}: {message}"
        elif rule is CREDENTIALS and region_hint(message):
            msg = f"AWS refused the region of the request to {action} {what} {where}: {message}{region_hint(message)}"
        elif rule is CREDENTIALS:
            msg = (f"AWS rejected the credentials ({code}) when trying to {action} {what} {where}: {message} "
                   "Check access_key/secret_key/session_token (or the profile) and that they belong to this endpoint.")
        elif rule is DENIED:
            msg = f"Access denied when trying to {action} {what} {where}: {message}"
        elif rule.meaning == "throttled":
            msg = f"AWS throttled the requests to {action} {what} {where}{tried}: {message}"
        else:
            msg = f"Could not {action} {what} {where}{tried}: {code or 'HTTP ' + str(status)}: {message}"
        return msg, code or f"HTTP{status}", message, status, retryable

    text = scrub(str(exc), secrets)
    if botocore is None:
        return f"Could not {action} {what} {where}: {text}", type(exc).__name__, text, None, False
    ex = botocore.exceptions
    if isinstance(exc, ResponseParserError):
        # A cut-off or garbled body (XML services: STS) is a transport error. botocore's text quotes the body, which
        # for AssumeRole holds credentials: none of it is kept.
        msg = f"AWS answered the request to {action} {what} {where}{tried} with a body it could not parse."
        return msg, "InvalidResponse", "The answer's body could not be parsed.", None, retryable
    if isinstance(exc, ex.SSLError):
        msg = (f"TLS certificate verification failed when trying to {action} {what} {where}: {text}. "
               "Set aws_ca_bundle (or AWS_CA_BUNDLE) to the CA that signed the endpoint's certificate.")
        return msg, "SSLError", text, None, False
    if isinstance(exc, (ex.ConnectTimeoutError, ex.ReadTimeoutError)):
        return f"Timed out trying to {action} {what} {where}{tried}: {text}", "Timeout", text, None, retryable
    if isinstance(exc, (ex.ConnectionError, ex.ConnectionClosedError, ex.ResponseStreamingError, ex.HTTPClientError)):
        return f"Could not connect to AWS to {action} {what} {where}{tried}: {text}", "ConnectionError", text, None, retryable
    if isinstance(exc, (ex.NoCredentialsError, ex.PartialCredentialsError, ex.CredentialRetrievalError)):
        msg = (f"No usable AWS credentials to {action} {what} {where}: {text}. Set access_key and secret_key, "
               "a profile, or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY environment variables.")
        return msg, "NoCredentials", text, None, False
    if isinstance(exc, ex.ProfileNotFound):
        return f"Cannot {action} {what}: {text}.", "ProfileNotFound", text, None, False
    if isinstance(exc, ex.NoRegionError):
        msg = f"Cannot {action} {what}: no AWS region was given; set region, AWS_REGION or a profile with a region."
        return msg, "NoRegion", text, None, False
    if isinstance(exc, ex.ParamValidationError):
        return f"Invalid request to {action} {what}: {text}", "ValidationError", text, None, False
    return f"Could not {action} {what} {where}: {text}", type(exc).__name__, text, None, False
