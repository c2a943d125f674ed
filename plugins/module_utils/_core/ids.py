# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check every id and name option of every kind shares, before any request: nothing that would change a path.

Ids and names go into URL paths (or into bodies that services put into paths). ``..``, ``/``, ``?`` and ``#``
written out are refused by ``refuse_path_breakers``; percent-encoded ``.``, ``/``, ``?``, ``#`` and ``\\`` in any
case and encoded any number of times (``%2e``, ``%2E``, ``%252e``, ...) are refused by ``refuse_encoded``: no job
id or name contains them, a client sends them re-encoded, and a proxy that decodes twice would turn them into a
traversal. A value that is ``.`` or ``..`` (a path segment a client or server resolves away), or that has leading
or trailing white space or control characters (sent as given, and invisible in a message), is refused by both,
quoting it repr-style. Each kind calls these from its own validators, so messages read the same for every kind.
"""
from __future__ import annotations

import re
import typing as t
from urllib.parse import unquote

from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input

PATH_BREAKERS = ("..", "/", "?", "#")
ENCODED_BREAKERS = (".", "/", "?", "#", "\\")
# One or more %25 (an encoded '%') before the escape of a breaker: %2e, %252E, %25252f, ...
_ESCAPE = re.compile(r"%(?:25)*(2e|2f|3f|23|5c)", re.IGNORECASE)
# Decoding rounds for escapes the pattern does not spell out (such as %%32%65, which decodes to %2e, then '.').
MAX_DECODES = 8


def encoded_breaker(value: str) -> tuple[str, str] | None:
    """(escape as written, the character it decodes to) if decoding ``value`` once or more yields a breaker."""
    match = _ESCAPE.search(value)
    if match:
        return match.group(0), bytes.fromhex(match.group(1)).decode("ascii")
    current = value
    for _round in range(MAX_DECODES):
        decoded = unquote(current)
        if decoded == current:
            return None
        for char in ENCODED_BREAKERS:
            if decoded.count(char) > current.count(char):
                return value, char
        current = decoded
    return value, "%"  # still decoding after MAX_DECODES rounds: nothing honest looks like that


def _shown(value: t.Any) -> str:
    # repr keeps control characters visible without echoing them raw into a log line; a long value keeps its ends,
    # where stray white space hides.
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:40]}...{text[-37:]}"


def refuse_unclean(option: str, value: str, label: str) -> str:
    """``value`` unless it is ``.`` or ``..``, has white space at either end, or holds a control character."""
    if value in (".", ".."):
        raise bad_input(f"Option {option}: {_shown(value)} is not a valid {label}; it is a relative path segment.")
    if value != value.strip():
        raise bad_input(f"Option {option}: {_shown(value)} is not a valid {label}; it has leading or trailing white "
                        "space.")
    if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in value):
        raise bad_input(f"Option {option}: {_shown(value)} is not a valid {label}; it contains control characters.")
    return value


def refuse_encoded(option: str, value: str, label: str) -> str:
    """``value`` unless it holds a percent-encoded breaker (or is unclean: ``refuse_unclean``); then bad input
    naming the option, escape and character."""
    refuse_unclean(option, value, label)
    found = encoded_breaker(value) if "%" in value else None
    if found:
        escape, char = found
        # Quoted by hand: repr would double the backslash of an encoded '\'.
        where = _shown(escape) if escape == value else f"'{escape}'"
        raise bad_input(f"Option {option}: {_shown(value)} is not a valid {label}; it contains {where}, a "
                        f"percent-encoded '{char}', which a proxy that decodes it would turn into a path.")
    return value


def refuse_path_breakers(option: str, value: str, label: str) -> str:
    """``value`` unless it holds ``..``, ``/``, ``?`` or ``#``, written out or percent-encoded."""
    for bad in PATH_BREAKERS:
        if bad in value:
            raise bad_input(f"Option {option}: {_shown(value)} is not a valid {label}; it contains {bad!r}.")
    return refuse_encoded(option, value, label)
