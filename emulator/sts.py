"""STS side of the emulator: AssumeRole, AssumeRoleWithWebIdentity and GetCallerIdentity.

The wire is the query protocol of botocore's STS model: a form-encoded POST to `/` (or a GET with the same query)
with `Action` and `Version=2011-06-15`; answers are XML, `{Action}Response/{Action}Result` plus
`ResponseMetadata/RequestId`; errors are `ErrorResponse/Error/{Type,Code,Message}` plus `RequestId`, with the status
codes STS uses. AssumeRole and GetCallerIdentity are SigV4-signed (credential scope service `sts`) and checked like
the other AWS services; AssumeRoleWithWebIdentity is unsigned and checks the token against what a test seeded.

Temporary credentials it issues (ASIA... key, secret, session token, Expiration) are registered with the core
(`Emulator.add_aws_credentials`), so the Panorama and Backup endpoints accept them, with their session token, until
they expire; after that those services answer 403 ExpiredTokenException. Every issued value is in `GET /secrets`.

Admin routes (JSON, prefix /_emulator):
  POST /sts/roles     {arn, external_id?, principals?, web_identity_tokens?, max_session_duration?} or {roles: [...]}
                      principals: caller ARNs allowed to assume the role; ["*"] (default) = any valid caller;
                      [] = nobody (AccessDenied). The base credentials are BASE_PRINCIPAL. external_id: when set,
                      AssumeRole must send exactly it. web_identity_tokens: tokens (strings, or {token, subject?,
                      audience?, provider?, expires_in?}) AssumeRoleWithWebIdentity accepts for this role.
  GET  /sts/roles
  POST /sts/settings  {credential_lifetime: seconds | null}: issued credentials live min(DurationSeconds, this).
                      STS itself refuses DurationSeconds < 900 (the model's range, still enforced), so this cap is
                      how a test gets credentials that expire within its run (e.g. 20 s). null = DurationSeconds.
  GET  /sts/settings
  GET  /sts/sessions  what was issued, without secrets: operation, role_arn, session_name, issued, expiration.
"""
from __future__ import annotations

import functools
import hashlib
import re
import secrets
import time
import uuid
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from emulator import sigv4
from emulator.aws import ACCOUNT, BASE_PRINCIPAL
from emulator.core import AdminError, Fault, Provider, Request, Response

API_VERSION = "2011-06-15"
XMLNS = f"https://sts.amazonaws.com/doc/{API_VERSION}/"
OPERATIONS = ("AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity")
UNSIGNED = ("AssumeRoleWithWebIdentity",)
BASE_USER_ID = "AIDAJOBGATEEMULATOR01"
DEFAULT_SUBJECT = "system:serviceaccount:aap:automation-job"
DEFAULT_AUDIENCE = "sts.amazonaws.com"
DEFAULT_PROVIDER = "https://oidc.jobgate.emulator"
_SCOPE_SERVICE_RE = re.compile(r"Credential=[^/,]+/\d{8}/[^/,]+/([^/,]+)/aws4_request")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# sigv4.verify's codes (restJson wording) -> what STS (query protocol) answers: (code, status).
_AUTH_CODES = {
    "MissingAuthenticationTokenException": ("MissingAuthenticationToken", 403),
    "IncompleteSignatureException": ("IncompleteSignature", 400),
    "UnrecognizedClientException": ("InvalidClientTokenId", 403),
    "InvalidSignatureException": ("SignatureDoesNotMatch", 403),
    "ExpiredTokenException": ("ExpiredToken", 403),
}
MSG_INVALID_WEB_TOKEN = ("The web identity token that was passed could not be validated by AWS. Get a new identity "
                         "token from the identity provider and then retry the request.")


class StsError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@functools.lru_cache(maxsize=None)
def load_sts_model() -> dict:
    from botocore.loaders import Loader
    return Loader().load_service_model("sts", "service-2")


def _random(prefix: str, n: int) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _unused in range(n))


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


# --------------------------------------------------------------------------- query protocol in and out

