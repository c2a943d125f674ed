"""Azure side of the emulator: a Microsoft Entra style authority, the Azure Stack style metadata document, and
Resource Manager for Microsoft.AzureStackHCI edge device jobs (Get, ListByEdgeDevice with nextLink, CreateOrUpdate
with Azure-AsyncOperation), all on the HTTPS listener.

Faithful to the REST spec (azure-rest-api-specs, specification/azurestackhci/.../edgeDeviceJobs.json) for the fields
it defines, and to ARM's error bodies ({"error": {"code", "message"}}) and 401 answers with WWW-Authenticate.

Admin routes (under /_emulator):
  GET/POST /azure/settings      token_lifetime (s), page_size, next_link_base (URL or null), api_versions (list),
                                retry_after (s, PUT and operation status), location
  POST     /azure/tokens/expire expire every token issued so far (a test can make one expire mid-wait)
  POST     /azure/jobs/continue {resource_uri, name, edge_device_name?, timeline}: the rest of a job's timeline,
                                in seconds from now
  GET      /azure/tokens        how many tokens were issued, and how many are live
Jobs of kind "hci_edge_device" follow timelines of properties.status values (POST /timelines, POST /jobs).
More Microsoft.AzureStackHCI resources are served by parts (`AzurePart` subclasses listed in `PARTS` of the modules
in PART_MODULES): the provider gives them bearer token checks, the subscription check, faults and ARM error bodies.
"""
from __future__ import annotations

import re
import secrets
import time
import uuid
from datetime import datetime, timezone
import importlib
from typing import Callable
from urllib.parse import parse_qs, quote, unquote

from emulator.core import AdminError, Fault, Job, Provider, Request, Response, parse_timeline

KIND = "hci_edge_device"
# Modules with more Microsoft.AzureStackHCI resources, each listing `AzurePart` subclasses in `PARTS`.
PART_MODULES: tuple = ("emulator.hci_updates",)
RESOURCE_TYPE = "Microsoft.AzureStackHCI/edgeDevices/jobs"
# Versions whose edge-device-job shape is the one served here. 2026-10-01 (stable/2026-10-01/hci.json, the default
# of azure-mgmt-azurestackhci 8.2.0) has the same operations, members, required members and discriminators as
# 2025-10-01; it only widens the (extensible) provisioningState enum and adds optional read-only members to
# DeploymentStep (error, percentComplete, additionalData, recommendedSteps), so every answer below fits both.
DEFAULT_API_VERSIONS = ["2023-12-01-preview", "2024-07-01-preview", "2024-09-01-preview", "2024-12-01-preview",
                        "2025-02-01-preview", "2025-09-15-preview", "2025-10-01", "2026-10-01"]
AUDIENCE = "https://management.jobgate-emulator.test/"
NAME = r"[a-zA-Z0-9-]{3,24}"
MACHINE_PATH = (r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
                r"/providers/Microsoft\.HybridCompute/machines/(?P<machine>[^/]+)")
JOBS_RE = re.compile(rf"^{MACHINE_PATH}/providers/Microsoft\.AzureStackHCI/edgeDevices/(?P<edge>[^/]+)/jobs"
                     r"(?:/(?P<job>[^/]+))?$", re.IGNORECASE)
OPERATION_RE = re.compile(r"^/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.AzureStackHCI/locations/(?P<loc>[^/]+)"
                          r"/operationStatuses/(?P<op>[^/]+)$", re.IGNORECASE)
OIDC_RE = re.compile(r"^/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration$")
TOKEN_RE = re.compile(r"^/(?P<tenant>[^/]+)/oauth2/v2\.0/token$")
KEYS_RE = re.compile(r"^/(?P<tenant>[^/]+)/discovery/v2\.0/keys$")

# properties.status -> (provisioningState, async operation status, terminal?)
STATUS_INFO = {
    "scheduled": ("Accepted", "InProgress", False),
    "validationinprogress": ("Provisioning", "InProgress", False),
    "validationsuccess": ("Provisioning", "InProgress", False),   # terminal only in Validate mode, see below
    "deploymentinprogress": ("Provisioning", "InProgress", False),
    "paused": ("Provisioning", "InProgress", False),
    "succeeded": ("Succeeded", "Succeeded", True),
    "deploymentsuccess": ("Succeeded", "Succeeded", True),
    "failed": ("Failed", "Failed", True),
    "validationfailed": ("Failed", "Failed", True),
    "deploymentfailed": ("Failed", "Failed", True),
    "canceled": ("Canceled", "Canceled", True),
}
# A timeline status "NoStatus" renders a job without properties.status (like the REST spec's own examples), and
# "Provisioning:<state>" one with only that provisioningState.


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1e6) % 1000000:06d}0Z"


