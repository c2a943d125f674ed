"""Secretless Azure sign-in for the emulator: managed identity endpoints, workload identity federation, and the token
source behind the test's stand-in `az`.

What real azure-identity (through MSAL's managed identity client) sends, and what it is answered:

* App Service (and Functions, Container Apps, Automation): IDENTITY_ENDPOINT + IDENTITY_HEADER. `GET /msi/token
  ?api-version=2019-08-01&resource=R[&client_id=C]` with `X-IDENTITY-HEADER: <IDENTITY_HEADER>`. Answer
  `{access_token, expires_on: "<epoch seconds as a string>", resource, token_type, client_id}`; errors are App
  Service's `{statusCode, message, correlationId}` (a wrong or missing header: 401; an identity the app does not have:
  400 "Unable to load the proper Managed Identity."; a resource Entra does not know: 500).
* Azure Arc (the Connected Machine agent's HIMDS): IDENTITY_ENDPOINT + IMDS_ENDPOINT, no IDENTITY_HEADER.
  `GET /metadata/identity/oauth2/token?api-version=2020-06-01&resource=R` with `Metadata: true` is answered 401 with
  `WWW-Authenticate: Basic realm=<key file>`, a fresh key written into the key directory; the retry carries
  `Authorization: Basic <the file's content>` and gets an IMDS style token (`expires_in`, `expires_on` as strings).
  MSAL reads the key only from /var/opt/azcmagent/tokens/<name>.key (Linux), so the real client works only when the
  emulator's `arc_key_dir` is that directory (tests set it where they may write there).
* Workload identity: WorkloadIdentityCredential posts the federated token (AZURE_FEDERATED_TOKEN_FILE) to the
  authority's token endpoint as `client_assertion` (`client_assertion_type` jwt-bearer, grant client_credentials).
  The emulator checks it as Entra checks a federated identity credential: a JWT signed by the issuer (here the
  emulator's own key), not expired, whose issuer, subject and audience match a credential registered for the app.

Tokens come from the Azure provider (same store, lifetime, expiry and audience check as client secrets), so Resource
Manager accepts them as bearer tokens; the request log says where each ARM call's token came from (`token_source`).
Every token, identity header, Arc key and federated assertion is registered for `GET /_emulator/secrets`.
Faults (service "managed-identity", operations AppServiceToken and ArcToken) apply after the header or key check.

Admin routes (under /_emulator):
  GET/POST /azure/identity           identity_endpoint, arc_endpoint, imds_endpoint, identity_header,
                                     system_assigned_client_id; POST {user_assigned: [client ids], arc_key_dir,
                                     rotate_identity_header: true}
  POST     /azure/workload-identity  {client_id?, subject?, issuer?, audience?, lifetime?, register?: true} ->
                                     {client_id, tenant, issuer, subject, audience, assertion}: mints a federated
                                     token and (unless register is false) registers the matching credential
  POST     /azure/cli/login          {tenant?, subscription?, user?} -> the stand-in `az`'s account
  POST     /azure/cli/logout         the stand-in `az` then answers as a CLI that is not logged in
  POST     /azure/cli/token          {resource?, scope?, tenant?} -> az account get-access-token's JSON, or 400
                                     {error: "AADSTS...", code: "not_logged_in"|"aadsts"}
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import shutil
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from emulator.core import AdminError, Provider, Request, Response

APP_SERVICE_PATH = "/msi/token"
ARC_PATH = "/metadata/identity/oauth2/token"
APP_SERVICE_API_VERSION = "2019-08-01"
ARC_API_VERSIONS = ("2019-11-01", "2020-06-01")
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
DEFAULT_SUBJECT = "system:serviceaccount:jobgate:runner"
MSAL_ARC_KEY_DIR = Path("/var/opt/azcmagent/tokens")   # the only directory MSAL reads an Arc key from, on Linux


@contextmanager
def msal_arc_key_dir() -> Iterator[Path | None]:
    """MSAL_ARC_KEY_DIR for a test that drives real MSAL through the Arc flow: created where this user may (and
    removed afterwards if it was), else None (the test then skips the Arc case and says why)."""
    created = [p for p in (MSAL_ARC_KEY_DIR.parent, MSAL_ARC_KEY_DIR) if not p.exists()]
    try:
        MSAL_ARC_KEY_DIR.mkdir(parents=True, exist_ok=True)
        usable = os.access(MSAL_ARC_KEY_DIR, os.W_OK)
    except OSError:
        usable = False
    try:
        yield MSAL_ARC_KEY_DIR if usable else None
    finally:
        for path in reversed(created):
            shutil.rmtree(path, ignore_errors=True)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class IdentityProvider(Provider):
    name = "azure-identity"
    priority = 45   # before AWS (50): these paths are plain HTTP and carry no SigV4

    def __init__(self, emu) -> None:
        super().__init__(emu)
        self.identity_header = secrets.token_urlsafe(24)
        self.emu.remember_secret(self.identity_header)
        self.system_client_id = str(uuid.uuid4())
        self.user_assigned: set[str] = set()
        self.arc_key_dir = Path(self.emu.config.get("ca_file") or ".").resolve().parent / "azcmagent-tokens"
        self.arc_keys: dict[str, Path] = {}     # key content -> file
        self.issuer_key = secrets.token_bytes(32)
        self.federated: dict[str, list] = {}    # app client id -> [(issuer, subject, audience)]
        self.cli_account: dict | None = None

    # ------------------------------------------------------------------ plumbing
    @property
    def azure(self):
        provider = self.emu.provider("azure")
        if provider is None:
            raise RuntimeError("the identity endpoints need the Azure provider (emulator.azure)")
        return provider

    def http_base(self, req: Request | None) -> str:
        configured = self.emu.config.get("aws_endpoint")
        if configured:
            return configured.rstrip("/")
        scheme = "https" if req is not None and req.listener == "https" else "http"
        return f"{scheme}://{req.host}" if req is not None and req.host else "http://127.0.0.1"

    def claims(self, req: Request) -> bool:
        return req.raw_path in (APP_SERVICE_PATH, ARC_PATH)

    def handle(self, req: Request) -> Response:
        if req.method != "GET":
            return Response.json(405, {"error": "invalid_request", "error_description": "GET required"})
        if req.raw_path == APP_SERVICE_PATH:
            req.log.update(service="managed-identity", operation="AppServiceToken")
            return self.app_service(req)
        req.log.update(service="managed-identity", operation="ArcToken")
        return self.arc(req)

    def render_fault(self, fault, req: Request, service, operation) -> Response:
        status = fault.status or (429 if fault.kind == "throttle" else 500)
        message = fault.message or ("Too many requests." if status == 429 else "An unexpected error occured.")
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
        if operation == "AppServiceToken":
            resp = self._app_service_error(status, message)
            resp.headers.update(headers or {})
            return resp
        return self._imds_error(status, "temporarily_unavailable" if status >= 500 else "invalid_request", message,
                                headers)

    def reset(self) -> None:
        self._drop_arc_keys()
        # Identities, federated credentials and the CLI login describe the machine, not jobs: they stay.

    def _drop_arc_keys(self) -> None:
        with self.emu.lock:
            files, self.arc_keys = list(self.arc_keys.values()), {}
        for path in files:
            path.unlink(missing_ok=True)

    def admin_routes(self) -> dict:
        return {
            ("GET", "/azure/identity"): lambda payload, req: self._identity_info(req),
            ("POST", "/azure/identity"): self._admin_identity,
            ("POST", "/azure/workload-identity"): self._admin_workload_identity,
            ("POST", "/azure/cli/login"): self._admin_cli_login,
            ("POST", "/azure/cli/logout"): self._admin_cli_logout,
            ("POST", "/azure/cli/token"): self._admin_cli_token,
        }

    def _identity_info(self, req: Request) -> dict:
        base = self.http_base(req)
        return {"identity_endpoint": base + APP_SERVICE_PATH, "identity_header": self.identity_header,
                "arc_endpoint": base + ARC_PATH, "imds_endpoint": base,
                "system_assigned_client_id": self.system_client_id, "user_assigned": sorted(self.user_assigned),
                "arc_key_dir": str(self.arc_key_dir)}

    def _admin_identity(self, payload, req) -> dict:
        payload = payload or {}
        unknown = set(payload) - {"user_assigned", "arc_key_dir", "rotate_identity_header"}
        if unknown:
            raise AdminError(f"unknown identity settings {sorted(unknown)}")
        with self.emu.lock:
            if "user_assigned" in payload:
                if not isinstance(payload["user_assigned"], list):
                    raise AdminError("user_assigned is a list of client ids")
                self.user_assigned = {str(c).lower() for c in payload["user_assigned"]}
            if payload.get("arc_key_dir"):
                self.arc_key_dir = Path(payload["arc_key_dir"])
            if payload.get("rotate_identity_header"):
                self.identity_header = secrets.token_urlsafe(24)
                self.emu.remember_secret(self.identity_header)
        return self._identity_info(req)

    # ------------------------------------------------------------------ App Service
    @staticmethod
    def _app_service_error(status: int, message: str) -> Response:
        return Response.json(status, {"statusCode": status, "message": message, "correlationId": str(uuid.uuid4())})

    def _identity_for(self, requested: str | None) -> str | None:
        """The client id of the identity a request names (None: the system-assigned one), or None if absent."""
        if not requested:
            return self.system_client_id
        requested = requested.lower()
        return requested if requested in self.user_assigned or requested == self.system_client_id else None

    def app_service(self, req: Request) -> Response:
        query = req.query_dict()
        given = req.headers.get("X-IDENTITY-HEADER") or ""
        if not secrets.compare_digest(given.encode(), self.identity_header.encode()):
            req.log["error"] = "identity_header"
            return self._app_service_error(401, "The X-IDENTITY-HEADER value is missing or is not this app's "
                                                "IDENTITY_HEADER.")
        fault = self.apply_faults(req, "managed-identity", "AppServiceToken")   # after authentication
        if fault is not None:
            return fault
        if query.get("api-version") != APP_SERVICE_API_VERSION:
            return self._app_service_error(400, f"Unsupported api-version {query.get('api-version')!r}: this "
                                                f"endpoint speaks {APP_SERVICE_API_VERSION}.")
        resource = query.get("resource")
        if not resource:
            return self._app_service_error(400, "The resource parameter is required.")
        if query.get("mi_res_id") or query.get("principal_id") or query.get("object_id"):
            return self._app_service_error(400, "Only client_id selects a user-assigned identity here.")
        client_id = self._identity_for(query.get("client_id"))
        if client_id is None:
            return self._app_service_error(400, "Unable to load the proper Managed Identity.")
        if not self.azure.audience_ok(resource):
            # What App Service answers when Entra refuses the resource: a vague 500 (MSAL's comment says as much).
            return self._app_service_error(500, "An unexpected error occured while fetching the AAD Token.")
        req.log["auth_ok"] = True
        token, expires = self.azure.issue_token(self.azure.creds.get("tenant"), client_id, "app_service")
        return Response.json(200, {"access_token": token, "expires_on": str(int(expires)), "resource": resource,
                                   "token_type": "Bearer", "client_id": client_id})

    # ------------------------------------------------------------------ Azure Arc
    @staticmethod
    def _imds_error(status: int, error: str, description: str, headers: dict | None = None) -> Response:
        return Response.json(status, {"error": error, "error_description": description}, headers)

    def arc(self, req: Request) -> Response:
        query = req.query_dict()
        if (req.headers.get("Metadata") or "").lower() != "true":
            return self._imds_error(400, "invalid_request", "Required metadata header not specified")
        if query.get("api-version") not in ARC_API_VERSIONS:
            return self._imds_error(400, "invalid_request", "Invalid or missing api-version")
        resource = query.get("resource")
        if not resource:
            return self._imds_error(400, "invalid_request", "Required query variable 'resource' is missing")
        auth = req.headers.get("Authorization") or ""
        if not auth:
            return self._arc_challenge()
        scheme, _unused, key = auth.partition(" ")
        with self.emu.lock:
            path = self.arc_keys.pop(key, None) if scheme.lower() == "basic" else None
        if path is None:
            req.log["error"] = "arc_key"
            return self._imds_error(401, "unauthorized_client", "Invalid or expired secret key")
        path.unlink(missing_ok=True)
        fault = self.apply_faults(req, "managed-identity", "ArcToken")
        if fault is not None:
            return fault
        client_id = self._identity_for(query.get("client_id"))
        if client_id is None:
            return self._imds_error(400, "invalid_request", "Identity not found")
        if not self.azure.audience_ok(resource):
            return self._imds_error(400, "invalid_resource", f"AADSTS500011: The resource principal named {resource} "
                                                             "was not found in the tenant.")
        req.log["auth_ok"] = True
        token, expires = self.azure.issue_token(self.azure.creds.get("tenant"), client_id, "arc")
        lifetime = str(max(0, int(expires - time.time())))
        body = {"access_token": token, "client_id": client_id, "expires_in": lifetime, "expires_on": str(int(expires)),
                "ext_expires_in": lifetime, "not_before": str(int(time.time())), "resource": resource,
                "token_type": "Bearer"}
        return Response.json(200, body)

    def _arc_challenge(self) -> Response:
        key = secrets.token_hex(32)
        self.arc_key_dir.mkdir(parents=True, exist_ok=True)
        path = self.arc_key_dir / f"{uuid.uuid4()}.key"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        with self.emu.lock:
            self.arc_keys[key] = path
        self.emu.remember_secret(key)
        return self._imds_error(401, "unauthorized_client", "Unauthorized",
                                {"WWW-Authenticate": f"Basic realm={path}"})

    # ------------------------------------------------------------------ workload identity federation
    def default_issuer(self) -> str:
        return self.azure.base() + "/oidc/workload-issuer"

    def _admin_workload_identity(self, payload, req) -> dict:
        payload = payload or {}
        client_id = str(payload.get("client_id") or uuid.uuid4())
        issuer = payload.get("issuer") or self.default_issuer()
        subject = payload.get("subject") or DEFAULT_SUBJECT
        audience = payload.get("audience") or EXCHANGE_AUDIENCE
        now = int(time.time())
        claims = {"iss": issuer, "sub": subject, "aud": [audience], "iat": now, "nbf": now,
                  "exp": now + int(payload.get("lifetime", 3600)), "jti": str(uuid.uuid4())}
        assertion = self._sign(claims)
        self.emu.remember_secret(assertion)
        if payload.get("register", True):
            with self.emu.lock:
                self.federated.setdefault(client_id.lower(), []).append((issuer, subject, audience))
        return {"client_id": client_id, "tenant": self.azure.creds.get("tenant"), "issuer": issuer,
                "subject": subject, "audience": audience, "assertion": assertion}

    def _sign(self, claims: dict) -> str:
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "jobgate-emulator"}).encode())
        body = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        mac = hmac.new(self.issuer_key, f"{header}.{body}".encode(), hashlib.sha256).digest()
        return f"{header}.{body}.{_b64url(mac)}"

    def _verify(self, assertion: str) -> dict | None:
        parts = assertion.split(".")
        if len(parts) != 3:
            return None
        mac = hmac.new(self.issuer_key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(_b64url_decode(parts[2]), mac):
                return None
            claims = json.loads(_b64url_decode(parts[1]))
        except (ValueError, TypeError):
            return None
        return claims if isinstance(claims, dict) else None

    def exchange_assertion(self, req: Request, tenant: str, form: dict) -> Response:
        """The client credentials grant with a federated assertion (called by the Azure provider's token endpoint)."""
        azure = self.azure
        if form.get("client_assertion_type") != JWT_BEARER:
            return azure.oauth_error(400, "invalid_request", 50027,
                                     f"client_assertion_type must be {JWT_BEARER}.")
        client_id = (form.get("client_id") or "").lower()
        records = self.federated.get(client_id)
        if not records:
            return azure.oauth_error(400, "unauthorized_client", 700016,
                                     f"Application with identifier '{form.get('client_id')}' was not found in the "
                                     f"directory '{tenant}'.")
        claims = self._verify(form.get("client_assertion") or "")
        if claims is None:
            return azure.oauth_error(400, "invalid_request", 50027, "JWT token is invalid or malformed.")
        now = time.time()
        if not (claims.get("nbf", 0) - 300 <= now < claims.get("exp", 0)):
            return azure.oauth_error(400, "invalid_client", 700024, "Client assertion is not within its valid time "
                                     f"range. Current time: {datetime.fromtimestamp(now, timezone.utc).isoformat()}.")
        audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
        if not any(iss == claims.get("iss") and sub == claims.get("sub") and aud in audiences
                   for iss, sub, aud in records):
            return azure.oauth_error(400, "invalid_request", 70021,
                                     "No matching federated identity record found for presented assertion. "
                                     f"Assertion Issuer: '{claims.get('iss')}'. Assertion Subject: "
                                     f"'{claims.get('sub')}'. Assertion Audience: '{','.join(map(str, audiences))}'.")
        refused = azure.scope_error(form.get("scope", ""))
        if refused is not None:
            return refused
        req.log["auth_ok"] = True
        return azure.token_answer(tenant, form["client_id"], "workload_identity")

    # ------------------------------------------------------------------ the stand-in `az`
    def _admin_cli_login(self, payload, req) -> dict:
        payload = payload or {}
        creds = self.azure.creds
        self.cli_account = {"user": payload.get("user") or "operator@jobgate-emulator.test",
                            "tenant": payload.get("tenant") or creds.get("tenant"),
                            "subscription": payload.get("subscription") or creds.get("subscription_id"),
                            "client_id": str(uuid.uuid4())}
        return dict(self.cli_account)

    def _admin_cli_logout(self, payload, req) -> dict:
        self.cli_account = None
        return {"ok": True}

    def _admin_cli_token(self, payload, req) -> dict:
        """What `az account get-access-token --resource R [--tenant T]` prints, for the logged-in account."""
        payload = payload or {}
        account = self.cli_account
        if account is None:
            raise AdminError("Please run 'az login' to setup account.")
        resource = payload.get("resource") or (payload.get("scope") or "").removesuffix("/.default")
        tenant = payload.get("tenant") or account["tenant"]
        if tenant != account["tenant"]:
            raise AdminError(f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct "
                             "tenant ID and are signing into the correct cloud.")
        if not resource or not self.azure.audience_ok(resource):
            raise AdminError(f"AADSTS500011: The resource principal named {resource} was not found in the tenant "
                             f"named {tenant}. This can happen if the application has not been installed by the "
                             "administrator of the tenant or consented to by any user in the tenant.")
        token, expires = self.azure.issue_token(tenant, account["client_id"], "cli")
        local = datetime.fromtimestamp(expires)   # the CLI prints expiresOn in local time, without a zone
        return {"accessToken": token, "expiresOn": local.strftime("%Y-%m-%d %H:%M:%S.%f"),
                "expires_on": int(expires), "subscription": account["subscription"], "tenant": tenant,
                "tokenType": "Bearer"}


PROVIDERS = [IdentityProvider]
