# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The botocore client with our retries and error conversion, and create calls that must not start a job twice."""
from __future__ import annotations

import dataclasses
import json
import typing as t
from urllib.parse import parse_qs

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.credentials import role_credentials, use_credentials
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.errors import ResponseParserError, convert_error, is_throttle, may_resend
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.models import ensure_carried_model, scoped_loader
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import AdaptiveLimiter, RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AwsSettings
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.timeouts import bound_request_timeouts
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.redact import remember, scrub
from ansible_collections.jobgate.cloud.plugins.module_utils._core.watchdog import was_cut

try:
    import botocore
    import botocore.config
    import botocore.exceptions
    import botocore.session
except ImportError:  # reported by the module through missing_required_lib
    botocore = None  # type: ignore[assignment]

COLLECTION_VERSION = "0.1.0"

# The actions of reads: with wait they are tried until the deadline; a start has its bounded attempts.
READ_ACTIONS = ("get", "list")

DEFAULT_CONNECT_TIMEOUT = 10
DEFAULT_READ_TIMEOUT = 60


class MalformedResponse(Exception):
    """A 2xx answer whose body is not JSON (a proxy's page, a cut-off body): botocore would parse it as empty."""

    def __init__(self, status: int | None, reason: str = "not JSON") -> None:
        super().__init__(f"HTTP {status} answer whose body is {reason}")
        self.status = status
        self.reason = reason


def _expects_body(operation_model: t.Any) -> bool:
    """Whether the operation's output has members in the body (not only headers or the status code)."""
    members = getattr(getattr(operation_model, "output_shape", None), "members", None) or {}
    return any(not getattr(member, "serialization", {}).get("location") for member in members.values())


def _check_json_body(response_dict: dict | None = None, operation_model: t.Any = None, **_kwargs: t.Any) -> None:
    """botocore ``before-parse`` hook: refuse a 2xx body that is not a JSON object (a proxy's page, a cut-off or
    empty body) instead of letting botocore parse it as an empty result, which reads as "no such job"."""
    if not response_dict:
        return
    status = response_dict.get("status_code")
    body = response_dict.get("body")
    if not isinstance(status, int) or not 200 <= status < 300 or not isinstance(body, (bytes, str)):
        return
    if not body.strip():
        if operation_model is not None and _expects_body(operation_model):
            raise MalformedResponse(status, "empty")
        return
    try:
        parsed = json.loads(body)
    except ValueError:
        raise MalformedResponse(status) from None
    if not isinstance(parsed, dict):
        raise MalformedResponse(status, "JSON but not an object")


def build_config(settings: AwsSettings, deadline: Deadline | None = None) -> tuple:
    """(botocore Config with botocore's retries off, attempt count for our policy).

    With a bounded ``deadline`` the Config's timeouts are at most the time it has left; each request is capped
    again when it is sent (``bound_request_timeouts``).
    """
    user = dict(settings.config)
    retries = user.pop("retries", None) or {}
    attempts = RetryPolicy.max_attempts
    if isinstance(retries, dict):
        if retries.get("total_max_attempts"):
            attempts = int(retries["total_max_attempts"])
        elif retries.get("max_attempts") is not None:
            attempts = int(retries["max_attempts"]) + 1
    base = botocore.config.Config(
        user_agent_extra=f"jobgate.cloud/{COLLECTION_VERSION} Ansible/{ANSIBLE_VERSION}",
        connect_timeout=DEFAULT_CONNECT_TIMEOUT,
        read_timeout=DEFAULT_READ_TIMEOUT,
    )
    try:
        config = base.merge(botocore.config.Config(**user))
    except TypeError as exc:
        raise bad_input(f"aws_config has a setting botocore's Config does not know: {exc}") from None
    config = config.merge(botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1}))
    if deadline is not None and deadline.bounded:
        config = config.merge(botocore.config.Config(connect_timeout=deadline.cap(config.connect_timeout),
                                                     read_timeout=deadline.cap(config.read_timeout)))
    return config, max(1, attempts)


# What a request carries that is a credential: a server or a proxy may echo it back in an error body.
_SENT_HEADERS = ("X-Amz-Security-Token", "Authorization")
_SENT_FIELDS = ("WebIdentityToken", "SAMLAssertion")


