# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure connection: credentials from azure-identity, cloud environments, and a Resource Manager session.

Three separate steps keep the parts testable without a network:

* ``resolve_credentials(params, environ, credentials_text)`` is a pure function that decides *which* credential to
  build (a ``CredentialPlan``), following azure.azcollection's precedence;
* ``resolve_cloud(...)`` turns ``cloud_environment`` into endpoints (a name, or an Azure Stack style metadata URL);
* ``build_credential(plan, cloud)`` and ``ArmClient`` do the I/O.

The bearer token is only ever sent to the Resource Manager origin (scheme, host and port); a ``nextLink`` that points
anywhere else is refused. No secret or token is ever put into a message.
"""
from __future__ import annotations

import configparser
import email.utils
import os
import random
import re
import threading
import time
import typing as t
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.jobgate.cloud.plugins.module_utils._errors import JobGateError, bad_input

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported through missing_required_lib
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

try:
    import azure.identity  # noqa: F401  pylint: disable=unused-import
    HAS_AZURE_IDENTITY = True
    AZURE_IDENTITY_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported through missing_required_lib
    HAS_AZURE_IDENTITY = False
    AZURE_IDENTITY_IMPORT_ERROR = exc


AUTH_SOURCES = ("auto", "env", "credential_file", "cli", "msi", "workload_identity")

AZURE_ARG_SPEC: dict = dict(
    auth_source=dict(type="str", choices=list(AUTH_SOURCES)),
    subscription_id=dict(type="str"),
    client_id=dict(type="str"),
    secret=dict(type="str", no_log=True),
    tenant=dict(type="str"),
    x509_certificate_path=dict(type="path"),
    profile=dict(type="str"),
    cloud_environment=dict(type="str"),
    cert_validation_mode=dict(type="str", choices=["validate", "ignore"]),
)

# Each setting and the environment variables that carry it, first match wins: AWX's (azure.azcollection's) names
# first, then azure-identity's own.
ENV_NAMES: dict = {
    "subscription_id": ("AZURE_SUBSCRIPTION_ID",),
    "client_id": ("AZURE_CLIENT_ID",),
    "secret": ("AZURE_SECRET", "AZURE_CLIENT_SECRET"),
    "tenant": ("AZURE_TENANT", "AZURE_TENANT_ID"),
    "x509_certificate_path": ("AZURE_X509_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PATH"),
    "profile": ("AZURE_PROFILE",),
    "cloud_environment": ("AZURE_CLOUD_ENVIRONMENT",),
    "cert_validation_mode": ("AZURE_CERT_VALIDATION_MODE",),
    "ad_user": ("AZURE_AD_USER", "AZURE_USERNAME"),
    "password": ("AZURE_PASSWORD",),
    "federated_token_file": ("AZURE_FEDERATED_TOKEN_FILE",),
    "authority_host": ("AZURE_AUTHORITY_HOST",),
}

# Keys read from a ~/.azure/credentials profile (INI section per profile), as azure.azcollection reads them.
PROFILE_KEYS = ("subscription_id", "client_id", "secret", "tenant", "x509_certificate_path", "ad_user", "password",
                "cloud_environment", "cert_validation_mode")

CREDENTIALS_FILE = "~/.azure/credentials"

PASSWORD_NOT_SUPPORTED = (
    "Azure sign-in with a user name and password (AZURE_AD_USER/AZURE_PASSWORD, or ad_user/password in a "
    "credentials profile) is not supported: Microsoft Entra ID requires multifactor authentication for such "
    "sign-ins, which a non-interactive module cannot complete. Use a service principal with a client secret "
    "(client_id, secret, tenant) or a certificate (x509_certificate_path), a managed identity (auth_source=msi) "
    "or workload identity (auth_source=workload_identity)."
)


@dataclass
class CredentialPlan:
    """Which azure-identity credential to build, and from where the settings came. Never printed with secrets."""

    kind: str                       # client_secret | client_certificate | cli | msi | workload_identity
    source: str                     # parameters | env | credential_file (profile NAME) | cli | msi | workload_identity
    subscription_id: str | None = None
    tenant: str | None = None
    client_id: str | None = None
    secret: str | None = field(default=None, repr=False)
    certificate_path: str | None = None
    federated_token_file: str | None = None
    cloud_environment: str = "AzureCloud"
    authority_host: str | None = None
    cert_validation_mode: str = "validate"

    def secrets(self) -> list:
        """Values that must never appear in a message."""
        return [s for s in (self.secret,) if s]


def _first_env(environ: t.Mapping, key: str) -> str | None:
    for name in ENV_NAMES[key]:
        value = environ.get(name)
        if value:
            return value
    return None


def env_settings(environ: t.Mapping) -> dict:
    return {key: _first_env(environ, key) for key in ENV_NAMES}


def parse_credentials_file(text: str | None, profile: str) -> dict | None:
    """The settings of one profile of a ~/.azure/credentials file, or None when the profile is absent."""
    if not text:
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise bad_input(f"The Azure credentials file {CREDENTIALS_FILE} could not be parsed: {type(exc).__name__}.") from None
    if not parser.has_section(profile):
        return None
    return {key: parser.get(profile, key) for key in PROFILE_KEYS if parser.get(profile, key, fallback="")}


def _plan_from_settings(settings: dict, source: str, environ_settings: dict) -> CredentialPlan:
    """A service principal (secret or certificate) or workload identity from one source's settings."""
    common = dict(source=source, subscription_id=settings.get("subscription_id"), tenant=settings.get("tenant"),
                  client_id=settings.get("client_id"))
    if settings.get("client_id") and settings.get("secret"):
        return CredentialPlan(kind="client_secret", secret=settings["secret"], **common)
    if settings.get("client_id") and settings.get("x509_certificate_path"):
        return CredentialPlan(kind="client_certificate", certificate_path=settings["x509_certificate_path"], **common)
    if settings.get("ad_user") or settings.get("password"):
        raise JobGateError(PASSWORD_NOT_SUPPORTED, code="UnsupportedCredential")
    token_file = settings.get("federated_token_file") or environ_settings.get("federated_token_file")
    if settings.get("client_id") and token_file:
        return CredentialPlan(kind="workload_identity", federated_token_file=token_file, **common)
    where = "the module options" if source == "parameters" else (
        "the environment" if source == "env" else f"the {source}")
    raise bad_input(f"Incomplete Azure credentials in {where}: a service principal needs client_id, tenant and "
                    "either secret or x509_certificate_path.")


