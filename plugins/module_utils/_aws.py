# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS connection options, the botocore client, our retry policy and botocore error -> ``JobGateError``.

Resolution of options and environment is a pure function (``resolve_settings``) so it can be tested without
botocore. botocore's own retries are switched off: ``AwsClient.call`` applies ours (throttling, 5xx, timeouts,
connection errors; full-jitter exponential backoff; bounded attempts), which also covers ``ThrottlingException``.
"""
from __future__ import annotations

import importlib
import json
import os
import random
import threading
import time
import typing as t
from dataclasses import dataclass, field

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION

from ansible_collections.jobgate.cloud.plugins.module_utils._errors import JobGateError, bad_input

try:
    import botocore
    import botocore.config
    import botocore.exceptions
    import botocore.loaders
    import botocore.session
except ImportError:  # reported by the module through missing_required_lib
    botocore = None  # type: ignore[assignment]

COLLECTION_VERSION = "0.1.0"

AWS_ARG_SPEC: dict = dict(
    access_key=dict(type="str", aliases=["aws_access_key_id", "aws_access_key", "ec2_access_key"], no_log=False),
    secret_key=dict(type="str", aliases=["aws_secret_access_key", "aws_secret_key", "ec2_secret_key"], no_log=True),
    session_token=dict(type="str", aliases=["aws_session_token", "security_token", "aws_security_token", "access_token"], no_log=True),
    profile=dict(type="str", aliases=["aws_profile"]),
    region=dict(type="str", aliases=["aws_region", "ec2_region"]),
    endpoint_url=dict(type="str", aliases=["aws_endpoint_url", "ec2_url", "s3_url"]),
    aws_ca_bundle=dict(type="path"),
    validate_certs=dict(type="bool", default=True),
    aws_config=dict(type="dict"),
)

# Environment fallbacks, first set wins (amazon.aws's names, plus AWS_SECURITY_TOKEN that older AWX injects).
ENV_FALLBACKS: dict = {
    "access_key": ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "EC2_ACCESS_KEY"),
    "secret_key": ("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "EC2_SECRET_KEY"),
    "session_token": ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "EC2_SECURITY_TOKEN"),
    "profile": ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"),
    "region": ("AWS_REGION", "AWS_DEFAULT_REGION", "EC2_REGION"),
    "endpoint_url": ("AWS_URL", "EC2_URL"),
    "aws_ca_bundle": ("AWS_CA_BUNDLE",),
}

THROTTLING_CODES = frozenset((
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException", "RequestLimitExceeded",
    "RequestThrottled", "RequestThrottledException", "SlowDown", "ProvisionedThroughputExceededException",
    "LimitExceededException", "BandwidthLimitExceeded", "EC2ThrottledException", "PriorRequestNotComplete",
))
TRANSIENT_CODES = frozenset((
    "InternalServerException", "InternalServerError", "InternalFailure", "InternalError", "ServiceUnavailable",
    "ServiceUnavailableException", "RequestTimeout", "RequestTimeoutException",
))
CREDENTIAL_CODES = frozenset((
    "UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch", "InvalidClientTokenId",
    "ExpiredToken", "ExpiredTokenException", "IncompleteSignature", "IncompleteSignatureException",
    "MissingAuthenticationToken", "MissingAuthenticationTokenException", "AuthFailure", "InvalidAccessKeyId",
))
ACCESS_DENIED_CODES = frozenset(("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden"))
NOT_FOUND_CODES = frozenset(("ResourceNotFoundException", "NotFoundException", "NotFound", "NoSuchEntity"))

# AWS echoes the canonical request (signed header values included) after these words in a signature mismatch.
_ECHO_MARKERS = ("The Canonical String for this request should have been", "The String-to-Sign should have been")

DEFAULT_CONNECT_TIMEOUT = 10
DEFAULT_READ_TIMEOUT = 60


class MalformedResponse(Exception):
    """A 2xx answer whose body is not JSON (a proxy's page, a cut-off body): botocore would parse it as empty."""

    def __init__(self, status: int | None) -> None:
        super().__init__(f"HTTP {status} answer whose body is not JSON")
        self.status = status


def _check_json_body(response_dict: dict | None = None, **_kwargs: t.Any) -> None:
    """botocore ``before-parse`` hook: refuse a 2xx body that is not JSON instead of returning an empty result."""
    if not response_dict:
        return
    status = response_dict.get("status_code")
    body = response_dict.get("body")
    if not isinstance(status, int) or not 200 <= status < 300 or not isinstance(body, (bytes, str)) or not body:
        return
    try:
        json.loads(body)
    except ValueError:
        raise MalformedResponse(status) from None


@dataclass(frozen=True)
class AwsSettings:
    """Connection settings after options and environment are resolved; None means botocore's own chain decides."""

    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    ca_bundle: str | None = None
    validate_certs: bool = True
    config: dict = field(default_factory=dict)

    @property
    def verify(self) -> bool | str:
        """What botocore's ``verify`` takes: the CA bundle path, or whether to verify at all."""
        if not self.validate_certs:
            return False
        return self.ca_bundle or True

    def secrets(self) -> tuple:
        """Values that must never appear in a message."""
        return tuple(v for v in (self.secret_key, self.session_token) if v)


def _first(params: t.Mapping, environ: t.Mapping, name: str) -> str | None:
    value = params.get(name)
    if value not in (None, ""):
        return value
    for var in ENV_FALLBACKS.get(name, ()):
        if environ.get(var):
            return environ[var]
    return None


def resolve_settings(params: t.Mapping, environ: t.Mapping | None = None) -> AwsSettings:
    """Module options plus environment -> ``AwsSettings``; pure apart from reading ``os.environ`` when not given.

    Precedence: an option beats the environment. An explicit ``profile`` option is the whole credential source
    (credential variables in the environment are then ignored, as botocore does for an explicit profile), and it
    may not be combined with key options. A profile from the environment only supplies what keys do not.
    """
    env = os.environ if environ is None else environ
    key_options = [n for n in ("access_key", "secret_key", "session_token") if params.get(n)]
    if params.get("profile") and key_options:
        raise bad_input(f"The profile option cannot be combined with {', '.join(key_options)}: use one credential source.")
    if params.get("profile"):
        access_key = secret_key = session_token = None
    else:
        access_key = _first(params, env, "access_key")
        secret_key = _first(params, env, "secret_key")
        session_token = _first(params, env, "session_token")
    if bool(access_key) != bool(secret_key):
        missing = "secret_key" if access_key else "access_key"
        raise bad_input(f"An AWS access key and secret key go together, but {missing} (or its environment variable) is not set.")
    config = params.get("aws_config") or {}
    if not isinstance(config, dict):
        raise bad_input("aws_config must be a dictionary of botocore Config settings.")
    return AwsSettings(
        access_key=access_key,
        secret_key=secret_key,
        session_token=session_token,
        profile=_first(params, env, "profile"),
        region=_first(params, env, "region"),
        endpoint_url=_first(params, env, "endpoint_url"),
        ca_bundle=_first(params, env, "aws_ca_bundle"),
        validate_certs=params.get("validate_certs", True) is not False,
        config=dict(config),
    )


# ---------------------------------------------------------------------------------------------------------------
# Retry policy

@dataclass
class RetryPolicy:
    """Full-jitter exponential backoff (delay = uniform(0, min(cap, base * 2**n))) over a bounded attempt count."""

    max_attempts: int = 6
    base: float = 0.5
    cap: float = 20.0
    sleep: t.Callable[[float], None] = time.sleep
    rand: t.Callable[[], float] = random.random

    def delay(self, retry_number: int) -> float:
        return self.rand() * min(self.cap, self.base * (2 ** retry_number))


class AdaptiveLimiter:
    """Client-side pacing shared by the threads of one client: AIMD on the allowed request rate.

    Unlimited until the service throttles. A throttled answer sets the rate to half of what was being sent (the
    starts of the last second), at most once per round: answers to requests started before the last cut are
    already accounted for; never below ``floor`` (2/s: a lone caller waits no longer than its retry backoff).
    Every success adds 1/rate, about one request per second per second, so the rate
    climbs back and probes again. Without it, a pool of threads keeps hammering a throttled service and each
    429 costs another request.
    """

    WINDOW = 1.0

    def __init__(self, clock: t.Callable[[], float] = time.monotonic, sleep: t.Callable[[float], None] = time.sleep,
                 floor: float = 2.0) -> None:
        self.clock = clock
        self.sleep = sleep
        self.floor = floor
        self.rate: float | None = None  # requests per second; None = not limited
        self._next = 0.0                # earliest start of the next request while limited
        self._cut_at = float("-inf")
        self._starts: list = []
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for this request's turn; returns its start time (the ticket for ``on_throttle``)."""
        with self._lock:
            now = self.clock()
            slot = now if self.rate is None else max(now, self._next)
            if self.rate is not None:
                self._next = slot + 1.0 / self.rate
            self._starts = [s for s in self._starts if s > slot - self.WINDOW]
            self._starts.append(slot)
        if slot > now:
            self.sleep(slot - now)
        return slot

    def on_throttle(self, ticket: float) -> None:
        with self._lock:
            if ticket <= self._cut_at:
                return
            now = self.clock()
            sent = float(len([s for s in self._starts if s > now - self.WINDOW]) or 1) / self.WINDOW
            current = sent if self.rate is None else min(self.rate, sent)
            self.rate = max(self.floor, current / 2.0)
            self._cut_at = now
            self._next = max(self._next, now + 1.0 / self.rate)

    def on_success(self) -> None:
        with self._lock:
            if self.rate is not None:
                self.rate += 1.0 / self.rate


def _is_throttle(exc: BaseException) -> bool:
    code, _message, status = _client_error_parts(exc)
    return code in THROTTLING_CODES or status == 429


def _client_error_parts(exc: BaseException) -> tuple:
    response = getattr(exc, "response", None) or {}
    error = response.get("Error") or {}
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    try:
        status = int(status) if status is not None else None
    except (TypeError, ValueError):
        status = None
    return str(error.get("Code") or ""), str(error.get("Message") or ""), status


def is_retryable(exc: BaseException) -> bool:
    """The contract's ``retryable``: throttling, 5xx, timeouts and connection errors; not bad input or auth."""
    if botocore is None:
        return False
    if isinstance(exc, botocore.exceptions.ClientError):
        code, _message, status = _client_error_parts(exc)
        if code in CREDENTIAL_CODES or code in ACCESS_DENIED_CODES or code in NOT_FOUND_CODES:
            return False
        if code in THROTTLING_CODES or code in TRANSIENT_CODES:
            return True
        return status is not None and (status == 429 or status >= 500)
    # A certificate problem does not go away on retry; a dropped or slow connection may.
    if isinstance(exc, botocore.exceptions.SSLError):
        return False
    return isinstance(exc, (botocore.exceptions.ConnectionError, botocore.exceptions.ReadTimeoutError,
                            botocore.exceptions.ConnectionClosedError, botocore.exceptions.ResponseStreamingError))


def scrub(text: str, secrets: t.Iterable[str] = ()) -> str:
    """Drop AWS's echo of the canonical request and any known secret value from a message."""
    text = str(text or "")
    for marker in _ECHO_MARKERS:
        if marker in text:
            text = text[:text.index(marker)].rstrip()
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "********")
    return text