def remember_sent_credentials(request: t.Any = None, **_kwargs: t.Any) -> None:
    """botocore's before-send: hand the session token, the signature and a web identity token this request
    carries (also those botocore's own credential providers obtained) to the scrubber of everything we output."""
    if request is None:
        return
    headers = getattr(request, "headers", None) or {}
    remember(*(headers.get(name) for name in _SENT_HEADERS))
    body = getattr(request, "body", None)
    if body and any(field.encode() in body if isinstance(body, bytes) else field in str(body) for field in _SENT_FIELDS):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        form = parse_qs(text)
        remember(*(value for name in _SENT_FIELDS for value in form.get(name, ())))


def create_client(settings: AwsSettings, service: str, deadline: Deadline | None = None) -> tuple:
    """(botocore client, attempt count). Raises ``JobGateError`` for profile, region and model problems."""
    if botocore is None:
        raise JobGateError("botocore is required for the AWS modules.", code="MissingLibrary")
    config, attempts = build_config(settings, deadline)
    what = f"a {service} client"
    try:
        session = botocore.session.Session(profile=settings.profile)
        # Before any client: botocore copies the session's handlers into each client it makes, STS ones included.
        session.register("before-send", remember_sent_credentials)
        session.register_component("data_loader", scoped_loader(session.get_config_variable("data_path"), service))
        ensure_carried_model(session, service)
        keys = dict(aws_access_key_id=settings.access_key, aws_secret_access_key=settings.secret_key,
                    aws_session_token=settings.session_token)
        if settings.assume_role_arn:  # the base credentials assume the role once here; the client signs as the role
            region = settings.region or session.get_config_variable("region")
            use_credentials(session, role_credentials(session, settings, region, config, attempts, deadline))
            keys = {}
        client = session.create_client(
            service,
            region_name=settings.region,
            endpoint_url=settings.endpoint_url,
            verify=settings.verify,
            config=config,
            **keys,
        )
    except botocore.exceptions.BotoCoreError as exc:
        raise convert_error(exc, action="create", what=what, where="", secrets=settings.secrets()) from None
    except ValueError as exc:  # e.g. a malformed endpoint_url
        raise bad_input(f"Cannot create {what}: {scrub(str(exc), settings.secrets())}") from None
    client.meta.events.register("before-parse", _check_json_body)
    if deadline is not None and deadline.bounded:
        bound_request_timeouts(client, deadline)
    return client, attempts