def _has_sp_or_user(settings: dict | None) -> bool:
    return bool(settings) and bool(settings.get("client_id") or settings.get("ad_user"))


def resolve_credentials(params: t.Mapping, environ: t.Mapping, credentials_text: str | None) -> CredentialPlan:
    """Decide which credential to build. Pure: no I/O, unit-testable.

    Precedence for ``auto`` (azure.azcollection's): the ``profile`` option; explicit module options (client_id);
    the environment (AZURE_PROFILE, else its client id/secret/certificate/federated token); the ``default`` profile
    of the credentials file; finally the Azure CLI login.
    """
    env = env_settings(environ)
    explicit = {k: params.get(k) for k in ("subscription_id", "client_id", "secret", "tenant", "x509_certificate_path")}
    auth_source = params.get("auth_source") or environ.get("ANSIBLE_AZURE_AUTH_SOURCE") or "auto"
    if auth_source not in AUTH_SOURCES:
        raise bad_input(f"auth_source must be one of {', '.join(AUTH_SOURCES)}, not {auth_source!r}.")

    def from_profile(name: str) -> CredentialPlan:
        settings = parse_credentials_file(credentials_text, name)
        if settings is None:
            raise bad_input(f"Azure credentials profile {name!r} was not found in {CREDENTIALS_FILE}.")
        return _plan_from_settings(settings, f"credential_file (profile {name})", env)

    if auth_source == "credential_file":
        plan = from_profile(params.get("profile") or env.get("profile") or "default")
        profile_settings = parse_credentials_file(credentials_text, params.get("profile") or env.get("profile") or "default") or {}
    elif auth_source == "env":
        if env.get("profile"):
            plan = from_profile(env["profile"])
            profile_settings = parse_credentials_file(credentials_text, env["profile"]) or {}
        else:
            plan = _plan_from_settings(env, "env", env)
            profile_settings = {}
    elif auth_source in ("cli", "msi", "workload_identity"):
        plan = _identity_plan(auth_source, explicit, env)
        profile_settings = {}
    else:
        plan, profile_settings = _auto_plan(params, explicit, env, credentials_text, from_profile)

    # Settings beside the credential: explicit options win, then the source that gave the credential, then env.
    source_settings = profile_settings if plan.source.startswith("credential_file") else (env if plan.source == "env" else {})
    plan.subscription_id = (explicit["subscription_id"] or plan.subscription_id or source_settings.get("subscription_id")
                            or env.get("subscription_id"))
    plan.cloud_environment = (params.get("cloud_environment") or source_settings.get("cloud_environment")
                              or env.get("cloud_environment") or "AzureCloud")
    mode = params.get("cert_validation_mode") or source_settings.get("cert_validation_mode") or env.get("cert_validation_mode") or "validate"
    if mode not in ("validate", "ignore"):
        raise bad_input(f"cert_validation_mode must be validate or ignore, not {mode!r}.")
    plan.cert_validation_mode = mode
    plan.authority_host = env.get("authority_host")
    return plan


