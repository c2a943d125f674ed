# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Assume role: botocore's own refreshing credentials for ``assume_role_arn``, put first on a session's chain.

Why botocore's pieces and not a refresher of ours: ``AssumeRoleCredentialFetcher`` makes the STS call (with the
base credentials, the session name, duration and external id) and caches its answer; ``RefreshableCredentials``
renews from it under its own lock before the credentials expire (an advisory window in which one thread renews
while the others sign with what they have, then a mandatory window in which all wait), exactly as botocore does
for a profile's ``role_arn``. We choose two things only:

- The first AssumeRole happens when the client is created (``create_from_metadata``), not lazily on the first
  signed request (``DeferredRefreshableCredentials``): a denied role then fails once, clearly, naming the role,
  instead of inside the first job request.
- The refresh windows: botocore's (15 and 10 minutes before expiry) are sized for one-hour sessions; below an hour
  they shrink with the life STS granted (a quarter and a sixth of it), or a 15-minute session would be renewed
  before every request. botocore before 1.33 takes no windows; it then keeps its own.
- The module's deadline: botocore gives the fetcher's STS client retries and timeouts of its own, blind to
  ``wait_timeout``; ours are capped at the time left, and the retries are ours (``role_credentials``).

Web identity (AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE) is botocore's chain and needs nothing here.
"""
from __future__ import annotations

import typing as t
from datetime import datetime, timezone

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.errors import (
    ResponseParserError, client_error_parts, convert_error, is_retryable, region_hint,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AwsSettings
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.timeouts import bound_request_timeouts
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.redact import remember, scrub
from ansible_collections.jobgate.cloud.plugins.module_utils._core.waiter import within_budget

try:
    import botocore.credentials
    import botocore.exceptions
except ImportError:  # reported by the module through missing_required_lib
    botocore = None  # type: ignore[assignment]

ADVISORY_WINDOW = 15 * 60    # botocore's defaults, kept for sessions of an hour or more
MANDATORY_WINDOW = 10 * 60
METHOD = "jobgate-assume-role"
_DENIED_HINT = (" Check that the role's trust policy lets the base credentials assume it, and"
                " assume_role_external_id if the role requires one.")


def refresh_windows(lifetime: float) -> tuple:
    """(advisory, mandatory) seconds before expiry at which the role's credentials are renewed."""
    return min(ADVISORY_WINDOW, lifetime / 4.0), min(MANDATORY_WINDOW, lifetime / 6.0)


def sts_location(settings: AwsSettings, region: str | None) -> str:
    where = f"in region {region or '(none)'}"
    return f"{where} at STS endpoint {settings.sts_endpoint_url}" if settings.sts_endpoint_url else where


def assume_role_error(exc: BaseException, settings: AwsSettings, region: str | None, attempts: int = 1) -> JobGateError:
    """What a failed AssumeRole becomes: names the role and the STS endpoint, never a key, token or external id."""
    arn = settings.assume_role_arn
    where = sts_location(settings, region)
    if botocore is not None and isinstance(exc, botocore.exceptions.ClientError):
        code, message, status = client_error_parts(exc)
        message = scrub(message, settings.secrets()).rstrip(".") or code
        hint = _DENIED_HINT if code in ("AccessDenied", "AccessDeniedException") else region_hint(message)
        return JobGateError(f"Could not assume role {arn} {where}: {code or 'HTTP ' + str(status)}: {message}.{hint}",
                            code=code or f"HTTP{status}", message=message, http_status=status,
                            retryable=is_retryable(exc), attempts=attempts)
    return convert_error(exc, action="assume role", what=str(arn), where=where, secrets=settings.secrets(),
                         attempts=attempts)


def _base_credentials(session: t.Any, settings: AwsSettings, region: str | None) -> t.Any:
    """The credentials that call AssumeRole: the key options/environment, else botocore's chain for the session."""
    if settings.access_key:
        return botocore.credentials.Credentials(settings.access_key, settings.secret_key, settings.session_token)
    # A resolver of its own, so the session's credential cache stays free for the role's credentials.
    return botocore.credentials.create_credential_resolver(session, region_name=region).load_credentials()