def convert_error(exc: BaseException, *, action: str, what: str, where: str, secrets: t.Iterable[str] = (),
                  attempts: int = 1) -> JobGateError:
    """A botocore exception -> ``JobGateError`` whose ``msg`` names the job and where it was looked for.

    ``action`` is a verb ("get", "list"), ``what`` names the job(s) ("Panorama device job abc"), ``where`` says
    where ("in region us-east-1 at endpoint https://...").
    """
    secrets = tuple(secrets)
    retryable = is_retryable(exc)
    tried = f" after {attempts} attempts" if attempts > 1 else ""
    if botocore is not None and isinstance(exc, botocore.exceptions.ClientError):
        code, message, status = _client_error_parts(exc)
        message = scrub(message, secrets) or code
        if code in NOT_FOUND_CODES or (status == 404 and not code):
            msg = f"{what} was not found {where}: {message}"
        elif code in CREDENTIAL_CODES:
            msg = (f"AWS rejected the credentials ({code}) when trying to {action} {what} {where}: {message} "
                   "Check access_key/secret_key/session_token (or the profile) and that they belong to this endpoint.")
        elif code in ACCESS_DENIED_CODES:
            msg = f"Access denied when trying to {action} {what} {where}: {message}"
        elif code in THROTTLING_CODES or status == 429:
            msg = f"AWS throttled the requests to {action} {what} {where}{tried}: {message}"
        else:
            msg = f"Could not {action} {what} {where}{tried}: {code or 'HTTP ' + str(status)}: {message}"
        return JobGateError(msg, code=code or f"HTTP{status}", message=message, http_status=status, retryable=retryable)

    text = scrub(str(exc), secrets)
    if botocore is None:
        return JobGateError(f"Could not {action} {what} {where}: {text}", code=type(exc).__name__, message=text)
    ex = botocore.exceptions
    if isinstance(exc, ex.SSLError):
        msg = (f"TLS certificate verification failed when trying to {action} {what} {where}: {text}. "
               "Set aws_ca_bundle (or AWS_CA_BUNDLE) to the CA that signed the endpoint's certificate.")
        return JobGateError(msg, code="SSLError", message=text, retryable=False)
    if isinstance(exc, (ex.ConnectTimeoutError, ex.ReadTimeoutError)):
        return JobGateError(f"Timed out trying to {action} {what} {where}{tried}: {text}", code="Timeout", message=text, retryable=True)
    if isinstance(exc, (ex.ConnectionError, ex.ConnectionClosedError, ex.ResponseStreamingError, ex.HTTPClientError)):
        return JobGateError(f"Could not connect to AWS to {action} {what} {where}{tried}: {text}", code="ConnectionError",
                            message=text, retryable=retryable)
    if isinstance(exc, (ex.NoCredentialsError, ex.PartialCredentialsError, ex.CredentialRetrievalError)):
        msg = (f"No usable AWS credentials to {action} {what} {where}: {text}. Set access_key and secret_key, "
               "a profile, or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY environment variables.")
        return JobGateError(msg, code="NoCredentials", message=text, retryable=False)
    if isinstance(exc, ex.ProfileNotFound):
        return JobGateError(f"Cannot {action} {what}: {text}.", code="ProfileNotFound", message=text, retryable=False)
    if isinstance(exc, ex.NoRegionError):
        msg = f"Cannot {action} {what}: no AWS region was given; set region, AWS_REGION or a profile with a region."
        return JobGateError(msg, code="NoRegion", message=text, retryable=False)
    if isinstance(exc, ex.ParamValidationError):
        return JobGateError(f"Invalid request to {action} {what}: {text}", code="ValidationError", message=text, retryable=False)
    return JobGateError(f"Could not {action} {what} {where}: {text}", code=type(exc).__name__, message=text, retryable=False)