def _identity_plan(kind: str, explicit: dict, env: dict) -> CredentialPlan:
    if kind == "cli":
        return CredentialPlan(kind="cli", source="cli", tenant=explicit["tenant"])
    if kind == "msi":
        # A user-assigned identity is chosen by client_id; none means the system-assigned one.
        return CredentialPlan(kind="msi", source="msi", client_id=explicit["client_id"] or env.get("client_id"))
    tenant = explicit["tenant"] or env.get("tenant")
    client_id = explicit["client_id"] or env.get("client_id")
    token_file = env.get("federated_token_file")
    if not (tenant and client_id and token_file):
        raise bad_input("auth_source=workload_identity needs tenant and client_id (options or AZURE_TENANT_ID/"
                        "AZURE_CLIENT_ID) and a token file in AZURE_FEDERATED_TOKEN_FILE.")
    return CredentialPlan(kind="workload_identity", source="workload_identity", tenant=tenant, client_id=client_id,
                          federated_token_file=token_file)


def _auto_plan(params, explicit, env, credentials_text, from_profile):
    if params.get("profile"):
        return from_profile(params["profile"]), parse_credentials_file(credentials_text, params["profile"]) or {}
    if explicit["client_id"]:
        return _plan_from_settings(explicit, "parameters", env), {}
    if env.get("profile"):
        return from_profile(env["profile"]), parse_credentials_file(credentials_text, env["profile"]) or {}
    if env.get("client_id") or env.get("ad_user") or env.get("password"):
        return _plan_from_settings(env, "env", env), {}
    default = parse_credentials_file(credentials_text, "default")
    if _has_sp_or_user(default):
        return _plan_from_settings(default, "credential_file (profile default)", env), default
    return CredentialPlan(kind="cli", source="cli", tenant=explicit["tenant"]), {}


# ---------------------------------------------------------------------------------------------- cloud environments

@dataclass
class CloudEndpoints:
    name: str
    resource_manager: str      # https://management.azure.com (no trailing slash)
    authority: str             # https://login.microsoftonline.com (no trailing slash)
    scope: str                 # https://management.azure.com/.default
    microsoft_authority: bool = True   # False: instance discovery must be off


KNOWN_CLOUDS = {
    "azurecloud": CloudEndpoints("AzureCloud", "https://management.azure.com", "https://login.microsoftonline.com",
                                 "https://management.azure.com/.default"),
    "azureusgovernment": CloudEndpoints("AzureUSGovernment", "https://management.usgovcloudapi.net",
                                        "https://login.microsoftonline.us", "https://management.usgovcloudapi.net/.default"),
    "azurechinacloud": CloudEndpoints("AzureChinaCloud", "https://management.chinacloudapi.cn",
                                      "https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn/.default"),
}
# Names other tools use for the same clouds.
KNOWN_CLOUDS["azurepubliccloud"] = KNOWN_CLOUDS["azurecloud"]
KNOWN_CLOUDS["azureusgovernmentcloud"] = KNOWN_CLOUDS["azureusgovernment"]