def decode_query(shapes: dict, shape_name: str, pairs: dict, prefix: str = "") -> dict:
    """Form fields of the query protocol -> params of a structure shape (lists are `Name.member.N`)."""
    out: dict = {}
    for name, ref in shapes[shape_name]["members"].items():
        key = prefix + ref.get("locationName", name)
        target = shapes[ref["shape"]]
        if target["type"] == "list":
            items, index = [], 1
            while True:
                item_key = f"{key}.member.{index}"
                inner = shapes[target["member"]["shape"]]
                if inner["type"] == "structure":
                    if not any(k.startswith(item_key + ".") for k in pairs):
                        break
                    items.append(decode_query(shapes, target["member"]["shape"], pairs, item_key + "."))
                elif item_key in pairs:
                    items.append(pairs[item_key])
                else:
                    break
                index += 1
            if items or f"{key}" in pairs:
                out[name] = items
        elif target["type"] == "structure":
            if any(k.startswith(key + ".") for k in pairs):
                out[name] = decode_query(shapes, ref["shape"], pairs, key + ".")
        elif key in pairs:
            raw = pairs[key]
            if target["type"] in ("integer", "long"):
                try:
                    out[name] = int(raw)
                except ValueError:
                    raise StsError("ValidationError", f"1 validation error detected: Value '{raw}' at "
                                   f"'{_lower_camel(name)}' failed to satisfy constraint: Member must be a number")
            elif target["type"] == "boolean":
                out[name] = raw == "true"
            else:
                out[name] = raw
    return out


def validate(shapes: dict, shape_name: str, params: dict) -> list[str]:
    """STS's own checks of the top-level members: required, length, pattern (whole value), range."""
    shape = shapes[shape_name]
    problems = [f"Value null at '{_lower_camel(r)}' failed to satisfy constraint: Member must not be null"
                for r in shape.get("required", []) if params.get(r) is None]
    for name, value in params.items():
        target = shapes[shape["members"][name]["shape"]]
        where = f"at '{_lower_camel(name)}' failed to satisfy constraint: Member must"
        if target["type"] == "string":
            if "min" in target and len(value) < target["min"]:
                problems.append(f"Value '{value}' {where} have length greater than or equal to {target['min']}")
            if "max" in target and len(value) > target["max"]:
                problems.append(f"Value '{value}' {where} have length less than or equal to {target['max']}")
            if "pattern" in target and not re.fullmatch(target["pattern"], value):
                problems.append(f"Value '{value}' {where} satisfy regular expression pattern: {target['pattern']}")
        elif target["type"] in ("integer", "long"):
            if "min" in target and value < target["min"]:
                problems.append(f"Value '{value}' {where} have value greater than or equal to {target['min']}")
            if "max" in target and value > target["max"]:
                problems.append(f"Value '{value}' {where} have value less than or equal to {target['max']}")
    return problems


def to_xml(shapes: dict, shape_name: str, value: Any, tag: str) -> str:
    """A value of a model shape as query-protocol XML (members in model order, lists as <member>)."""
    shape = shapes[shape_name]
    kind = shape["type"]
    if kind == "structure":
        inner = "".join(to_xml(shapes, ref["shape"], value[name], ref.get("locationName", name))
                        for name, ref in shape["members"].items() if value.get(name) is not None)
    elif kind == "list":
        inner = "".join(to_xml(shapes, shape["member"]["shape"], v, "member") for v in value)
    elif kind == "timestamp":
        inner = _iso(float(value))
    elif kind == "boolean":
        inner = "true" if value else "false"
    else:
        inner = escape(str(value))
    return f"<{tag}>{inner}</{tag}>"


# --------------------------------------------------------------------------- the provider