class AwsClient:
    """A botocore client plus our retry policy and error conversion; thread-safe like botocore's clients.

    Its retries, their backoff and the limiter's waits run on ``deadline`` (the module's): none sleeps past it,
    no attempt starts after it, and no request gets longer than the time it has left.
    """

    def __init__(self, settings: AwsSettings, service: str, *, policy: RetryPolicy | None = None,
                 client: t.Any = None, limiter: AdaptiveLimiter | None = None,
                 deadline: Deadline | None = None) -> None:
        self.settings = settings
        self.service = service
        self.deadline = deadline if deadline is not None else (limiter.deadline if limiter is not None else Deadline())
        if client is None:
            client, attempts = create_client(settings, service, self.deadline)
            policy = policy or RetryPolicy(max_attempts=attempts)
        self.client = client
        self.policy = policy or RetryPolicy()
        self.limiter = limiter if limiter is not None else AdaptiveLimiter(self.deadline)

    @property
    def region(self) -> str | None:
        return getattr(getattr(self.client, "meta", None), "region_name", None) or self.settings.region

    @property
    def endpoint(self) -> str | None:
        return getattr(getattr(self.client, "meta", None), "endpoint_url", None) or self.settings.endpoint_url

    def location(self) -> str:
        """Where jobs are looked for, for messages: "in region us-east-1 at endpoint https://..."."""
        parts = [f"in region {self.region or '(none)'}"]
        if self.endpoint:
            parts.append(f"at endpoint {self.endpoint}")
        return " ".join(parts)

    def location_key(self) -> str:
        """A stable name of where jobs are: "aws/us-east-1", plus the endpoint when one was configured."""
        key = f"aws/{self.region or ''}"
        return f"{key}@{self.settings.endpoint_url}" if self.settings.endpoint_url else key

    def call(self, operation: str, *, action: str, what: str, accept: t.Callable[[dict], t.Any] | None = None,
             **kwargs: t.Any) -> dict:
        """Call a client method (snake_case name) with our retries; botocore errors become ``JobGateError``.

        A read (``action`` in ``READ_ACTIONS``) on a bounded deadline is tried until the deadline (``RetryPolicy.next_pause``).
        ``accept(answer)`` may refuse an answer by raising a retryable JobGateError (a 200 without the job): it is
        tried again like any other.
        """
        method = getattr(self.client, operation)
        until_deadline = action in READ_ACTIONS and self.deadline.bounded
        last: JobGateError | None = None
        number = 0
        # RetryPolicy.run's loop, inline: from run_module to the request the walk is run_jobs, fetch_many, the
        # kind's describe and this, with no closure or loop function between (docs/dev/architecture.md).
        while True:
            number += 1
            ticket = self.limiter.acquire()
            if self.deadline.expired:
                break
            err: JobGateError | None = None
            try:
                out = method(**kwargs)
            except MalformedResponse as exc:
                if was_cut():   # the watchdog cut the body short at the deadline: a timeout, not a bad answer
                    err = convert_error(exc, action=action, what=what, where=self.location(), attempts=number, cut=True)
                else:
                    err = JobGateError(f"AWS answered the request to {action} {what} {self.location()} with a body "
                                       f"that is {exc.reason}, {number} times.", code="InvalidResponse",
                                       message=str(exc), http_status=exc.status, retryable=True, attempts=number)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, ResponseParserError) as exc:
                if isinstance(exc, botocore.exceptions.ClientError) and is_throttle(exc):
                    self.limiter.on_throttle(ticket)
                err = convert_error(exc, action=action, what=what, where=self.location(),
                                    secrets=self.settings.secrets(), attempts=number)
            else:
                self.limiter.on_success()
                if accept is None:
                    return out
                try:
                    accept(out)
                    return out
                except JobGateError as refused:
                    refused.attempts = number
                    err = refused
            last = self.deadline.last_answer(last, err)
            pause = self.policy.next_pause(number, last, until_deadline=until_deadline)
            if pause is None:
                break
            self.deadline.sleep(pause)
        raise last if last is not None else self.deadline.out_of_time(f"{action} {what} {self.location()}")

    def pages(self, operation: str, result_key: str, *, action: str, what: str, **kwargs: t.Any) -> t.Iterator:
        """Each page's items, following NextToken lazily (a caller may stop early); each page has its own retries."""
        seen: set = set()
        request = {k: v for k, v in kwargs.items() if v is not None}
        while True:
            page = self.call(operation, action=action, what=what, **request)
            yield page.get(result_key) or []
            token = page.get("NextToken")
            if not token:
                return
            if token in seen:  # a service that repeats a token would otherwise loop forever
                raise JobGateError(f"AWS repeated a pagination token while trying to {action} {what} {self.location()}.",
                                   code="PaginationLoop", retryable=False)
            seen.add(token)
            request["NextToken"] = token

    def paginate(self, operation: str, result_key: str, *, action: str, what: str, **kwargs: t.Any) -> list:
        """Follow NextToken to the end; each page gets its own retries."""
        items: list = []
        for page in self.pages(operation, result_key, action=action, what=what, **kwargs):
            items.extend(page)
        return items


def call_create(aws_client: t.Any, operation: str, *, action: str, what: str, max_attempts: int = 6,
                **kwargs: t.Any) -> dict:
    """Call an AWS create operation that has no client token: retried only when the service refused it outright.

    ``aws_client`` is an ``AwsClient``; its own retries (which also cover 5xx and connection errors) would
    risk starting a job twice, so one attempt at a time goes through a single-attempt twin of it (same limiter,
    same deadline: the backoff between attempts stops at the deadline too).
    """
    once = AwsClient(aws_client.settings, aws_client.service, policy=RetryPolicy(max_attempts=1), client=aws_client.client,
                     limiter=aws_client.limiter, deadline=aws_client.deadline)
    policy = dataclasses.replace(aws_client.policy, max_attempts=max(1, min(max_attempts, aws_client.policy.max_attempts)))
    deadline = aws_client.deadline
    return policy.run(deadline, lambda _number, _ticket: once.call(operation, action=action, what=what, **kwargs),
                      retry=may_resend,
                      out_of_time=lambda: deadline.out_of_time(f"{action} {what} {aws_client.location()}"))