def arm_error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    return Response.json(status, {"error": {"code": code, "message": message}}, headers)


def parse_datetime(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", value).replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


class AzurePart(Provider):
    """More Resource Manager resources, served by AzureProvider (its bearer token check, subscription check, faults,
    error bodies). A part owns its job kinds and state; the provider hands it the Provider hooks for those kinds
    (admin_routes, reset, default_timeline, seed_job, on_transition)."""

    def __init__(self, azure: "AzureProvider") -> None:
        super().__init__(azure.emu)
        self.azure = azure

    def route(self, req: Request, path: str) -> tuple[str, str, Callable[[str, dict], Response]] | None:
        """(operation, subscription, answer(api_version, query)) for an ARM path (decoded) this part serves, or
        None. The provider authenticates, checks the subscription, applies faults ("azure", operation) and
        requires an api-version before it calls ``answer``."""
        return None


class AzureProvider(Provider):
    name = "azure"
    kinds = (KIND,)
    priority = 50

    def __init__(self, emu) -> None:
        super().__init__(emu)
        self.settings = self._default_settings()
        self.tokens: dict = {}       # token -> {"tenant", "client_id", "expires"}
        self.operations: dict = {}   # operation id -> job key
        self.parts: list = [cls(self) for name in PART_MODULES
                            for cls in getattr(importlib.import_module(name), "PARTS", [])]
        self.part_for = {kind: part for part in self.parts for kind in part.kinds}
        self.kinds = type(self).kinds + tuple(self.part_for)

    @staticmethod
    def _default_settings() -> dict:
        return {"token_lifetime": 3600, "page_size": 50, "next_link_base": None,
                "api_versions": list(DEFAULT_API_VERSIONS), "retry_after": 1, "location": "eastus"}

    # ------------------------------------------------------------------ config helpers
    @property
    def creds(self) -> dict:
        return self.emu.config.get("azure", {})

    def base(self, req: Request | None = None) -> str:
        """The HTTPS listener's URL (from the config, else from the request's Host header)."""
        configured = self.emu.config.get("https_endpoint")
        if configured:
            return configured.rstrip("/")
        return f"https://{req.host}" if req is not None and req.host else "https://localhost"

    def reset(self) -> None:
        self.settings = self._default_settings()
        self.operations.clear()
        for part in self.parts:
            part.reset()
        # Tokens stay valid across a reset: a reset is about jobs, not about who is signed in.

    def admin_routes(self) -> dict:
        routes = {}
        for part in self.parts:
            routes.update(part.admin_routes())
        return routes | {
            ("GET", "/azure/settings"): lambda payload, req: dict(self.settings),
            ("POST", "/azure/settings"): self._admin_settings,
            ("POST", "/azure/tokens/expire"): self._admin_expire,
            ("POST", "/azure/jobs/continue"): self._admin_continue,
            ("GET", "/azure/tokens"): lambda payload, req: {
                "issued": len(self.tokens), "live": sum(1 for t in self.tokens.values() if t["expires"] > time.time())},
        }

    def _admin_settings(self, payload, req) -> dict:
        if not isinstance(payload, dict):
            raise AdminError("POST /azure/settings wants a JSON object")
        unknown = set(payload) - set(self.settings)
        if unknown:
            raise AdminError(f"unknown Azure settings {sorted(unknown)}; known: {sorted(self.settings)}")
        with self.emu.lock:
            for key, value in payload.items():
                if key in ("token_lifetime", "retry_after"):
                    value = float(value)
                elif key == "page_size":
                    value = int(value)
                    if value < 1:
                        raise AdminError("page_size must be at least 1")
                elif key == "api_versions" and not isinstance(value, list):
                    raise AdminError("api_versions is a list")
                self.settings[key] = value
        return dict(self.settings)

    def _admin_continue(self, payload, req) -> dict:
        """POST /jobs/continue for an edge device job named by its machine, device and name (``Emulator.continue_job``)."""
        if not isinstance(payload, dict) or not payload.get("name") or not payload.get("resource_uri"):
            raise AdminError("POST /azure/jobs/continue wants {resource_uri, name, edge_device_name?, timeline}")
        uri = "/" + payload["resource_uri"].strip("/")
        key = self.job_key(uri, payload.get("edge_device_name") or "default", payload["name"])
        job = self.emu.get_job(KIND, key)
        if job is None:
            raise AdminError(f"no HCI job {payload['name']!r} on {uri}", status=404)
        return {"timeline": self.emu.continue_job(job, parse_timeline(payload.get("timeline")))}

    def _admin_expire(self, payload, req) -> dict:
        now = time.time()
        with self.emu.lock:
            for info in self.tokens.values():
                info["expires"] = min(info["expires"], now - 1)
        return {"expired": len(self.tokens)}

    # ------------------------------------------------------------------ routing
    def claims(self, req: Request) -> bool:
        if req.listener != "https":
            return False
        path = req.raw_path
        return bool(OIDC_RE.match(path) or TOKEN_RE.match(path) or KEYS_RE.match(path)
                    or path.rstrip("/") == "/metadata/endpoints"
                    or (path.lower().startswith("/subscriptions/") and "/providers/microsoft.azurestackhci/" in path.lower()))

    def handle(self, req: Request) -> Response:
        path = req.raw_path
        if path.rstrip("/") == "/metadata/endpoints":
            req.log.update(service="azure-metadata", operation="GetMetadataEndpoints")
            return self.metadata(req)
        for regex, func, op in ((OIDC_RE, self.openid_configuration, "OpenIdConfiguration"),
                                (TOKEN_RE, self.token, "Token"), (KEYS_RE, self.keys, "Keys")):
            match = regex.match(path)
            if match:
                req.log.update(service="entra", operation=op)
                return func(req, match.group("tenant"))
        return self.arm(req)

    # ------------------------------------------------------------------ metadata and authority
    def metadata(self, req: Request) -> Response:
        if req.method != "GET":
            return Response.json(405, {"message": "method not allowed"})
        base = self.base(req)
        return Response.json(200, {
            "galleryEndpoint": base + "/gallery/",
            "graphEndpoint": "https://graph.jobgate-emulator.test/",
            "portalEndpoint": base + "/portal/",
            "authentication": {"loginEndpoint": base + "/", "audiences": [AUDIENCE]},
        })

    def openid_configuration(self, req: Request, tenant: str) -> Response:
        if tenant != self.creds.get("tenant"):
            return Response.json(400, {"error": "invalid_tenant", "error_description":
                                       f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the "
                                       "correct tenant ID and are signing into the correct cloud."})
        base = f"{self.base(req)}/{tenant}"
        return Response.json(200, {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "request_uri_parameter_supported": False,
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "tenant_region_scope": None,
            "cloud_instance_name": "jobgate-emulator.test",
        })

    def keys(self, req: Request, tenant: str) -> Response:
        return Response.json(200, {"keys": []})

    def oauth_error(self, status: int, error: str, code: int, description: str) -> Response:
        return Response.json(status, {
            "error": error, "error_description": f"AADSTS{code}: {description} Trace ID: {uuid.uuid4()} "
                                                 f"Correlation ID: {uuid.uuid4()} Timestamp: {iso(time.time())}",
            "error_codes": [code], "timestamp": iso(time.time()), "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4())})

    @staticmethod
    def audience_ok(resource: str) -> bool:
        """Resource Manager's audience, with or without the trailing slash (Entra takes both spellings)."""
        return resource.rstrip("/") == AUDIENCE.rstrip("/")

    def scope_error(self, scope: str) -> Response | None:
        if any(s.endswith("/.default") and self.audience_ok(s[: -len("/.default")]) for s in scope.split()):
            return None
        return self.oauth_error(400, "invalid_scope", 70011,
                                f"The provided request must include a 'scope' input parameter. The provided value "
                                f"for the input parameter 'scope' is not valid. The scope {scope} is not valid.")

    def issue_token(self, tenant: str, client_id: str, source: str) -> tuple[str, float]:
        """A new Resource Manager bearer token; `source` (client_secret, app_service, arc, workload_identity, cli)
        shows in the request log of the ARM calls that use it. Returns (token, expiry as epoch seconds)."""
        expires = time.time() + float(self.settings["token_lifetime"])
        token = "eyJ0eXAiOiJKV1QifQ." + secrets.token_urlsafe(48) + "." + secrets.token_urlsafe(16)
        with self.emu.lock:
            self.tokens[token] = {"tenant": tenant, "client_id": client_id, "expires": expires, "source": source}
        self.emu.remember_secret(token)
        return token, expires

    def token_answer(self, tenant: str, client_id: str, source: str) -> Response:
        lifetime = int(self.settings["token_lifetime"])
        token, _unused = self.issue_token(tenant, client_id, source)
        return Response.json(200, {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                                   "access_token": token}, {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"})

    def token(self, req: Request, tenant: str) -> Response:
        # A token endpoint that is down (faults `entra`/`Token`) fails before it looks at the request.
        fault = self.apply_faults(req, "entra", "Token")
        if fault is not None:
            return fault
        if req.method != "POST":
            return Response.json(405, {"error": "invalid_request", "error_description": "AADSTS900561: POST required."})
        form = {k: v[-1] for k, v in parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        creds = self.creds
        if tenant != creds.get("tenant"):
            return self.oauth_error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return self.oauth_error(400, "unsupported_grant_type", 70003,
                                    "The app requested an unsupported grant type: only client_credentials is emulated.")
        if "client_assertion" in form or "client_assertion_type" in form:
            identity = self.emu.provider("azure-identity")   # workload identity federation: emulator/identity.py
            if identity is None:
                return self.oauth_error(400, "invalid_client", 7000218, "client_assertion is not emulated here.")
            return identity.exchange_assertion(req, tenant, form)
        if form.get("client_id") != creds.get("client_id"):
            return self.oauth_error(400, "unauthorized_client", 700016,
                                    f"Application with identifier '{form.get('client_id')}' was not found in the "
                                    f"directory '{tenant}'.")
        if not secrets.compare_digest(form.get("client_secret", ""), creds.get("secret", "")):
            return self.oauth_error(401, "invalid_client", 7000215,
                                    "Invalid client secret provided. Ensure the secret being sent in the request is "
                                    "the client secret value, not the client secret ID.")
        refused = self.scope_error(form.get("scope", ""))
        if refused is not None:
            return refused
        req.log["auth_ok"] = True
        return self.token_answer(tenant, form["client_id"], "client_secret")

    # ------------------------------------------------------------------ Resource Manager
    def _www_authenticate(self, req: Request, error_description: str) -> dict:
        return {"WWW-Authenticate": f'Bearer authorization_uri="{self.base(req)}/{self.creds.get("tenant")}", '
                                    f'error="invalid_token", error_description="{error_description}"'}

    def authenticate(self, req: Request) -> Response | None:
        header = req.headers.get("Authorization") or ""
        req.log["bearer"] = bool(header)
        if not header:
            return arm_error(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                             self._www_authenticate(req, "The authentication failed because of missing 'Authorization' header."))
        scheme, _unused, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return arm_error(401, "AuthenticationFailedInvalidHeader",
                             "Authentication failed. The 'Authorization' header is provided in an invalid format.",
                             self._www_authenticate(req, "The authentication failed because of an invalid 'Authorization' header."))
        with self.emu.lock:
            info = self.tokens.get(token)
        if info is None:
            return arm_error(401, "InvalidAuthenticationToken",
                             "The access token is invalid.", self._www_authenticate(req, "The access token is invalid."))
        now = time.time()
        if info["expires"] <= now:
            def fmt(ts):
                return datetime.fromtimestamp(ts, timezone.utc).strftime("%m/%d/%Y %H:%M:%S")
            return arm_error(401, "ExpiredAuthenticationToken",
                             f"The access token expiry UTC time '{fmt(info['expires'])}' is earlier than current UTC "
                             f"time '{fmt(now)}'.", self._www_authenticate(req, "The access token has expired."))
        req.log["auth_ok"] = True
        req.log["token_source"] = info.get("source")
        return None

    def render_fault(self, fault: Fault, req: Request, service, operation) -> Response:
        if service == "entra":   # Entra's own error format
            status = fault.status or (429 if fault.kind == "throttle" else 503)
            error = "invalid_request" if fault.kind == "echo" else "temporarily_unavailable"
            resp = self.oauth_error(status, error, 50000 if status >= 500 else 50196,
                                    fault.message or "There was an error issuing a token or an authorization code.")
            if fault.retry_after is not None:
                resp.headers["Retry-After"] = str(fault.retry_after)
            return resp
        if fault.kind == "throttle":
            return arm_error(fault.status or 429, fault.code or "TooManyRequests", fault.message or
                             "The request is being throttled as the limit has been reached for operation type - Read.",
                             {"Retry-After": str(fault.retry_after if fault.retry_after is not None else 1)})
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
        status = fault.status or 500
        code = fault.code or {400: "BadRequest", 500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable",
                              504: "GatewayTimeout"}.get(status, "InternalServerError")
        return arm_error(status, code, fault.message or "Encountered internal server error. Diagnostic information: "
                         f"timestamp '{iso(time.time())}', correlation ID '{uuid.uuid4()}'.", headers)

    def arm(self, req: Request) -> Response:
        path = unquote(req.raw_path)
        req.log["service"] = "azure-arm"
        for part in self.parts:
            routed = part.route(req, path)
            if routed is not None:
                return self._part_answer(req, *routed)
        jobs = JOBS_RE.match(path)
        op = OPERATION_RE.match(path)
        if jobs:
            operation = {"GET": "EdgeDeviceJobs_Get" if jobs.group("job") else "EdgeDeviceJobs_ListByEdgeDevice",
                         "PUT": "EdgeDeviceJobs_CreateOrUpdate"}.get(req.method, "EdgeDeviceJobs_" + req.method)
        else:
            operation = "OperationStatus"
        req.log["operation"] = operation
        denied = self.authenticate(req)
        if denied is not None:
            req.log["error"] = "auth"
            return denied
        sub = (jobs or op).group("sub") if (jobs or op) else None
        if sub is None:
            return arm_error(404, "InvalidResourceType", "The resource type could not be found in the namespace "
                             "'Microsoft.AzureStackHCI'.")
        if sub.lower() != str(self.creds.get("subscription_id", "")).lower():
            return arm_error(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
        fault = self.apply_faults(req, "azure", operation)
        if fault is not None:
            return fault
        query = req.query_dict()
        version = query.get("api-version")
        if not version:
            return arm_error(400, "MissingApiVersionParameter",
                             "The api-version query parameter (?api-version=) is required for all requests.")
        if op:
            return self.operation_status(req, op)
        if version not in self.settings["api_versions"]:
            return arm_error(400, "InvalidResourceType",
                             f"The resource type 'edgeDevices/jobs' could not be found in the namespace "
                             f"'Microsoft.AzureStackHCI' for api version '{version}'. The supported api-versions are "
                             f"'{','.join(self.settings['api_versions'])}'.")
        for name, what in ((jobs.group("edge"), "edgeDeviceName"), (jobs.group("job"), "jobsName")):
            if name is not None and not re.fullmatch(NAME, name):
                return arm_error(400, "InvalidParameter", f"The value of parameter {what} is invalid: it must match "
                                 f"the pattern ^[a-zA-Z0-9-]{{3,24}}$.")
        if req.method == "GET" and jobs.group("job"):
            return self.get_job(jobs, version)
        if req.method == "GET":
            return self.list_jobs(req, jobs, version, query)
        if req.method == "PUT" and jobs.group("job"):
            return self.put_job(req, jobs, version)
        return arm_error(405, "MethodNotAllowed", f"The requested method {req.method} is not allowed here.")

    def _part_answer(self, req: Request, operation: str, sub: str, answer) -> Response:
        req.log["operation"] = operation
        denied = self.authenticate(req)
        if denied is not None:
            req.log["error"] = "auth"
            return denied
        if sub.lower() != str(self.creds.get("subscription_id", "")).lower():
            return arm_error(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
        fault = self.apply_faults(req, "azure", operation)
        if fault is not None:
            return fault
        query = req.query_dict()
        version = query.get("api-version")
        if not version:
            return arm_error(400, "MissingApiVersionParameter",
                             "The api-version query parameter (?api-version=) is required for all requests.")
        return answer(version, query)

    # ------------------------------------------------------------------ jobs
    @staticmethod
    def machine_id(m) -> str:
        return (f"/subscriptions/{m.group('sub')}/resourceGroups/{m.group('rg')}/providers/Microsoft.HybridCompute/"
                f"machines/{m.group('machine')}")

    @staticmethod
    def job_key(machine_id: str, edge: str, name: str) -> str:
        return f"{machine_id}/providers/Microsoft.AzureStackHCI/edgeDevices/{edge}/jobs/{name}".lower()

    def _find(self, m) -> Job | None:
        return self.emu.get_job(KIND, self.job_key(self.machine_id(m), m.group("edge"), m.group("job")))

    def get_job(self, m, version: str) -> Response:
        job = self._find(m)
        if job is None:
            return arm_error(404, "ResourceNotFound",
                             f"The Resource '{RESOURCE_TYPE.replace('edgeDevices/jobs', 'edgeDevices')}/{m.group('edge')}"
                             f"/jobs/{m.group('job')}' under resource group '{m.group('rg')}' was not found. For more "
                             "details please go to https://aka.ms/ARMResourceNotFoundFix")
        return Response.json(200, self.render(job))

    def list_jobs(self, req: Request, m, version: str, query: dict) -> Response:
        prefix = (self.job_key(self.machine_id(m), m.group("edge"), "x")[:-1])
        jobs = [j for j in self.emu.list_jobs(KIND) if j.id.startswith(prefix)]
        try:
            skip = int(query.get("$skipToken", "0"))
        except ValueError:
            return arm_error(400, "InvalidSkipToken", "The skip token is invalid.")
        size = int(self.settings["page_size"])
        page = jobs[skip:skip + size]
        body = {"value": [self.render(j) for j in page]}
        if skip + size < len(jobs):
            base = (self.settings.get("next_link_base") or self.base(req)).rstrip("/")
            path = quote(f"{self.machine_id(m)}/providers/Microsoft.AzureStackHCI/edgeDevices/{m.group('edge')}/jobs")
            body["nextLink"] = f"{base}{path}?api-version={version}&$skipToken={skip + size}"
        return Response.json(200, body)

    def put_job(self, req: Request, m, version: str) -> Response:
        try:
            body = req.json()
        except ValueError:
            return arm_error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")
        problem = self.validate_body(body)
        if problem:
            return arm_error(400, "InvalidRequestContent", problem)
        props = body["properties"]
        existing = self._find(m)
        wanted = {k: v for k, v in props.items() if k in self.input_keys(props["jobType"])}
        wanted.setdefault("deploymentMode", "Deploy")
        if existing is not None:
            if existing.fields["input"] != wanted or existing.fields["kind"] != body["kind"]:
                return arm_error(409, "Conflict", f"The job '{m.group('job')}' already exists with different "
                                 "properties; edge device jobs cannot be updated. Use a new job name.")
            return Response.json(200, self.render(existing))
        job = self.create(self.machine_id(m), m.group("edge"), m.group("job"), body["kind"], wanted,
                          created_by=self.creds.get("client_id"))
        op_url = (f"{self.base(req)}/subscriptions/{m.group('sub')}/providers/Microsoft.AzureStackHCI/locations/"
                  f"{self.settings['location']}/operationStatuses/{job.fields['operation']}?api-version={version}")
        return Response.json(201, self.render(job), {"Azure-AsyncOperation": op_url,
                                                     "Retry-After": str(int(self.settings["retry_after"]))})

    @staticmethod
    def input_keys(job_type: str) -> tuple:
        common = ("jobType", "deploymentMode")
        if job_type == "CollectLog":
            return common + ("fromDate", "toDate")
        return common + ("accessLevel", "expirationTimestamp", "type")

    @staticmethod
    def validate_body(body) -> str | None:
        if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
            return "The request content must be an object with 'kind' and 'properties'."
        if body.get("kind") not in ("HCI", "AzureLinux"):
            return "The 'kind' must be 'HCI' or 'AzureLinux'."
        props = body["properties"]
        job_type = props.get("jobType")
        if job_type not in ("CollectLog", "RemoteSupport"):
            return f"The jobType '{job_type}' is not supported; expected 'CollectLog' or 'RemoteSupport'."
        if props.get("deploymentMode", "Deploy") not in ("Validate", "Deploy"):
            return "The deploymentMode must be 'Validate' or 'Deploy'."
        if job_type == "CollectLog":
            for key in ("fromDate", "toDate"):
                if not parse_datetime(props.get(key)):
                    return f"The property '{key}' is required and must be a date-time."
        else:
            if props.get("accessLevel") not in ("None", "Diagnostics", "DiagnosticsAndRepair"):
                return "The property 'accessLevel' must be 'None', 'Diagnostics' or 'DiagnosticsAndRepair'."
            if not parse_datetime(props.get("expirationTimestamp")):
                return "The property 'expirationTimestamp' is required and must be a date-time."
            if props.get("type") not in ("Enable", "Revoke"):
                return "The property 'type' must be 'Enable' or 'Revoke'."
        return None

    def create(self, machine_id: str, edge: str, name: str, kind: str, props: dict, *, timeline=None,
               created_ago: float = 0.0, created_by: str | None = None, extra: dict | None = None) -> Job:
        key = self.job_key(machine_id, edge, name)
        op = str(uuid.uuid4())
        fields = {"machine_id": machine_id, "edge": edge, "name": name, "kind": kind, "input": props,
                  "job_id": str(uuid.uuid4()), "operation": op, "created_by": created_by or str(uuid.uuid4()),
                  "extra": extra or {}}
        attrs = {"job_type": props.get("jobType"), "deployment_mode": props.get("deploymentMode", "Deploy"),
                 "name": name, "variant": props.get("deploymentMode", "Deploy")}
        job = self.emu.new_job(KIND, key, attrs, fields, timeline=timeline, created_ago=created_ago)
        with self.emu.lock:
            self.operations[op] = key
        return job

    def on_transition(self, job: Job, status: str, message: str | None, wall: float) -> None:
        if job.kind in self.part_for:
            self.part_for[job.kind].on_transition(job, status, message, wall)

    def default_timeline(self, kind: str, attrs: dict) -> list:
        if kind in self.part_for:
            return self.part_for[kind].default_timeline(kind, attrs)
        if attrs.get("deployment_mode") == "Validate":
            return [["Scheduled", 0], ["ValidationInProgress", 0.5], ["ValidationSuccess", 2.0]]
        return [["Scheduled", 0], ["ValidationInProgress", 0.5], ["DeploymentInProgress", 1.5], ["Succeeded", 3.0]]

    def seed_job(self, kind: str, spec: dict) -> Job:
        """POST /jobs {"kind": "hci_edge_device", "resource_uri", "edge_device_name", "name", "job_type",
        "deployment_mode", "timeline", "created_ago", "properties": {...input overrides},
        "reported_properties": {...}}."""
        if kind in self.part_for:
            return self.part_for[kind].seed_job(kind, spec)
        uri = spec.get("resource_uri") or (f"/subscriptions/{self.creds.get('subscription_id')}/resourceGroups/"
                                           "edge-rg/providers/Microsoft.HybridCompute/machines/node-1")
        uri = "/" + uri.strip("/")
        if not re.fullmatch(MACHINE_PATH, uri, re.IGNORECASE):
            raise AdminError("resource_uri must be an Arc machine ARM id")
        name = spec.get("name") or f"job-{secrets.token_hex(4)}"
        edge = spec.get("edge_device_name") or "default"
        for value in (name, edge):
            if not re.fullmatch(NAME, value):
                raise AdminError(f"{value!r} does not match ^[a-zA-Z0-9-]{{3,24}}$")
        job_type = spec.get("job_type", "CollectLog")
        props = {"jobType": job_type, "deploymentMode": spec.get("deployment_mode", "Deploy")}
        if job_type == "CollectLog":
            props.update(fromDate="2025-01-01T00:00:00Z", toDate="2025-01-02T00:00:00Z")
        else:
            props.update(accessLevel="Diagnostics", expirationTimestamp="2030-01-01T00:00:00Z", type="Enable")
        props.update(spec.get("properties") or {})
        return self.create(uri, edge, name, spec.get("kind_value", "HCI"), props, timeline=spec.get("timeline"),
                           created_ago=float(spec.get("created_ago", 0)),
                           extra={"reportedProperties": spec.get("reported_properties") or {}})

    # ------------------------------------------------------------------ rendering
    def _state(self, job: Job) -> dict:
        """What the timeline says now: status, provisioning state, async status, percent, start/end times."""
        now = time.monotonic()
        idx = job.index_at(now)
        status, message, entered = job.current(now)
        mode = job.fields["input"].get("deploymentMode", "Deploy")
        if status.startswith("Provisioning:"):
            prov = status.split(":", 1)[1]
            terminal = prov in ("Succeeded", "Failed", "Canceled")
            return {"status": None, "provisioning": prov, "async": prov if terminal else "InProgress",
                    "terminal": terminal, "message": message, "entered": entered, "percent": None,
                    "start": None, "end": entered if terminal else None}
        if status == "NoStatus":
            return {"status": None, "provisioning": None, "async": "Succeeded", "terminal": True, "message": message,
                    "entered": entered, "percent": None, "start": None, "end": None}
        prov, async_status, terminal = STATUS_INFO.get(status.lower(), ("Provisioning", "InProgress", False))
        if status.lower() == "validationsuccess" and mode == "Validate":
            prov, async_status, terminal = "Succeeded", "Succeeded", True
        started = None
        for entry in job.timeline[: idx + 1]:
            if entry[0].lower() != "scheduled":
                started = job.created_wall + max(entry[1], 0.0)
                break
        if terminal:
            percent = 100 if async_status == "Succeeded" else None
        elif status.lower() == "scheduled":
            percent = 0
        else:
            last = job.timeline[-1][1] or 1.0
            percent = max(1, min(99, int(100 * (now - job.created_mono) / last)))
        return {"status": status, "provisioning": prov, "async": async_status, "terminal": terminal,
                "message": message, "entered": entered, "percent": percent, "start": started,
                "end": entered if terminal else None}

    def render(self, job: Job) -> dict:
        f = job.fields
        state = self._state(job)
        props = dict(f["input"])
        if state["provisioning"]:
            props["provisioningState"] = state["provisioning"]
        props["jobId"] = f["job_id"]
        if state["start"] is not None:
            props["startTimeUtc"] = iso(state["start"])
        if state["end"] is not None:
            props["endTimeUtc"] = iso(state["end"])
        if state["status"] is not None:
            props["status"] = state["status"]
        reported = dict(f["extra"].get("reportedProperties") or {})
        if state["percent"] is not None:
            reported.setdefault("percentComplete", state["percent"])
        if state["message"] and state["async"] == "Failed":
            key = "validationStatus" if (state["status"] or "").lower().startswith("validation") else "deploymentStatus"
            reported.setdefault(key, {"status": "Error", "steps": [{
                "name": "Run job", "description": "Runs the job on the device.", "fullStepIndex": "0",
                "status": "Error", "startTimeUtc": iso(job.created_wall), "endTimeUtc": iso(state["entered"]),
                "steps": [], "exception": [state["message"]]}]})
        if f["input"].get("jobType") == "RemoteSupport" and state["status"] is not None:
            reported.setdefault("nodeSettings", {
                "state": "Active" if state["async"] == "Succeeded" else "Pending",
                "createdAt": iso(job.created_wall), "updatedAt": iso(state["entered"]),
                "connectionStatus": "Connected" if state["async"] == "Succeeded" else "Connecting",
                "connectionErrorMessage": state["message"] if state["async"] == "Failed" else ""})
        if reported and state["status"] is not None:
            props["reportedProperties"] = reported
        machine = f["machine_id"]
        return {
            "id": f"{machine}/providers/Microsoft.AzureStackHCI/edgeDevices/{f['edge']}/jobs/{f['name']}",
            "name": f["name"],
            "type": RESOURCE_TYPE,
            "kind": f["kind"],
            "properties": props,
            "systemData": {
                "createdBy": f["created_by"], "createdByType": "Application", "createdAt": iso(job.created_wall),
                "lastModifiedBy": f["created_by"], "lastModifiedByType": "Application",
                "lastModifiedAt": iso(state["entered"]),
            },
        }

    def operation_status(self, req: Request, m) -> Response:
        with self.emu.lock:
            key = self.operations.get(m.group("op"))
        job = self.emu.get_job(KIND, key) if key else None
        if job is None:
            return arm_error(404, "ResourceNotFound", f"The operation '{m.group('op')}' was not found.")
        state = self._state(job)
        body = {"id": unquote(req.raw_path), "name": m.group("op"), "resourceId": self.render(job)["id"],
                "status": state["async"], "startTime": iso(job.created_wall)}
        if state["percent"] is not None:
            body["percentComplete"] = float(state["percent"])
        if state["async"] != "InProgress":
            body["endTime"] = iso(state["entered"])
        if state["async"] == "Failed":
            body["error"] = {"code": "JobFailed", "message": state["message"] or f"The job ended {state['status']}."}
        headers = {} if state["async"] != "InProgress" else {"Retry-After": str(int(self.settings["retry_after"]))}
        return Response.json(200, body, headers)


PROVIDERS = [AzureProvider]