# ---------------------------------------------------------------------------------------------------------------
# Panorama model fallback

_MODEL_LOCK = threading.Lock()
_MODEL_DIR: list = []  # one private directory per process, made on first need
# The carried model, registered by _panorama.py when it is imported, so that _aws.py never names the 51 KB model
# module and Ansible does not ship it in the payload of modules that never talk to Panorama.
CARRIED_MODELS: dict = {}
_CARRIED_MODULE = "ansible_collections.jobgate.cloud.plugins.module_utils._panorama_model"


def register_carried_model(service: str, api_version: str, service_model: dict, endpoint_ruleset: dict) -> None:
    CARRIED_MODELS[service] = (api_version, service_model, endpoint_ruleset)


def _carried_model_dir() -> str:
    """Write the carried Panorama model where botocore's loader expects it: panorama/<version>/service-2.json."""
    import atexit  # pylint: disable=import-outside-toplevel  # only Panorama without a botocore model needs these
    import shutil  # pylint: disable=import-outside-toplevel
    import tempfile  # pylint: disable=import-outside-toplevel

    with _MODEL_LOCK:
        if _MODEL_DIR:
            return _MODEL_DIR[0]
        if "panorama" not in CARRIED_MODELS:
            model = importlib.import_module(_CARRIED_MODULE)  # normally registered already by _panorama.py
            register_carried_model("panorama", model.API_VERSION, model.SERVICE_MODEL, model.ENDPOINT_RULESET)
        api_version, service_model, endpoint_ruleset = CARRIED_MODELS["panorama"]
        root = tempfile.mkdtemp(prefix="jobgate-botocore-")
        atexit.register(shutil.rmtree, root, True)
        target = os.path.join(root, "panorama", api_version)
        os.makedirs(target)
        for name, data in (("service-2.json", service_model), ("endpoint-rule-set-1.json", endpoint_ruleset)):
            with open(os.path.join(target, name), "w", encoding="utf-8") as handle:
                json.dump(data, handle)
        _MODEL_DIR.append(root)
        return root