MICROSOFT_AUTHORITY_HOSTS = ("login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn",
                             "login.microsoft.com", "login.windows.net", "login.partner.microsoftonline.cn")

METADATA_API_VERSION = "1.0"


def is_microsoft_authority(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in MICROSOFT_AUTHORITY_HOSTS


def metadata_url(arm_url: str) -> str:
    return arm_url.rstrip("/") + f"/metadata/endpoints?api-version={METADATA_API_VERSION}"


def cloud_from_metadata(arm_url: str, document: t.Any) -> CloudEndpoints:
    """Endpoints from an Azure Stack style metadata document (``GET {arm}/metadata/endpoints?api-version=1.0``)."""
    try:
        auth = document["authentication"]
        login = auth["loginEndpoint"]
        audience = auth["audiences"][0]
    except (KeyError, IndexError, TypeError):
        raise JobGateError(f"The metadata document of {arm_url} lacks authentication.loginEndpoint or "
                           "authentication.audiences.", code="InvalidCloudMetadata") from None
    if not (isinstance(login, str) and login.startswith("https://")) or not isinstance(audience, str) or not audience:
        raise JobGateError(f"The metadata document of {arm_url} has no https login endpoint or no audience.",
                           code="InvalidCloudMetadata")
    return CloudEndpoints(name=arm_url.rstrip("/"), resource_manager=arm_url.rstrip("/"), authority=login.rstrip("/"),
                          # audience + "/.default" as is: an audience with a trailing slash gives "//.default",
                          # which is what Entra ID expects for such v1 resource ids.
                          scope=audience + "/.default", microsoft_authority=is_microsoft_authority(login))


def resolve_cloud(cloud_environment: str, fetch_json: t.Callable[[str], t.Any] | None = None) -> CloudEndpoints:
    """A known cloud by name, or an https Resource Manager URL read through its metadata document."""
    known = KNOWN_CLOUDS.get((cloud_environment or "AzureCloud").strip().lower())
    if known is not None:
        return known
    parts = urlsplit(cloud_environment)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment or parts.username:
        names = ", ".join(c.name for c in {id(c): c for c in KNOWN_CLOUDS.values()}.values())
        raise bad_input(f"cloud_environment must be one of {names} or the https URL of a Resource Manager "
                        f"endpoint, not {cloud_environment!r}.")
    if fetch_json is None:
        raise ValueError("fetch_json is required for a Resource Manager URL")
    return cloud_from_metadata(cloud_environment, fetch_json(metadata_url(cloud_environment)))


# ---------------------------------------------------------------------------------------------- credentials

def check_libraries() -> None:
    if not HAS_REQUESTS:
        raise JobGateError(missing_required_lib("requests"), code="MissingLibrary", message=str(REQUESTS_IMPORT_ERROR))
    if not HAS_AZURE_IDENTITY:
        raise JobGateError(missing_required_lib("azure-identity"), code="MissingLibrary",
                           message=str(AZURE_IDENTITY_IMPORT_ERROR))


def _authority_and_tenant(plan: CredentialPlan, cloud: CloudEndpoints) -> tuple:
    authority = cloud.authority
    # AZURE_AUTHORITY_HOST only overrides the authority of a named (public or sovereign) cloud.
    if plan.authority_host and cloud.microsoft_authority:
        authority = plan.authority_host.rstrip("/")
    tenant = plan.tenant
    parts = urlsplit(authority)
    if parts.path.rstrip("/").lower().endswith("/adfs"):   # Azure Stack with AD FS: the tenant is "adfs"
        authority = authority[: -len("/adfs")]
        tenant = "adfs"
    return authority, tenant


def build_credential(plan: CredentialPlan, cloud: CloudEndpoints):
    """The azure-identity credential the plan describes."""
    check_libraries()
    from azure import identity  # pylint: disable=import-outside-toplevel

    authority, tenant = _authority_and_tenant(plan, cloud)
    kwargs: dict = {"authority": authority}
    if not is_microsoft_authority(authority):
        kwargs["disable_instance_discovery"] = True
    if plan.cert_validation_mode == "ignore":
        kwargs["connection_verify"] = False
    needs_tenant = plan.kind in ("client_secret", "client_certificate")
    if needs_tenant and not tenant:
        raise bad_input("Azure tenant is required for a service principal: set tenant, AZURE_TENANT or AZURE_TENANT_ID.")
    if plan.kind == "client_secret":
        return identity.ClientSecretCredential(tenant, plan.client_id, plan.secret, **kwargs)
    if plan.kind == "client_certificate":
        return identity.CertificateCredential(tenant, plan.client_id, certificate_path=plan.certificate_path, **kwargs)
    if plan.kind == "workload_identity":
        return identity.WorkloadIdentityCredential(tenant_id=tenant, client_id=plan.client_id,
                                                   token_file_path=plan.federated_token_file, **kwargs)
    if plan.kind == "msi":
        return identity.ManagedIdentityCredential(client_id=plan.client_id) if plan.client_id else identity.ManagedIdentityCredential()
    if plan.kind == "cli":
        return identity.AzureCliCredential(tenant_id=plan.tenant or "")
    raise ValueError(f"unknown credential kind {plan.kind}")


def scrub(text: str, secrets: t.Iterable) -> str:
    for value in secrets:
        if value and len(value) >= 4:
            text = text.replace(value, "********")
    return text


_TOKEN_HTTP_STATUS = re.compile(r"HTTP Error: (\d{3})\b")
_TRANSIENT_ERRORS = ("ServiceRequestError", "ServiceResponseError", "ServiceRequestTimeoutError", "ConnectionError", "Timeout")
_TRANSIENT_TEXT = ("Connection aborted", "Connection reset", "Max retries exceeded", "timed out")


class TokenProvider:
    """Bearer tokens for the Resource Manager scope; ``renew()`` drops the cached credential (e.g. after a 401)."""

    def __init__(self, plan: CredentialPlan, cloud: CloudEndpoints, factory: t.Callable | None = None) -> None:
        self.plan = plan
        self.cloud = cloud
        self._factory = factory or build_credential
        self._credential = None
        # Several jobs are fetched from threads; one credential (one token cache) serves them all.
        self._lock = threading.Lock()

    def renew(self) -> None:
        with self._lock:
            self._credential = None

    def token(self) -> str:
        try:
            with self._lock:
                if self._credential is None:
                    self._credential = self._factory(self.plan, self.cloud)
                credential = self._credential
            return credential.get_token(self.cloud.scope).token
        except JobGateError:
            raise
        except Exception as exc:  # azure.core.exceptions.* and ValueError from credential construction
            raise self._auth_error(exc) from None

    def _auth_error(self, exc: Exception) -> JobGateError:
        name = type(exc).__name__
        detail = scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else name, self.plan.secrets())
        msg = (f"Could not get an Azure access token ({self.plan.kind} credential from {self.plan.source}) "
               f"from {self.cloud.authority}: {detail}")
        # azure-identity wraps a failing token endpoint in ClientAuthenticationError whose text is all it keeps:
        # "HTTP Error: 503" or "Connection aborted". Those are the endpoint's trouble, not bad credentials.
        status = _TOKEN_HTTP_STATUS.search(detail)
        http_status = int(status.group(1)) if status else None
        if name in _TRANSIENT_ERRORS or any(text in detail for text in _TRANSIENT_TEXT):
            return JobGateError(msg, code="ConnectionError", message=detail, retryable=True)
        if http_status is not None and (http_status == 429 or http_status >= 500):
            return JobGateError(msg, code="TokenEndpointUnavailable", message=detail, http_status=http_status,
                                retryable=True)
        return JobGateError(msg, code="AuthenticationFailed", message=detail, http_status=401, retryable=False)


