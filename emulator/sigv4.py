"""Server-side AWS Signature Version 4 verification (header form), answered the way AWS words it."""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable
from urllib.parse import parse_qsl, quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)
MSG_BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. Check your AWS "
                     "Secret Access Key and signing method. Consult the service documentation for details.")
MSG_BAD_TOKEN = "The security token included in the request is invalid."
MSG_EXPIRED_TOKEN = "The security token included in the request is expired"
MSG_MISSING = "Missing Authentication Token"
_CRED_RE = re.compile(r"^([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request$")


@dataclass
class AuthResult:
    signed: bool                 # an AWS4-HMAC-SHA256 Authorization header was present
    ok: bool = False
    code: str | None = None      # error code when not ok
    message: str | None = None
    status: int = 403
    service: str | None = None   # from the credential scope
    region: str | None = None
    access_key: str | None = None
    principal: str | None = None  # who signed: the `principal` of the credentials (temporary ones carry it)


def _normalize_path(path: str) -> str:
    """RFC 3986 dot-segment removal, as botocore applies before signing (empty segments dropped too)."""
    if not path:
        return "/"
    out: list[str] = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
        else:
            out.append(seg)
    norm = "/" + "/".join(out)
    if path.endswith("/") and norm != "/":
        norm += "/"
    return norm


def canonical_query(query: str) -> str:
    pairs = [(quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~"))
             for k, v in parse_qsl(query, keep_blank_values=True)]
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def canonical_request(method: str, raw_path: str, query: str, headers, signed_headers: list[str],
                      payload_hash: str) -> str:
    lines = []
    for name in signed_headers:
        values = headers.get_all(name) if hasattr(headers, "get_all") else [headers.get(name)]
        values = [v for v in (values or []) if v is not None]
        lines.append(f"{name}:{','.join(' '.join(v.split()) for v in values)}")
    return "\n".join([method.upper(), quote(_normalize_path(raw_path), safe="/~"), canonical_query(query),
                      "\n".join(lines) + "\n", ";".join(signed_headers), payload_hash])


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signature(secret: str, date: str, region: str, service: str, string_to_sign: str) -> str:
    key = _hmac(("AWS4" + secret).encode("utf-8"), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_authorization(value: str) -> dict | None:
    if not value.startswith(ALGORITHM + " "):
        return None
    fields = {}
    for part in value[len(ALGORITHM) + 1:].split(","):
        key, _unused, val = part.strip().partition("=")
        fields[key] = val
    return fields


def verify(method: str, raw_path: str, query: str, headers, body: bytes, creds: dict,
           now: datetime | None = None, lookup: Callable[[str], dict | None] | None = None) -> AuthResult:
    """Check a request's SigV4 header against creds {access_key, secret_key, region, session_token?}.

    With `lookup`, the credentials are those `lookup(access_key)` returns (None: unknown key); an `expiration`
    (epoch seconds) in them makes the key answer ExpiredTokenException from then on, as AWS does for STS keys.
    """
    auth = headers.get("Authorization")
    if not auth:
        return AuthResult(signed=False, code="MissingAuthenticationTokenException", message=MSG_MISSING)
    fields = parse_authorization(auth)
    if fields is None:
        return AuthResult(signed=False, code="IncompleteSignatureException", status=403,
                          message=f"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                                  f"header. Authorization={auth.split(' ', 1)[0]}")
    res = AuthResult(signed=True)
    cred = _CRED_RE.match(fields.get("Credential", ""))
    if not cred or "SignedHeaders" not in fields or "Signature" not in fields:
        res.code, res.message = "IncompleteSignatureException", (
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.")
        return res
    access_key, date, region, service = cred.groups()
    res.service, res.region, res.access_key = service, region, access_key
    if lookup is not None:
        creds = lookup(access_key) or {}
    if access_key != creds.get("access_key"):
        res.code, res.message = "UnrecognizedClientException", MSG_BAD_TOKEN
        return res
    token = headers.get("X-Amz-Security-Token")
    if (token or None) != (creds.get("session_token") or None):
        res.code, res.message = "UnrecognizedClientException", MSG_BAD_TOKEN
        return res
    now = now or datetime.now(timezone.utc)
    if creds.get("expiration") is not None and now.timestamp() >= creds["expiration"]:
        res.code, res.message = "ExpiredTokenException", MSG_EXPIRED_TOKEN
        return res
    amz_date = headers.get("X-Amz-Date")
    try:
        when = datetime.strptime(amz_date or "", "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        res.code, res.message = "IncompleteSignatureException", (
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        return res
    if abs(now - when) > MAX_SKEW:
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        res.code, res.message = "InvalidSignatureException", (
            f"Signature expired: {amz_date} is now earlier than "
            f"{(now - MAX_SKEW).strftime('%Y%m%dT%H%M%SZ')} ({stamp} - 15 min.)")
        return res
    if date != amz_date[:8]:
        res.code, res.message = "InvalidSignatureException", (
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{date}' != '{amz_date[:8]}', from '{amz_date}'.")
        return res
    if region != creds["region"]:
        res.code, res.message = "InvalidSignatureException", (
            f"Credential should be scoped to a valid region, not '{region}'. ")
        return res
    signed_headers = [h.strip().lower() for h in fields["SignedHeaders"].split(";") if h.strip()]
    if "host" not in signed_headers:
        res.code, res.message = "InvalidSignatureException", "'Host' must be a 'SignedHeader' in the AWS Authorization."
        return res
    payload_hash = headers.get("X-Amz-Content-SHA256") or hashlib.sha256(body).hexdigest()
    creq = canonical_request(method, raw_path, query, headers, signed_headers, payload_hash)
    scope = f"{date}/{region}/{service}/aws4_request"
    sts = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(creq.encode("utf-8")).hexdigest()])
    expected = signature(creds["secret_key"], date, region, service, sts)
    if not hmac.compare_digest(expected, fields["Signature"]):
        res.code, res.message = "InvalidSignatureException", MSG_BAD_SIGNATURE
        return res
    res.ok, res.code, res.message = True, None, None
    res.principal = creds.get("principal")
    return res