def _has_type(loader: t.Any, path: str, service: str, type_name: str) -> bool:
    """Whether <path>/<service>/<any version>/<type_name> exists in a form the loader reads (.json, .json.gz)."""
    folder = os.path.join(path, service)
    try:
        versions = os.listdir(folder)
    except OSError:
        return False
    return any(loader.file_loader.exists(os.path.join(folder, version, type_name)) for version in versions)


def _loader_has_model(loader: t.Any, service: str) -> bool:
    return any(_has_type(loader, path, service, "service-2") for path in loader.search_paths)


def scoped_loader(data_path: str | None, service: str) -> t.Any:
    """botocore's data loader for a session that makes one client of ``service``.

    ``Loader.list_available_services`` lists every directory of botocore's data (over 400 services, twice per
    client) only so that ``load_service_model`` can check the asked service is among them; this loader answers
    the same question for the one service by looking at that service's directories only. Everything else is
    botocore's own ``Loader``, on the search paths that ``create_loader`` gives for AWS_DATA_PATH.
    """
    paths = list(botocore.loaders.create_loader(data_path).search_paths)

    class ScopedLoader(botocore.loaders.Loader):
        def list_available_services(self, type_name):
            return [service] if any(_has_type(self, path, service, type_name) for path in self.search_paths) else []

    return ScopedLoader(extra_search_paths=paths, include_default_search_paths=False)


