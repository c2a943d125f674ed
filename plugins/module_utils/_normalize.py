# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""API job objects -> the contract's job entries: snake_case keys plus one ``normalized`` block, the same for all kinds."""
from __future__ import annotations

import datetime
import math
import re
from functools import lru_cache

PROVIDERS = ("panorama_device", "panorama_package_import", "backup_report", "hci_edge_device")
STATES = ("pending", "running", "paused", "succeeded", "failed", "canceled", "unknown")
TERMINAL_STATES = frozenset(("succeeded", "failed", "canceled"))

# The contract's status tables. Anything not listed is "unknown", which is not terminal.
_AWS_STATUS = {
    "panorama_device": {
        "PENDING": "pending",
        "IN_PROGRESS": "running",
        "DOWNLOADING": "running",
        "VERIFYING": "running",
        "REBOOTING": "running",
        "COMPLETED": "succeeded",
        "FAILED": "failed",
    },
    "panorama_package_import": {
        "PENDING": "pending",
        "SUCCEEDED": "succeeded",
        "FAILED": "failed",
    },
    "backup_report": {
        "CREATED": "pending",
        "RUNNING": "running",
        "COMPLETED": "succeeded",
        "FAILED": "failed",
    },
}

# ARM enum values compare case-insensitively (ARM's own rule), so these keys are lower case.
# ValidationSuccess is not here: its meaning depends on deploymentMode.
_HCI_STATUS = {
    "scheduled": "pending",
    "validationinprogress": "running",
    "deploymentinprogress": "running",
    "paused": "paused",
    "succeeded": "succeeded",
    "deploymentsuccess": "succeeded",
    "failed": "failed",
    "validationfailed": "failed",
    "deploymentfailed": "failed",
    "canceled": "canceled",
}
# A job without properties.status: the resource's provisioningState only tells us about failures and work under way;
# Succeeded just means the resource exists, so the job's own outcome stays unknown.
_HCI_PROVISIONING = {
    "failed": "failed",
    "canceled": "canceled",
    "accepted": "running",
    "provisioning": "running",
    "updating": "running",
}

_UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)
# Keys whose value is a user's tag map: its keys are data, never renamed (CostCenter stays CostCenter).
_TAG_MAP_KEYS = frozenset(("Tags", "tags"))
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
def _snake(name: str) -> str:
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
                new_key = _snake(key)
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


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, datetime.datetime):
        return _iso_full(obj)
    if isinstance(obj, datetime.date):
        return obj.isoformat()
    return obj


# ---------------------------------------------------------------------------------------------------------- helpers
def _text(value) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    return text or None


def _percent(value) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    return max(0, min(100, int(round(number))))


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _block(provider, job_id, native_status, state, percent=None, message=None, created=None, updated=None,
           finished=None) -> dict:
    terminal = state in TERMINAL_STATES
    return {
        "provider": provider,
        "job_id": _text(job_id),
        "native_status": native_status,
        "state": state,
        "terminal": terminal,
        "succeeded": state == "succeeded",
        "percent_complete": percent,
        "message": message,
        "created_at": iso_utc(created),
        "updated_at": iso_utc(updated),
        # finished_at means "when it ended": null while the job is not terminal, whatever the API carries.
        "finished_at": iso_utc(finished) if terminal else None,
    }


def _aws_state(provider: str, status) -> tuple:
    native = _text(status)
    return native, _AWS_STATUS[provider].get(native, "unknown") if native else "unknown"


# ---------------------------------------------------------------------------------------------------------- providers
def _panorama_device(raw: dict) -> dict:
    native, state = _aws_state("panorama_device", raw.get("Status"))
    # DescribeDeviceJob has no progress, message, update or end time: only CreatedTime. finished_at therefore stays
    # null even for a finished job (no time the API gives says when it ended).
    return _block("panorama_device", raw.get("JobId"), native, state, created=raw.get("CreatedTime"))


def _panorama_package_import(raw: dict) -> dict:
    native, state = _aws_state("panorama_package_import", raw.get("Status"))
    updated = raw.get("LastUpdatedTime")
    # The last update of a finished import is the moment it finished.
    return _block("panorama_package_import", raw.get("JobId"), native, state, message=_text(raw.get("StatusMessage")),
                  created=raw.get("CreatedTime"), updated=updated, finished=updated)


def _backup_report(raw: dict) -> dict:
    native, state = _aws_state("backup_report", raw.get("Status"))
    completed = raw.get("CompletionTime")
    # ReportJob has no separate update time; its completion is its last change.
    return _block("backup_report", raw.get("ReportJobId"), native, state, message=_text(raw.get("StatusMessage")),
                  created=raw.get("CreationTime"), updated=completed, finished=completed)


