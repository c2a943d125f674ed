# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure credentials: which one to build (a pure decision), the azure-identity credential, and bearer tokens.

``resolve_credentials(params, environ, credentials_text)`` decides *which* credential to build (a
``CredentialPlan``), following azure.azcollection's precedence; ``build_credential(plan, cloud)`` and
``TokenProvider`` do the I/O. No secret or token is ever put into a message.
"""
from __future__ import annotations

import configparser
import functools
import importlib
import os
import re
import threading
import typing as t
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.jobgate.cloud.plugins.module_utils._azure.cloud import CloudEndpoints, is_microsoft_authority
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.errors import retryable_status, token_failure
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.transport import CUT, LAST_ANSWER, NOT_SENT, bounded_transport
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.redact import remember, scrub


def _import_error(name: str) -> ImportError | None:
    try:
        importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - reported through missing_required_lib
        return exc
    return None


# {pip name: why its import failed, or None}. requests is what the Resource Manager client (arm.py) talks through;
# both libraries are checked here, in one place, when the module starts (check_libraries).
LIBRARY_ERRORS = {"requests": _import_error("requests"), "azure-identity": _import_error("azure.identity")}


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
    # The federated token itself (an OIDC token from a CI system or another cloud), as azure.azcollection takes it.
    "federated_token": ("AZURE_FEDERATED_TOKEN",),
    "authority_host": ("AZURE_AUTHORITY_HOST",),
    # What a managed identity host sets (App Service, Arc, Service Fabric; Azure ML and Cloud Shell the older names).
    "identity_header": ("IDENTITY_HEADER", "MSI_SECRET"),
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
    federated_token: str | None = field(default=None, repr=False)   # workload identity: the assertion itself
    cloud_environment: str = "AzureCloud"
    authority_host: str | None = None
    cert_validation_mode: str = "validate"
    identity_endpoint: str | None = None   # msi: which managed identity endpoint azure-identity will ask, for messages
    identity_header: str | None = field(default=None, repr=False)   # msi: only ever scrubbed from messages

    def secrets(self) -> list:
        """Values that must never appear in a message."""
        return [s for s in (self.secret, self.identity_header, self.federated_token) if s]


IMDS_TOKEN_PATH = "/metadata/identity/oauth2/token"


def managed_identity_endpoint(environ: t.Mapping) -> str | None:
    """The managed identity endpoint the environment names, described as azure-identity's ManagedIdentityCredential
    will choose it ("App Service managed identity at URL", ...); None when it names none (an Azure VM's IMDS has
    no variable, and IDENTITY_ENDPOINT alone is no endpoint azure-identity uses)."""
    endpoint = environ.get("IDENTITY_ENDPOINT")
    if endpoint and environ.get("IDENTITY_HEADER"):
        kind = "Service Fabric" if environ.get("IDENTITY_SERVER_THUMBPRINT") else "App Service"
        return f"{kind} managed identity at {endpoint}"
    if endpoint and environ.get("IMDS_ENDPOINT"):
        return f"Azure Arc managed identity at {endpoint}"
    endpoint = environ.get("MSI_ENDPOINT")
    if endpoint:
        kind = "Azure Machine Learning" if environ.get("MSI_SECRET") else "Cloud Shell"
        return f"{kind} managed identity at {endpoint}"
    return None


def _msi_plan(source: str, client_id: str | None, environ: t.Mapping, env: dict) -> CredentialPlan:
    """A managed identity: user-assigned when client_id names one, else the system-assigned identity."""
    endpoint = managed_identity_endpoint(environ)
    if endpoint is None:
        host = environ.get("AZURE_POD_IDENTITY_AUTHORITY_HOST") or "http://169.254.169.254"
        endpoint = f"the instance metadata service (IMDS) at {host.rstrip('/')}{IMDS_TOKEN_PATH}"
    return CredentialPlan(kind="msi", source=source, client_id=client_id, identity_endpoint=endpoint,
                          identity_header=env.get("identity_header"))


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
    token = settings.get("federated_token") or environ_settings.get("federated_token")
    token_file = settings.get("federated_token_file") or environ_settings.get("federated_token_file")
    if settings.get("client_id") and (token or token_file):
        return CredentialPlan(kind="workload_identity", **_federated(token, token_file), **common)
    where = "the module options" if source == "parameters" else (
        "the environment" if source == "env" else f"the {source}")
    raise bad_input(f"Incomplete Azure credentials in {where}: a service principal needs client_id, tenant and "
                    "either secret or x509_certificate_path.")


def _federated(token: str | None, token_file: str | None) -> dict:
    """The federated token given itself (AZURE_FEDERATED_TOKEN) wins over a token file: it was set on purpose, where
    a file may be what a platform mounts anyway."""
    return {"federated_token": token} if token else {"federated_token_file": token_file}


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
        plan = _identity_plan(auth_source, explicit, env, environ)
        profile_settings = {}
    else:
        plan, profile_settings = _auto_plan(params, explicit, env, environ, credentials_text, from_profile)

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


def _identity_plan(kind: str, explicit: dict, env: dict, environ: t.Mapping) -> CredentialPlan:
    if kind == "cli":
        return CredentialPlan(kind="cli", source="cli", tenant=explicit["tenant"])
    if kind == "msi":
        return _msi_plan("msi", explicit["client_id"] or env.get("client_id"), environ, env)
    tenant = explicit["tenant"] or env.get("tenant")
    client_id = explicit["client_id"] or env.get("client_id")
    token, token_file = env.get("federated_token"), env.get("federated_token_file")
    if not (tenant and client_id and (token or token_file)):
        raise bad_input("auth_source=workload_identity needs tenant and client_id (options or AZURE_TENANT_ID/"
                        "AZURE_CLIENT_ID) and a federated token: AZURE_FEDERATED_TOKEN (the token) or "
                        "AZURE_FEDERATED_TOKEN_FILE (a file holding it).")
    return CredentialPlan(kind="workload_identity", source="workload_identity", tenant=tenant, client_id=client_id,
                          **_federated(token, token_file))


def _auto_plan(params, explicit, env, environ, credentials_text, from_profile):
    """azure.azcollection's order, with what azure-identity's DefaultAzureCredential adds for hosts that need no
    secret: workload identity with the environment's service principal, a managed identity endpoint in the
    environment before the Azure CLI (AZURE_CLIENT_ID without a secret then names a user-assigned identity)."""
    if params.get("profile"):
        return from_profile(params["profile"]), parse_credentials_file(credentials_text, params["profile"]) or {}
    if explicit["client_id"]:
        return _plan_from_settings(explicit, "parameters", env), {}
    if env.get("profile"):
        return from_profile(env["profile"]), parse_credentials_file(credentials_text, env["profile"]) or {}
    managed = managed_identity_endpoint(environ) is not None
    has_credential = (env.get("secret") or env.get("x509_certificate_path") or env.get("federated_token")
                      or env.get("federated_token_file"))
    if env.get("client_id") and managed and not has_credential and not (env.get("ad_user") or env.get("password")):
        return _msi_plan("env", env["client_id"], environ, env), {}
    if env.get("client_id") or env.get("ad_user") or env.get("password"):
        return _plan_from_settings(env, "env", env), {}
    default = parse_credentials_file(credentials_text, "default")
    if _has_sp_or_user(default):
        return _plan_from_settings(default, "credential_file (profile default)", env), default
    if managed:
        return _msi_plan("env", None, environ, env), {}
    return CredentialPlan(kind="cli", source="cli", tenant=explicit["tenant"]), {}


def read_credentials_file(environ: t.Mapping) -> str | None:
    home = environ.get("HOME") or os.path.expanduser("~")
    path = os.path.join(home, ".azure", "credentials")
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return None


# ---------------------------------------------------------------------------------------------- credentials

def check_libraries() -> None:
    for library, error in LIBRARY_ERRORS.items():
        if error is not None:
            raise JobGateError(missing_required_lib(library), code="MissingLibrary", message=str(error))


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


def build_credential(plan: CredentialPlan, cloud: CloudEndpoints, deadline: Deadline | None = None):
    """The azure-identity credential the plan describes; its token requests stop at ``deadline``."""
    check_libraries()
    from azure import identity  # pylint: disable=import-outside-toplevel

    deadline = deadline if deadline is not None else Deadline()
    authority, tenant = _authority_and_tenant(plan, cloud)
    verify = {"connection_verify": False} if plan.cert_validation_mode == "ignore" else {}
    bounds: dict = {"transport": bounded_transport(deadline, **verify)}
    kwargs: dict = {"authority": authority, **bounds, **verify}
    if not is_microsoft_authority(authority):
        kwargs["disable_instance_discovery"] = True
    needs_tenant = plan.kind in ("client_secret", "client_certificate", "workload_identity")
    if needs_tenant and not tenant:
        what = "workload identity" if plan.kind == "workload_identity" else "a service principal"
        raise bad_input(f"Azure tenant is required for {what}: set tenant, AZURE_TENANT or AZURE_TENANT_ID.")
    if plan.kind == "client_secret":
        return identity.ClientSecretCredential(tenant, plan.client_id, plan.secret, **kwargs)
    if plan.kind == "client_certificate":
        return identity.CertificateCredential(tenant, plan.client_id, certificate_path=plan.certificate_path, **kwargs)
    if plan.kind == "workload_identity" and plan.federated_token:
        token = plan.federated_token
        return identity.ClientAssertionCredential(tenant, plan.client_id, lambda: token, **kwargs)
    if plan.kind == "workload_identity":
        # Reads the file at each token request, so a token the platform rotates is picked up.
        return identity.WorkloadIdentityCredential(tenant_id=tenant, client_id=plan.client_id,
                                                   token_file_path=plan.federated_token_file, **kwargs)
    if plan.kind == "msi":
        return identity.ManagedIdentityCredential(client_id=plan.client_id, **bounds) if plan.client_id else identity.ManagedIdentityCredential(**bounds)
    if plan.kind == "cli":
        # The CLI is a subprocess, not a pipeline: its own timeout (10 s by default) is what can be bounded.
        return identity.AzureCliCredential(tenant_id=plan.tenant or "", process_timeout=max(1, int(min(10, deadline.remaining()))))
    raise ValueError(f"unknown credential kind {plan.kind}")


# MSAL's managed identity client reports an endpoint's refusal as "(error) STATUS, message" (App Service, Service
# Fabric, Azure ML) and azure-identity prefixes "... managed identity configuration not found in environment.";
# neither helps a reader, the status and the endpoint's message do.
_MSI_REFUSAL = re.compile(r"^.*?Token request error: \((?P<error>[^)]*)\) (?:(?P<status>\d{3}), )?(?P<text>.*)$", re.S)


def _file_text(path: str | None) -> str | None:
    """A federated token file's content, to scrub it from messages (never shown)."""
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip() or None
    except OSError:
        return None