# ---------------------------------------------------------------------------------------------- Resource Manager

RETRY_STATUSES = (429, 500, 502, 503, 504)


def origin(url: str) -> tuple:
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is None:
        port = {"https": 443, "http": 80}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), or None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def arm_error(response, what: str) -> JobGateError:
    """An ARM error response ({"error": {"code", "message"}}) as the contract's error block."""
    status = response.status_code
    code, message = None, None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        err = body.get("error") if isinstance(body.get("error"), dict) else body
        code = err.get("code") if isinstance(err.get("code"), str) else None
        message = err.get("message") if isinstance(err.get("message"), str) else None
    if not code:
        code = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 429: "TooManyRequests"}.get(status, f"HTTP{status}")
    if not message:
        message = f"Resource Manager answered HTTP {status} without an ARM error body."
    retryable = status in RETRY_STATUSES or status >= 500
    if status == 404:
        msg = f"{what[0].upper()}{what[1:]} was not found ({code}: {message})"
    else:
        msg = f"Resource Manager refused the request for {what} with HTTP {status} ({code}: {message})"
    return JobGateError(msg, code=code, message=message, http_status=status, retryable=retryable)


def tls_message(url: str) -> str:
    return (f"TLS certificate verification failed for {url}: the server's certificate is not signed by a CA this "
            "host trusts. Add that CA to the trust store or point REQUESTS_CA_BUNDLE at it; "
            "cert_validation_mode=ignore turns verification off (not for production).")