def ensure_panorama_model(session: t.Any) -> bool:
    """Give botocore's loader the carried Panorama model when its own data lacks it; True when we added ours.

    The directory goes last on the search path, so a botocore (or ~/.aws/models) that has the model wins.
    """
    loader = session.get_component("data_loader")
    if _loader_has_model(loader, "panorama"):
        return False
    loader.search_paths.append(_carried_model_dir())
    return True


# ---------------------------------------------------------------------------------------------------------------
# Client

def build_config(settings: AwsSettings) -> tuple:
    """(botocore Config with botocore's retries off, attempt count for our policy)."""
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
    return config, max(1, attempts)


def create_client(settings: AwsSettings, service: str) -> tuple:
    """(botocore client, attempt count). Raises ``JobGateError`` for profile, region and model problems."""
    if botocore is None:
        raise JobGateError("botocore is required for the AWS modules.", code="MissingLibrary")
    config, attempts = build_config(settings)
    what = f"a {service} client"
    try:
        session = botocore.session.Session(profile=settings.profile)
        session.register_component("data_loader", scoped_loader(session.get_config_variable("data_path"), service))
        if service == "panorama":
            ensure_panorama_model(session)
        client = session.create_client(
            service,
            region_name=settings.region,
            endpoint_url=settings.endpoint_url,
            verify=settings.verify,
            aws_access_key_id=settings.access_key,
            aws_secret_access_key=settings.secret_key,
            aws_session_token=settings.session_token,
            config=config,
        )
    except botocore.exceptions.BotoCoreError as exc:
        raise convert_error(exc, action="create", what=what, where="", secrets=settings.secrets()) from None
    except ValueError as exc:  # e.g. a malformed endpoint_url
        raise bad_input(f"Cannot create {what}: {scrub(str(exc), settings.secrets())}") from None
    client.meta.events.register("before-parse", _check_json_body)
    return client, attempts


class AwsClient:
    """A botocore client plus our retry policy and error conversion; thread-safe like botocore's clients."""

    def __init__(self, settings: AwsSettings, service: str, *, policy: RetryPolicy | None = None,
                 client: t.Any = None, limiter: AdaptiveLimiter | None = None) -> None:
        self.settings = settings
        self.service = service
        self.limiter = limiter
        if client is None:
            client, attempts = create_client(settings, service)
            policy = policy or RetryPolicy(max_attempts=attempts)
        self.client = client
        self.policy = policy or RetryPolicy()
        if self.limiter is None:
            self.limiter = AdaptiveLimiter()

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

    def call(self, operation: str, *, action: str, what: str, **kwargs: t.Any) -> dict:
        """Call a client method (snake_case name) with our retries; botocore errors become ``JobGateError``."""
        method = getattr(self.client, operation)
        attempt = 0
        while True:
            attempt += 1
            ticket = self.limiter.acquire()
            try:
                out = method(**kwargs)
            except botocore.exceptions.BotoCoreError as exc:
                error: BaseException = exc
            except botocore.exceptions.ClientError as exc:
                error = exc
                if _is_throttle(exc):
                    self.limiter.on_throttle(ticket)
            except MalformedResponse as exc:
                if attempt >= self.policy.max_attempts:
                    raise JobGateError(f"AWS answered the request to {action} {what} {self.location()} with a body that "
                                       f"is not JSON, {attempt} times.", code="InvalidResponse", message=str(exc),
                                       http_status=exc.status, retryable=True) from None
                self.policy.sleep(self.policy.delay(attempt - 1))
                continue
            else:
                self.limiter.on_success()
                return out
            if attempt >= self.policy.max_attempts or not is_retryable(error):
                raise convert_error(error, action=action, what=what, where=self.location(),
                                    secrets=self.settings.secrets(), attempts=attempt) from None
            self.policy.sleep(self.policy.delay(attempt - 1))

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