def role_credentials(session: t.Any, settings: AwsSettings, region: str | None, config: t.Any, attempts: int,
                     deadline: Deadline | None = None) -> t.Any:
    """Assume ``settings.assume_role_arn`` now; return botocore ``RefreshableCredentials`` that renew themselves.

    ``config`` is the service client's botocore Config (its retries off). Every AssumeRole, the first and each
    renewal, gets up to ``attempts`` attempts (throttling, 5xx and connection errors; its calls are reads) on
    ``deadline``: no request gets longer than the time left, no backoff sleeps past it, no attempt starts after it.
    With a bounded deadline (``wait``) it is tried until the deadline, like any read (``RetryPolicy.run``).
    """
    deadline = deadline if deadline is not None else Deadline()
    base = _base_credentials(session, settings, region)
    if base is None:
        raise JobGateError(f"No usable AWS credentials to assume role {settings.assume_role_arn}: set access_key and "
                           "secret_key, a profile, or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY environment "
                           "variables.", code="NoCredentials")
    # The region's own STS endpoint, also on botocore releases whose default is the global one.
    session.set_config_variable("sts_regional_endpoints", "regional")

    def create_sts(*args: t.Any, **kwargs: t.Any) -> t.Any:
        # The fetcher makes a client per AssumeRole; each one's requests are capped at the time left.
        client = session.create_client(*args, region_name=region, endpoint_url=settings.sts_endpoint_url,
                                       verify=settings.verify, config=config, **kwargs)
        bound_request_timeouts(client, deadline)
        return client

    request = {"RoleSessionName": settings.assume_role_session_name, "DurationSeconds": settings.assume_role_duration}
    if settings.assume_role_external_id:
        request["ExternalId"] = settings.assume_role_external_id
    fetcher = botocore.credentials.AssumeRoleCredentialFetcher(create_sts, base, settings.assume_role_arn,
                                                               extra_args=request)
    policy = RetryPolicy(max_attempts=max(1, attempts))

    def attempt(number: int, _ticket: t.Any) -> dict:
        try:
            return fetcher.fetch_credentials()
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, ResponseParserError) as exc:
            raise assume_role_error(exc, settings, region, attempts=number) from None
        except ValueError as exc:  # e.g. a malformed sts_endpoint_url
            raise JobGateError(f"Cannot assume role {settings.assume_role_arn}: sts_endpoint_url: "
                               f"{scrub(str(exc), settings.secrets())}", code="ValidationError") from None

    def fetch() -> dict:
        # Our retries, not botocore's: its backoff sleeps past any deadline (the same loop as AwsClient.call's).
        metadata = policy.run(deadline, attempt, ride=True, out_of_time=lambda: deadline.out_of_time(
            f"assume role {settings.assume_role_arn} {sts_location(settings, region)}"))
        # The role's keys and session token, first and renewed: never in any output, wherever echoed.
        remember(metadata.get("secret_key"), metadata.get("token"))
        return metadata

    metadata = within_budget(deadline, fetch)
    expiry = datetime.fromisoformat(str(metadata["expiry_time"]).replace("Z", "+00:00"))
    advisory, mandatory = refresh_windows((expiry - datetime.now(timezone.utc)).total_seconds())
    make = botocore.credentials.RefreshableCredentials.create_from_metadata
    try:
        return make(metadata, refresh_using=fetch, method=METHOD, advisory_timeout=advisory,
                    mandatory_timeout=mandatory)
    except TypeError:  # botocore < 1.33: its own windows
        return make(metadata, refresh_using=fetch, method=METHOD)


def use_credentials(session: t.Any, credentials: t.Any) -> None:
    """Put ``credentials`` first on the session's chain, so every client it creates signs with them."""

    class Provided(botocore.credentials.CredentialProvider):
        METHOD = METHOD
        CANONICAL_NAME = METHOD

        def load(self) -> t.Any:
            return credentials

    # At the very front: an explicit profile takes the "env" provider out of the chain, so there is no name to
    # insert before.
    session.get_component("credential_provider").providers.insert(0, Provided())