class ArmClient:
    """A requests session for Resource Manager: bearer token to the ARM origin only, timeouts, bounded retries."""

    def __init__(self, cloud: CloudEndpoints, tokens: TokenProvider, *, verify: t.Any = True,
                 timeout: tuple = (10, 60), max_retries: int = 4, max_retry_after: float = 60.0,
                 sleep: t.Callable[[float], None] = time.sleep, session=None,
                 clock: t.Callable[[], float] = time.monotonic) -> None:
        check_libraries()
        self.cloud = cloud
        self.base = cloud.resource_manager.rstrip("/")
        self.tokens = tokens
        self.verify = verify
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.clock = clock
        # A Retry-After that one thread is told holds for all threads of this client: none sends before it ends.
        self._quiet_until = 0.0
        self._quiet_lock = threading.Lock()
        self.session = session if session is not None else requests.Session()
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = "jobgate.cloud (ansible)"

    def url(self, path: str) -> str:
        return self.base + path

    def check_origin(self, url: str, what: str) -> None:
        if origin(url) != origin(self.base):
            scheme, host, port = origin(url)
            raise JobGateError(
                f"Refused to follow a nextLink for {what} to {scheme}://{host}:{port}: it is not the Resource Manager "
                f"endpoint {self.base}, and the bearer token is only sent there.",
                code="UntrustedNextLink", http_status=None, retryable=False)

    def _backoff(self, attempt: int, response=None) -> float:
        hinted = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        if hinted is not None:
            return min(hinted, self.max_retry_after)
        return min(self.max_retry_after, (2 ** attempt) * (0.5 + random.random() / 2))

    def _wait_quiet(self) -> None:
        with self._quiet_lock:
            wait = self._quiet_until - self.clock()
        if wait > 0:
            self.sleep(wait)

    def _hold_off(self, response) -> bool:
        """Share a Retry-After with the other threads; True when there was one."""
        hinted = retry_after_seconds(response.headers.get("Retry-After"))
        if hinted is None:
            return False
        with self._quiet_lock:
            self._quiet_until = max(self._quiet_until, self.clock() + min(hinted, self.max_retry_after))
        return True

    def request(self, method: str, url: str, what: str, *, json_body: t.Any = None, params: dict | None = None):
        """One ARM call with retries; returns the requests response of a 2xx answer, raises JobGateError otherwise."""
        self.check_origin(url, what)
        renewed = False
        attempt = 0
        slept_hint = False  # this thread has just slept its own Retry-After: no second wait for it
        while True:
            if not slept_hint:
                self._wait_quiet()
            slept_hint = False
            headers = {"Authorization": "Bearer " + self.tokens.token()}
            try:
                response = self.session.request(method, url, params=params, json=json_body, headers=headers,
                                                timeout=self.timeout, verify=self.verify, allow_redirects=False)
            except requests.exceptions.SSLError:
                # A certificate that does not verify will not verify on the next try either.
                raise JobGateError(tls_message(self.base), code="SSLError", retryable=False) from None
            except requests.exceptions.RequestException as exc:
                if attempt < self.max_retries:
                    self.sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                code = "Timeout" if isinstance(exc, requests.exceptions.Timeout) else "ConnectionError"
                message = f"{type(exc).__name__} talking to {self.base}"
                raise JobGateError(f"Could not reach Resource Manager at {self.base} for {what} after "
                                   f"{attempt + 1} attempts ({type(exc).__name__}).", code=code, message=message,
                                   retryable=True) from None
            if 200 <= response.status_code < 300:
                return response
            if response.status_code == 401 and not renewed:
                # An expired or revoked token: get a fresh one once (a new credential has an empty cache).
                renewed = True
                self.tokens.renew()
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.max_retries:
                slept_hint = self._hold_off(response)
                self.sleep(self._backoff(attempt, response))
                attempt += 1
                continue
            raise arm_error(response, what)

    def get_json(self, url: str, what: str, params: dict | None = None) -> dict:
        attempt = 0
        body: t.Any = None
        while True:
            response = self.request("GET", url, what, params=params)
            try:
                body = response.json()
                break
            except ValueError:
                # A cut-off body or a proxy's page passes like any transient answer: retried, then reported.
                if attempt < self.max_retries:
                    self.sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                raise JobGateError(f"Resource Manager answered {what} with a body that is not JSON, {attempt + 1} times.",
                                   code="InvalidResponse", http_status=response.status_code, retryable=True) from None
        if not isinstance(body, dict):
            raise JobGateError(f"Resource Manager answered {what} with JSON that is not an object.",
                               code="InvalidResponse", http_status=response.status_code, retryable=False)
        return body

    def pages(self, url: str, what: str, params: dict | None = None, max_pages: int = 1000) -> t.Iterator:
        """Each page's items of a paged ARM list, lazily (a caller may stop early), following nextLink only on the
        Resource Manager origin."""
        page = self.get_json(url, what, params)
        for _page in range(max_pages):
            value = page.get("value")
            if not isinstance(value, list):
                raise JobGateError(f"Resource Manager answered {what} without a value list.", code="InvalidResponse",
                                   retryable=False)
            yield value
            next_link = page.get("nextLink")
            if not next_link:
                return
            self.check_origin(next_link, what)
            page = self.get_json(next_link, what)   # nextLink carries its own query (api-version, skip token)
        raise JobGateError(f"Resource Manager kept paging {what} beyond {max_pages} pages.", code="TooManyPages")

    def list_all(self, url: str, what: str, params: dict | None = None, max_pages: int = 1000) -> list:
        """Every item of a paged ARM list, following nextLink only on the Resource Manager origin."""
        items: list = []
        for value in self.pages(url, what, params, max_pages):
            items.extend(value)
        return items


