# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generic value helpers for API objects: snake_case keys, times in UTC, JSON-safe values, clean texts and numbers."""
from __future__ import annotations

import datetime
import math
import re
from functools import lru_cache

_UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)
# Keys whose value is a map whose keys are data, never renamed: a user's tag map (CostCenter stays CostCenter), the
# backup options a user passed (WindowsVSS), the counts of child backup jobs by state (COMPLETED).
_TAG_MAP_KEYS = frozenset(("Tags", "tags", "BackupOptions", "ChildJobsInState"))
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Words of a camelCase/PascalCase name: plural acronyms (ARNs), acronyms (ARN, S3), words (Job, percent), digits.
_WORD = re.compile(r"[A-Z]{2,}s(?![a-z])|[A-Z]+[0-9]*(?![a-z])|[A-Z]?[a-z]+[0-9]*|[0-9]+")
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)


# ---------------------------------------------------------------------------------------------------------- keys
@lru_cache(maxsize=1024)
def snake_name(name: str) -> str:
    """A CamelCase name in snake_case (DescribeCopyJob: describe_copy_job, HTTPSettings: http_settings)."""
    # Only identifier-like keys are field names; keys such as ARM ids or "a-b" are data and stay as they are.
    if not _IDENTIFIER.match(name):
        return name
    words = _WORD.findall(name)
    if not words:
        return name
    return "_".join(w.lower() for w in words)


def snake_keys(obj):
    """Rename dict keys to snake_case, recursively; the contents of tag maps keep their keys.

    AWS ``ResponseMetadata`` (request ids, HTTP headers) is not part of any job and is dropped.
    """
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if key == "ResponseMetadata":
                continue
            if isinstance(key, str):
                new_key = snake_name(key)
                if key in _TAG_MAP_KEYS and isinstance(value, dict):
                    out[new_key] = dict(value)
                    continue
            else:
                new_key = key
            out[new_key] = snake_keys(value)
        return out
    if isinstance(obj, (list, tuple)):
        return [snake_keys(v) for v in obj]
    return obj


# ---------------------------------------------------------------------------------------------------------- times
def _from_datetime(value: datetime.datetime) -> datetime.datetime | None:
    # A naive datetime is taken as UTC: botocore gives aware ones, and APIs that omit the offset mean UTC.
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        value = value.replace(tzinfo=_UTC)
    # .NET's DateTime.MinValue (0001-01-01) is how Azure says "not set".
    if value.year <= 1:
        return None
    try:
        return value.astimezone(_UTC)
    except (OverflowError, ValueError):
        return None


def _from_epoch(value: float) -> datetime.datetime | None:
    if math.isnan(value) or math.isinf(value):
        return None
    # Epoch milliseconds (some APIs send them) would be thousands of years away as seconds.
    if abs(value) >= 1e11:
        value = value / 1000.0
    try:
        return _EPOCH + datetime.timedelta(seconds=value)
    except (OverflowError, ValueError):
        return None


def _from_string(value: str) -> datetime.datetime | None:
    text = value.strip()
    if not text:
        return None
    try:
        return _from_epoch(float(text))
    except ValueError:
        pass
    match = _ISO.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    # Fractions of any length (Azure sends 7 digits); microseconds are all datetime holds.
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz = _UTC
    if offset and offset not in ("Z", "z"):
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or "0")
        tz = datetime.timezone(sign * datetime.timedelta(hours=hours, minutes=minutes))
    try:
        parsed = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                   int(second or 0), micro, tzinfo=tz)
    except ValueError:
        return None
    return _from_datetime(parsed)


def to_datetime(value) -> datetime.datetime | None:
    """datetime / epoch seconds (or ms) / ISO 8601 string -> aware UTC datetime, or None when absent or junk."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime.datetime):
        return _from_datetime(value)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day, tzinfo=_UTC)
    if isinstance(value, (int, float)):
        return _from_epoch(float(value))
    if isinstance(value, str):
        return _from_string(value)
    return None


def iso_utc(value) -> str | None:
    """Any time the APIs give -> 'YYYY-MM-DDTHH:MM:SSZ' (UTC, whole seconds) or None.

    Whole seconds keep the normalized block uniform across providers (Panorama gives seconds, Azure 7-digit
    fractions); the entry itself keeps the API's full value.
    """
    parsed = to_datetime(value)
    if parsed is None:
        return None
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_full(value: datetime.datetime) -> str:
    # For entries: keep the API's precision, but in UTC, so the output does not depend on the controller's zone.
    parsed = _from_datetime(value)
    if parsed is None:
        return value.isoformat()
    text = parsed.replace(tzinfo=None).isoformat()
    return text + "Z"


def jsonable(obj):
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, datetime.datetime):
        return _iso_full(obj)
    if isinstance(obj, datetime.date):
        return obj.isoformat()
    return obj


# ---------------------------------------------------------------------------------------------------------- values
def text_or_none(value) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    return text or None


def percent_or_none(value, *, floor: bool = False) -> int | None:
    """An API's percentage (number or decimal string) as an integer 0-100: rounded, or rounded down with ``floor``
    (where 99.9 must not read as done)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    return max(0, min(100, int(math.floor(number) if floor else round(number))))


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}