class TokenProvider:
    """Bearer tokens for the Resource Manager scope; ``renew()`` drops the cached credential (e.g. after a 401)."""

    def __init__(self, plan: CredentialPlan, cloud: CloudEndpoints, factory: t.Callable | None = None,
                 deadline: Deadline | None = None) -> None:
        self.plan = plan
        self.cloud = cloud
        # factory(plan, cloud) -> credential; the default one's token requests stop at the module's deadline.
        self._factory = factory or functools.partial(build_credential, deadline=deadline)
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
            token = credential.get_token(self.cloud.scope).token
            remember(token)  # a bearer token is a credential wherever it shows up again (an echoed header)
            return token
        except JobGateError:
            raise
        except Exception as exc:  # azure.core.exceptions.* and ValueError from credential construction
            raise self._auth_error(exc) from None

    def _where(self) -> str:
        if self.plan.kind == "msi":
            return self.plan.identity_endpoint or "the managed identity endpoint"
        if self.plan.kind == "cli":
            return "the Azure CLI (az account get-access-token)"
        return self.cloud.authority

    def _auth_error(self, exc: Exception) -> JobGateError:
        name = type(exc).__name__
        secrets = self.plan.secrets() + [s for s in (_file_text(self.plan.federated_token_file),) if s]
        detail = scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else name, secrets)
        # The deadline kept a retry back: the endpoint's last answer (if it gave one) is the failure to report.
        kept_back = NOT_SENT in detail
        last_answer = kept_back and LAST_ANSWER in detail
        if last_answer:   # the last answer decides, not the causes of the request kept back
            detail, kept_back = detail.split(LAST_ANSWER, 1)[1], False
        transient, http_status = token_failure(exc, detail, causes=not last_answer)
        hint = ""
        refusal = _MSI_REFUSAL.match(detail) if self.plan.kind == "msi" else None
        if refusal:
            http_status = int(refusal.group("status")) if refusal.group("status") else None
            detail = (f"HTTP {http_status}: " if http_status else "") + refusal.group("text")
            if http_status in (401, 403) and self.plan.identity_header:
                hint = (" The endpoint did not accept IDENTITY_HEADER: it must be the value the platform set for "
                        "this process.")
        elif self.plan.kind == "msi" and isinstance(exc, PermissionError):
            hint = " The Azure Arc agent's key files are readable only by root and the himds group."
        origin = "" if self.plan.source == self.plan.kind else f" from {self.plan.source}"
        msg = (f"Could not get an Azure access token ({self.plan.kind} credential{origin}) "
               f"from {self._where()}: {detail}{hint}")
        # A failing token endpoint (no answer, 429, 5xx) is the endpoint's trouble, not bad credentials (errors.py).
        if transient:
            # A request the deadline kept from being sent is not the endpoint's answer (attempts 0: see
            # Deadline.last_answer, which keeps the earlier answer).
            # An answer the watchdog cut at the deadline (it trickled in) is a timeout.
            return JobGateError(msg, code="Timeout" if CUT in detail else "ConnectionError", message=detail,
                                retryable=True, attempts=0 if kept_back else 1)
        if retryable_status(http_status):
            return JobGateError(msg, code="TokenEndpointUnavailable", message=detail, http_status=http_status,
                                retryable=True)
        return JobGateError(msg, code="AuthenticationFailed", message=detail,
                            http_status=http_status if refusal and http_status else 401, retryable=False)