def read_credentials_file(environ: t.Mapping) -> str | None:
    home = environ.get("HOME") or os.path.expanduser("~")
    path = os.path.join(home, ".azure", "credentials")
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return None


def connect(params: t.Mapping, environ: t.Mapping | None = None, *, sleep: t.Callable[[float], None] = time.sleep) -> ArmClient:
    """The ArmClient for module params: resolves credentials and cloud, builds nothing that talks until used."""
    check_libraries()
    environ = os.environ if environ is None else environ
    plan = resolve_credentials(params, environ, read_credentials_file(environ))
    verify = plan.cert_validation_mode != "ignore"

    def fetch_json(url: str) -> t.Any:
        try:
            response = requests.get(url, timeout=(10, 30), verify=verify, headers={"Accept": "application/json"},
                                    allow_redirects=False)
        except requests.exceptions.SSLError:
            raise JobGateError(tls_message(url), code="SSLError", retryable=False) from None
        except requests.exceptions.RequestException as exc:
            raise JobGateError(f"Could not read the cloud metadata document {url} ({type(exc).__name__}).",
                               code="ConnectionError", retryable=True) from None
        if response.status_code != 200:
            raise JobGateError(f"The cloud metadata document {url} answered HTTP {response.status_code}.",
                               code="InvalidCloudMetadata", http_status=response.status_code,
                               retryable=response.status_code in RETRY_STATUSES)
        try:
            return response.json()
        except ValueError:
            raise JobGateError(f"The cloud metadata document {url} is not JSON.", code="InvalidCloudMetadata") from None

    cloud = resolve_cloud(plan.cloud_environment, fetch_json)
    return ArmClient(cloud, TokenProvider(plan, cloud), verify=verify, sleep=sleep)
