# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credentials out of everything the collection prints, returns, logs or emits: the one scrubber.

``no_log`` covers the options a user gives. What the collection obtains at run time (STS credentials, bearer
tokens, client assertions, web identity tokens) is not an option, and a server or a proxy can echo it back in an
error body (some gateways and WAFs repeat the request's headers). So:
- the clients ``remember`` each credential they obtain or send (``_aws.client``'s hook on every request botocore
  sends, ``_azure``'s token provider and token transport), for this process;
- ``scrub``/``scrub_data`` replace every remembered value, and what looks like a credential even where its value
  was never seen here (a header or form field that carries one, a JWT), with ``********``;
- the exits call them: ``run_module`` (module results, failures and warnings; it also hands the remembered values
  to AnsibleModule's own ``no_log_values``) and the event source (events, log lines, the error that ends it).
"""
from __future__ import annotations

import json
import re
import threading
import typing as t

MASK = "********"
# Shorter values would mask ordinary words; credentials are longer.
MIN_LENGTH = 4

# AWS echoes the canonical request (signed header values included) after these words in a signature mismatch.
_ECHO_MARKERS = ("The Canonical String for this request should have been", "The String-to-Sign should have been")
# A header, form field, JSON member or XML element that carries a credential, then its value (after an optional
# auth scheme). Names as AWS, Azure, OAuth and managed identity endpoints spell them.
_CARRIER = re.compile(
    r"(?i)(\b(?:proxy-)?authorization|x-amz-security-token|x-identity-header|secret|x-ms-client-secret|"
    r"client_secret|client_assertion|assertion|access_token|refresh_token|id_token|webidentitytoken|"
    r"secretaccesskey|sessiontoken|secret_access_key|session_token|signature)"
    r"([\"']?\s*(?:[:=>]|%3A|%3D)\s*[\"']?)((?:bearer|basic|aws4-hmac-sha256)\s+)?"
    r"([^\s\"'<,;&]{" + str(MIN_LENGTH) + r",})")
# Every name above holds one of these (a cheap test before the expression).
_ANCHORS = ("auth", "token", "secret", "assertion", "signature")
# A JSON Web Token (bearer tokens, client assertions, federated and web identity tokens): "eyJ" is '{"' encoded.
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")

_known: set = set()
_lock = threading.Lock()


def remember(*values: t.Any) -> None:
    """Credentials this process obtained or sent, to be masked wherever they show up later."""
    found = {str(v) for v in values if v is not None and len(str(v)) >= MIN_LENGTH}
    if found - _known:
        with _lock:
            _known.update(found)


def known() -> frozenset:
    with _lock:
        return frozenset(_known)


def forget_all() -> None:
    """For tests: a fresh process's state."""
    with _lock:
        _known.clear()


def scrub(text: t.Any, extra: t.Iterable = ()) -> str:
    """``text`` without any remembered credential, any of ``extra``, AWS's echo of the canonical request, or
    anything that is written as a credential."""
    return _scrub(str(text if text is not None else ""), _values(extra))


def scrub_data(data: t.Any, extra: t.Iterable = ()) -> t.Any:
    """``data`` (a result, an event) with every string, keys included, scrubbed."""
    values = _values(extra)
    # One look at the whole (a list of 20,000 jobs is mostly ids and dates): walk it only when something is there.
    try:
        blob = json.dumps(data, default=str)
    except (TypeError, ValueError):
        blob = None
    if blob is not None and not _found(blob, values):
        return data

    def walk(item: t.Any) -> t.Any:
        if isinstance(item, str):
            return _scrub(item, values)
        if isinstance(item, dict):
            return {walk(k): walk(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return type(item)(walk(v) for v in item)
        return item

    return walk(data)


def _values(extra: t.Iterable) -> tuple:
    # Longest first, so that a value containing another is masked whole.
    found = known() | {str(v) for v in extra if v is not None and len(str(v)) >= MIN_LENGTH}
    return tuple(sorted(found, key=len, reverse=True))


def _found(blob: str, values: tuple) -> bool:
    if any(value in blob or json.dumps(value)[1:-1] in blob for value in values):
        return True
    if any(marker in blob for marker in _ECHO_MARKERS) or ("eyJ" in blob and _JWT.search(blob)):
        return True
    return _has_carrier(blob)


def _has_carrier(text: str) -> bool:
    lowered = text.lower()
    return any(anchor in lowered for anchor in _ANCHORS) and _CARRIER.search(text) is not None


def _scrub(text: str, values: tuple) -> str:
    for marker in _ECHO_MARKERS:
        if marker in text:
            text = text[:text.index(marker)].rstrip()
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    if "eyJ" in text:
        text = _JWT.sub(MASK, text)
    return _CARRIER.sub(_mask_value, text) if _has_carrier(text) else text


def _mask_value(match: re.Match) -> str:
    if match.group(4).startswith(MASK):
        return match.group(0)
    return match.group(1) + match.group(2) + (match.group(3) or "") + MASK