class StsProvider(Provider):
    name = "sts"
    priority = 45   # before AwsProvider (50), which claims every other SigV4 request

    def __init__(self, emu) -> None:
        super().__init__(emu)
        self.model = load_sts_model()
        self.shapes = self.model["shapes"]
        self.reset()

    def reset(self) -> None:
        self.roles: dict[str, dict] = {}
        self.web_tokens: dict[str, dict] = {}      # token -> {subject, audience, provider, expires, roles}
        self.sessions: list[dict] = []
        self.lifetime: float | None = self.emu.config.get("sts_credential_lifetime")

    # -- routing
    def claims(self, req: Request) -> bool:
        auth = req.headers.get("Authorization") or ""
        if auth.startswith(sigv4.ALGORITHM):
            match = _SCOPE_SERVICE_RE.search(auth)
            return bool(match) and match.group(1) == "sts"
        return req.raw_path == "/" and "Action" in self._params(req)

    @staticmethod
    def _params(req: Request) -> dict:
        pairs = dict(req.query_pairs())
        ctype = (req.headers.get("Content-Type") or "").lower()
        if req.method == "POST" and req.body and ctype.startswith("application/x-www-form-urlencoded"):
            try:
                pairs.update(parse_qsl(req.body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                pass
        return pairs

    def handle(self, req: Request) -> Response:
        request_id = str(uuid.uuid4())
        params = self._params(req)
        action = params.get("Action", "")
        req.log.update(service="sts", operation=action or None, bearer=False,
                       signed=(req.headers.get("Authorization") or "").startswith(sigv4.ALGORITHM))
        try:
            if action not in OPERATIONS or params.get("Version") != API_VERSION:
                raise StsError("InvalidAction", f"Could not find operation {action} for version "
                                                f"{params.get('Version') or 'NO_VERSION_SPECIFIED'}")
            caller = None
            if action not in UNSIGNED:
                caller = self._authenticate(req)
            faulted = self.apply_faults(req, "sts", action)
            if faulted is not None:
                faulted.headers.setdefault("x-amzn-RequestId", request_id)
                return faulted
            op = self.model["operations"][action]
            inputs = decode_query(self.shapes, op["input"]["shape"], params) if "input" in op else {}
            problems = validate(self.shapes, op["input"]["shape"], inputs) if "input" in op else []
            if problems:
                raise StsError("ValidationError", f"{len(problems)} validation error"
                                                  f"{'s' if len(problems) > 1 else ''} detected: "
                                                  + "; ".join(problems))
            if "RoleArn" in inputs:
                req.log["role_arn"] = inputs["RoleArn"]
            with self.emu.lock:
                result = getattr(self, _snake(action))(inputs, caller, req)
            if action in UNSIGNED:
                req.log["auth_ok"] = True
            body = (f'<{action}Response xmlns="{XMLNS}">'
                    + to_xml(self.shapes, op["output"]["shape"], result, op["output"]["resultWrapper"])
                    + f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
                    + f"</{action}Response>")
            return Response(200, body.encode("utf-8"), {"Content-Type": "text/xml", "x-amzn-RequestId": request_id})
        except StsError as err:
            return self._error(err, request_id, req)

    def _authenticate(self, req: Request) -> str:
        auth = sigv4.verify(req.method, req.raw_path, req.query, req.headers, req.body, self.emu.config["aws"],
                            lookup=self.emu.aws_credentials)
        req.log["auth_ok"] = auth.ok
        if not auth.ok:
            code, status = _AUTH_CODES.get(auth.code or "", (auth.code or "AccessDenied", auth.status))
            message = "Request is missing Authentication Token" if code == "MissingAuthenticationToken" \
                else auth.message or code
            raise StsError(code, message, status)
        req.log["principal"] = auth.principal or BASE_PRINCIPAL
        return req.log["principal"]

    def _error(self, err: StsError, request_id: str, req: Request) -> Response:
        req.log["error"] = err.code
        kind = "Receiver" if err.status >= 500 else "Sender"
        body = (f'<ErrorResponse xmlns="{XMLNS}"><Error><Type>{kind}</Type><Code>{escape(err.code)}</Code>'
                f"<Message>{escape(err.message)}</Message></Error><RequestId>{request_id}</RequestId>"
                "</ErrorResponse>")
        return Response(err.status, body.encode("utf-8"), {"Content-Type": "text/xml", "x-amzn-RequestId": request_id})

    def render_fault(self, fault: Fault, req: Request, service: str | None, operation: str | None) -> Response:
        if fault.kind == "throttle":
            err = StsError(fault.code or "Throttling", fault.message or "Rate exceeded", fault.status or 400)
        else:
            status = fault.status or 500
            code = fault.code or {503: "ServiceUnavailable", 403: "AccessDenied", 400: "ValidationError"}.get(
                status, "InternalFailure" if status >= 500 else "InvalidAction")
            err = StsError(code, fault.message or "Injected failure: the service could not handle the request.",
                           status)
        resp = self._error(err, str(uuid.uuid4()), req)
        if fault.retry_after is not None:
            resp.headers["Retry-After"] = str(fault.retry_after)
        return resp

    # -- operations
    def _role(self, arn: str, caller: str | None) -> dict:
        role = self.roles.get(arn)
        allowed = role is not None and ("*" in role["principals"] or caller in role["principals"]
                                        or _role_of(caller) in role["principals"])
        if not allowed:
            raise StsError("AccessDenied", f"User: {caller} is not authorized to perform: sts:AssumeRole on "
                                           f"resource: {arn}", 403)
        return role  # type: ignore[return-value]

    def assume_role(self, p: dict, caller: str, req: Request) -> dict:
        role = self._role(p["RoleArn"], caller)
        if role["external_id"] is not None and p.get("ExternalId") != role["external_id"]:
            # STS does not say the external id was wrong: the trust policy's condition simply did not match.
            raise StsError("AccessDenied", f"User: {caller} is not authorized to perform: sts:AssumeRole on "
                                           f"resource: {p['RoleArn']}", 403)
        duration = p.get("DurationSeconds", 3600)
        if _role_of(caller) and duration > 3600:
            raise StsError("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for "
                                              "roles assumed by role chaining.")
        if duration > role["max_session_duration"]:
            raise StsError("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set "
                                              "for this role.")
        return self._issue("AssumeRole", role, p["RoleSessionName"], duration)

    def assume_role_with_web_identity(self, p: dict, caller: None, req: Request) -> dict:
        token = self.web_tokens.get(p["WebIdentityToken"].strip())
        if token is None:
            raise StsError("InvalidIdentityToken", MSG_INVALID_WEB_TOKEN, 400)
        now = time.time()
        if token["expires"] is not None and now >= token["expires"]:
            raise StsError("ExpiredTokenException", f"Token expired: current date/time {_iso(now)} must be before "
                                                    f"the expiration date/time {_iso(token['expires'])}", 400)
        role = self.roles.get(p["RoleArn"])
        if role is None or p["RoleArn"] not in token["roles"]:
            raise StsError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403)
        duration = p.get("DurationSeconds", 3600)
        if duration > role["max_session_duration"]:
            raise StsError("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set "
                                              "for this role.")
        out = self._issue("AssumeRoleWithWebIdentity", role, p["RoleSessionName"], duration)
        out.update(SubjectFromWebIdentityToken=token["subject"], Audience=token["audience"],
                   Provider=token["provider"])
        return out

    def get_caller_identity(self, p: dict, caller: str, req: Request) -> dict:
        if caller == BASE_PRINCIPAL:
            return {"UserId": BASE_USER_ID, "Account": ACCOUNT, "Arn": caller}
        session = caller.rsplit("/", 1)[-1]
        return {"UserId": f"{_role_id(_role_of(caller) or caller)}:{session}", "Account": caller.split(":")[4],
                "Arn": caller}

    def _issue(self, operation: str, role: dict, session_name: str, duration: int) -> dict:
        now = time.time()
        lifetime = duration if self.lifetime is None else min(duration, self.lifetime)
        expiration = float(int(now + lifetime))   # whole seconds: what the client reads back from the XML
        account, name = role["arn"].split(":")[4], role["arn"].rsplit("/", 1)[-1]
        principal = f"arn:aws:sts::{account}:assumed-role/{name}/{session_name}"
        creds = {"access_key": _random("ASIA", 16), "secret_key": secrets.token_urlsafe(30)[:40],
                 "session_token": "IQoJb3JpZ2luX2VjE" + secrets.token_urlsafe(300),
                 "region": self.emu.config["aws"]["region"], "expiration": expiration, "principal": principal,
                 "role_arn": role["arn"]}
        self.emu.add_aws_credentials(creds)
        self.sessions.append({"operation": operation, "role_arn": role["arn"], "session_name": session_name,
                              "issued": _iso(now), "expiration": _iso(expiration), "lifetime": lifetime})
        return {"Credentials": {"AccessKeyId": creds["access_key"], "SecretAccessKey": creds["secret_key"],
                                "SessionToken": creds["session_token"], "Expiration": expiration},
                "AssumedRoleUser": {"AssumedRoleId": f"{_role_id(role['arn'])}:{session_name}", "Arn": principal}}

    # -- admin
    def admin_routes(self) -> dict:
        return {
            ("POST", "/sts/roles"): self._admin_roles,
            ("GET", "/sts/roles"): lambda payload, req: {"roles": [
                {k: v for k, v in r.items() if k != "external_id"} | {"external_id": r["external_id"] is not None}
                for r in self.roles.values()]},
            ("POST", "/sts/settings"): self._admin_settings,
            ("GET", "/sts/settings"): lambda payload, req: {"credential_lifetime": self.lifetime},
            ("GET", "/sts/sessions"): lambda payload, req: {"sessions": list(self.sessions)},
        }

    def _admin_roles(self, payload: Any, req: Request) -> dict:
        specs = payload.get("roles") if isinstance(payload, dict) and "roles" in payload else [payload]
        arns = []
        with self.emu.lock:
            for spec in specs:
                arns.append(self._add_role(spec))
        return {"roles": arns}

    def _add_role(self, spec: Any) -> str:
        if not isinstance(spec, dict) or not re.fullmatch(r"arn:aws[\w-]*:iam::\d{12}:role/\S+", str(spec.get("arn"))):
            raise AdminError("a role needs 'arn' like arn:aws:iam::123456789012:role/NAME")
        principals = spec.get("principals", ["*"])
        if not isinstance(principals, list):
            raise AdminError("'principals' is a list of caller ARNs ('*' = any valid caller, [] = nobody)")
        external_id = spec.get("external_id")
        if external_id is not None:
            self.emu.remember_secret(str(external_id))
        arn = spec["arn"]
        self.roles[arn] = {"arn": arn, "external_id": None if external_id is None else str(external_id),
                           "principals": principals,
                           "max_session_duration": int(spec.get("max_session_duration", 3600))}
        for tok in spec.get("web_identity_tokens") or []:
            tok = {"token": tok} if isinstance(tok, str) else dict(tok)
            value = str(tok.get("token") or "").strip()
            if len(value) < 4:
                raise AdminError("a web identity token has at least 4 characters")
            entry = self.web_tokens.setdefault(value, {
                "subject": tok.get("subject", DEFAULT_SUBJECT), "audience": tok.get("audience", DEFAULT_AUDIENCE),
                "provider": tok.get("provider", DEFAULT_PROVIDER), "roles": set(),
                "expires": time.time() + float(tok["expires_in"]) if tok.get("expires_in") is not None else None})
            entry["roles"].add(arn)
            self.emu.remember_secret(value)
        return arn

    def _admin_settings(self, payload: Any, req: Request) -> dict:
        if not isinstance(payload, dict) or "credential_lifetime" not in payload:
            raise AdminError("POST /sts/settings wants {credential_lifetime: seconds or null}")
        value = payload["credential_lifetime"]
        if value is not None and float(value) <= 0:
            raise AdminError("credential_lifetime is a positive number of seconds (or null)")
        with self.emu.lock:
            self.lifetime = None if value is None else float(value)
        return {"credential_lifetime": self.lifetime}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _role_of(principal: str | None) -> str | None:
    """arn:aws:sts::ACCT:assumed-role/NAME/SESSION -> arn:aws:iam::ACCT:role/NAME (role chaining); else None."""
    match = re.fullmatch(r"arn:(aws[\w-]*):sts::(\d{12}):assumed-role/([^/]+)/[^/]+", principal or "")
    return f"arn:{match.group(1)}:iam::{match.group(2)}:role/{match.group(3)}" if match else None


def _role_id(role_arn: str) -> str:
    digest = hashlib.sha256(role_arn.encode()).digest()
    return "AROA" + "".join(_ALPHABET[b % 32] for b in digest[:17])


PROVIDERS = [StsProvider]