def _hci_state(props: dict) -> tuple:
    native = _text(props.get("status"))
    if native is None:
        prov = _text(props.get("provisioningState"))
        return None, _HCI_PROVISIONING.get(prov.lower(), "unknown") if prov else "unknown"
    key = native.lower()
    if key == "validationsuccess":
        # Validate mode ends at validation; Deploy mode (the API's default, also when the mode is absent) goes on.
        mode = (_text(props.get("deploymentMode")) or "Deploy").lower()
        return native, "succeeded" if mode == "validate" else "running"
    return native, _HCI_STATUS.get(key, "unknown")


def _step_exception(steps, depth: int = 0) -> str | None:
    # Depth-first, in the API's order: a step's own exception, then its nested steps.
    if not isinstance(steps, list) or depth > 32:
        return None
    for step in steps:
        if not isinstance(step, dict):
            continue
        exc = step.get("exception")
        for text in (exc if isinstance(exc, list) else [exc]):
            found = _text(text) if isinstance(text, str) else None
            if found:
                return found
        found = _text(step.get("errorMessage")) if isinstance(step.get("errorMessage"), str) else None
        if found:
            return found
        found = _step_exception(step.get("steps"), depth + 1)
        if found:
            return found
    return None


def _hci_message(reported: dict) -> str | None:
    for key in ("validationStatus", "deploymentStatus"):
        found = _step_exception(_dict(reported.get(key)).get("steps"))
        if found:
            return found
    # RemoteSupport jobs: one node settings object (list in some api versions).
    settings = reported.get("nodeSettings")
    for item in (settings if isinstance(settings, list) else [settings]):
        found = _text(_dict(item).get("connectionErrorMessage"))
        if found:
            return found
    return None


def _hci_edge_device(raw: dict) -> dict:
    props = _dict(raw.get("properties"))
    system = _dict(raw.get("systemData"))
    reported = _dict(props.get("reportedProperties"))
    native, state = _hci_state(props)
    job_id = raw.get("name")
    if not _text(job_id) and isinstance(raw.get("id"), str):
        job_id = raw["id"].rstrip("/").rsplit("/", 1)[-1]
    created = system.get("createdAt") or props.get("startTimeUtc")
    return _block("hci_edge_device", job_id, native, state, percent=_percent(reported.get("percentComplete")),
                  message=_hci_message(reported), created=created, updated=system.get("lastModifiedAt"),
                  finished=props.get("endTimeUtc"))


_NORMALIZERS = {
    "panorama_device": _panorama_device,
    "panorama_package_import": _panorama_package_import,
    "backup_report": _backup_report,
    "hci_edge_device": _hci_edge_device,
}


def _unwrap(provider: str, raw) -> dict:
    raw = _dict(raw)
    # DescribeReportJob wraps the job; accept the whole response as well as the inner ReportJob.
    if provider == "backup_report" and isinstance(raw.get("ReportJob"), dict):
        raw = raw["ReportJob"]
    return raw


def normalize(provider: str, raw: dict) -> dict:
    """The contract's ``normalized`` block for one raw API job (native casing)."""
    if provider not in _NORMALIZERS:
        raise ValueError(f"unknown provider {provider!r}; expected one of {', '.join(PROVIDERS)}")
    return _NORMALIZERS[provider](_unwrap(provider, raw))


def job_entry(provider: str, raw: dict) -> dict:
    """One item of ``jobs``: the API's job in snake_case (ResponseMetadata dropped) plus ``normalized``."""
    inner = _unwrap(provider, raw)
    entry = _jsonable(snake_keys(inner))
    entry["normalized"] = normalize(provider, inner)
    return entry


def summarize(entries: list) -> dict:
    """The contract's ``summary`` from entries (or bare normalized blocks).

    With no jobs at all, all_terminal and all_succeeded are false: "every job is done" over nothing would release a
    gate that has nothing to wait for, which is never what a caller means.
    """
    counts = dict.fromkeys(STATES, 0)
    for entry in entries:
        block = entry.get("normalized", entry) if isinstance(entry, dict) else {}
        state = block.get("state") if isinstance(block, dict) else None
        counts[state if state in counts else "unknown"] += 1
    total = len(entries)
    terminal = sum(counts[s] for s in TERMINAL_STATES)
    summary = {"total": total}
    summary.update(counts)
    summary.update({
        "all_terminal": total > 0 and terminal == total,
        "all_succeeded": total > 0 and counts["succeeded"] == total,
        "any_failed": counts["failed"] > 0,
    })
    return summary
