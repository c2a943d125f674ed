# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the AWS Backup kinds (report, backup and restore jobs) share: input checks from the Backup model and its
documentation, and how a start with an idempotency token tells a job of its own from an earlier run's.

The model gives job ids no pattern; ReportJobId's documentation says "at most 1,024 bytes", which is applied to
all three ids together with the path-breaking characters (ids go into URL paths).
"""
from __future__ import annotations

import datetime
import re
import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AWS_ARG_SPEC
from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import to_datetime
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.ids import refuse_encoded, refuse_path_breakers
from ansible_collections.jobgate.cloud.plugins.module_utils._core.kinds import Kind
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import select_ids

JOB_ID_MAX_BYTES = 1024
IDEMPOTENCY_TOKEN_MAX = 1024
LIST_MAX_RESULTS = 1000  # the model's maximum for the Backup list operations
# The Backup model's string shapes.
BACKUP_VAULT_NAME = re.compile(r"^[a-zA-Z0-9\-_]{2,50}$")
RESOURCE_TYPE = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")
# The documented form of an IAM role ARN (arn:aws:iam::123456789012:role/S3Access), any partition, role paths too.
IAM_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$")
# An ARN's general form (arn:partition:service:region:account:resource); the model gives ARN no pattern.
ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:([0-9]{12})?:[^\s]+$")
ARN_MAX = 2048
# A job the token returns that is older than the task by more than this is an earlier run's, whatever the clocks say.
CLOCK_SKEW = 300.0
# The created-after filters are compared by the service with its own clock; a margin keeps a job created in the
# same second in.
CREATION_MARGIN = datetime.timedelta(minutes=5)
# Lifecycle days: at most 100 years; cold storage for at least 90 days before deletion.
MAX_LIFECYCLE_DAYS = 36_500
MIN_COLD_DAYS = 90
LIFECYCLE_KEYS = {"move_to_cold_storage_after_days": "MoveToColdStorageAfterDays",
                  "delete_after_days": "DeleteAfterDays",
                  "opt_in_to_archive_for_supported_resources": "OptInToArchiveForSupportedResources",
                  "delete_after_event": "DeleteAfterEvent"}
DELETE_AFTER_EVENTS = ("DELETE_AFTER_COPY",)
# The lifecycle option of backup_job and copy_job (the model's Lifecycle structure, which both Start calls take).
LIFECYCLE_OPTION = dict(type="dict", options=dict(
    move_to_cold_storage_after_days=dict(type="int"),
    delete_after_days=dict(type="int"),
    opt_in_to_archive_for_supported_resources=dict(type="bool"),
    delete_after_event=dict(type="str", choices=list(DELETE_AFTER_EVENTS)),
))


def info_arg_spec(kind: Kind, **choices: t.Sequence[str]) -> dict:
    """An info module's options (the module adds the wait options; the event source takes the same), as the
    registry declares them: the kind's one-id option and its aliases, its many-ids option, its list filters in their
    order (strings; one of ``choices[name]`` where given, the model's enum), the AWS connection options."""
    one, many = kind.id_option, kind.ids_option
    spec = {one.name: dict(type="str"), many.name: dict(type="list", elements="str")}
    for option in (one, many):
        if option.aliases:
            spec[option.name]["aliases"] = list(option.aliases)
    for name in kind.list_filters:
        spec[name] = dict(type="str", choices=list(choices[name])) if name in choices else dict(type="str")
    return dict(spec, **AWS_ARG_SPEC)


def _control(value: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in value)


def check_job_id(option: str, value: t.Any, label: str) -> str:
    """A Backup job id (report, backup or restore job): non-empty, at most 1,024 bytes, nothing that breaks a path
    (written out or percent-encoded: ``_core/ids.py``)."""
    shown = repr(value)[:80]
    if not isinstance(value, str) or not value.strip():
        raise bad_input(f"Option {option} must be a non-empty {label}, got {shown}.")
    refuse_path_breakers(option, value, label)
    if len(value.encode("utf-8")) > JOB_ID_MAX_BYTES:
        raise bad_input(f"Option {option}: a {label} is at most {JOB_ID_MAX_BYTES} bytes long.")
    if _control(value):
        raise bad_input(f"Option {option}: {shown} is not a valid {label}; it contains control characters.")
    return value


def check_ids(params: t.Mapping, ids: list | None, one: str, label: str) -> None:
    """Every id asked for, named by the option it came from."""
    option = one if params.get(one) is not None else "job_ids"
    for job_id in ids or ():
        check_job_id(option, job_id, label)


def info_selection(params: t.Mapping, one: str, label: str, check_filters: t.Callable) -> tuple:
    """(ids or None for list mode, the list call's filters) of a backup or restore job info module (and of the
    event source), every input checked; ``check_filters(params, ids)`` gives the kind's own By* members, the
    creation window is added here. The wait options are the module's to check."""
    ids = select_ids(params, one, "job_ids")
    check_ids(params, ids, one, label)
    filters = check_filters(params, ids)
    filters["ByCreatedAfter"], filters["ByCreatedBefore"] = time_window(params)
    return ids, filters


def check_pattern(option: str, value: t.Any, pattern: t.Pattern, what: str) -> str:
    if not isinstance(value, str) or not pattern.match(value) or "\n" in value:
        raise bad_input(f"Option {option}: {repr(value)[:80]} is not a valid {what}.")
    return value


def check_vault_name(option: str, value: t.Any) -> str:
    return check_pattern(option, value, BACKUP_VAULT_NAME, "backup vault name (2 to 50 letters, digits, '-' or '_')")


def check_resource_type(option: str, value: t.Any) -> str:
    return check_pattern(option, value, RESOURCE_TYPE,
                         "Backup resource type (1 to 50 letters, digits, '-', '_' or '.', for example RDS or EBS)")


def check_iam_role_arn(option: str, value: t.Any) -> str:
    return check_pattern(option, value, IAM_ROLE_ARN,
                         "IAM role ARN (for example arn:aws:iam::123456789012:role/service-role/AWSBackupRole)")


def check_arn(option: str, value: t.Any, what: str) -> str:
    if isinstance(value, str) and len(value) > ARN_MAX:
        raise bad_input(f"Option {option}: an ARN is at most {ARN_MAX} characters long.")
    if isinstance(value, str):
        refuse_encoded(option, value, what)
    return check_pattern(option, value, ARN, f"{what} (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)")


def check_token(value: t.Any, left_out: str) -> str | None:
    """The idempotency_token option: None, or a non-empty string of at most 1,024 bytes without control characters."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise bad_input(f"Option idempotency_token must be a non-empty string (or left out to {left_out}).")
    if len(value.encode("utf-8")) > IDEMPOTENCY_TOKEN_MAX:
        raise bad_input(f"Option idempotency_token is at most {IDEMPOTENCY_TOKEN_MAX} bytes long.")
    if _control(value):
        raise bad_input("Option idempotency_token cannot contain control characters.")
    return value


def string_map(option: str, value: t.Any, pattern: t.Pattern | None = None, *, secret: bool = False) -> dict | None:
    """A dict option sent as a map of strings (numbers become their text); keys and values of ``pattern`` when given.

    With ``secret`` a message never shows a value (restore metadata can hold passwords)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_input(f"Option {option} must be a dictionary of names and values.")
    out = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key or _control(key):
            raise bad_input(f"Option {option}: {repr(key)[:80]} is not a valid key (a non-empty string).")
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise bad_input(f"Option {option}: the value of {key} must be a string (or a number), "
                            f"not a {type(item).__name__}.")
        text = str(item)
        if pattern is not None and not (pattern.match(key) and pattern.match(text)):
            shown = "its value" if secret else f"{key}={text}"[:80]
            raise bad_input(f"Option {option}: {key} or {shown} does not match {pattern.pattern}.")
        out[key] = text
    return out


def check_lifecycle(value: t.Any) -> dict | None:
    """The lifecycle option (backup and copy jobs) as the model's Lifecycle structure, checked."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_input("Option lifecycle must be a dictionary (delete_after_days, move_to_cold_storage_after_days, ...).")
    unknown = sorted(set(k for k, v in value.items() if v is not None) - set(LIFECYCLE_KEYS))
    if unknown:
        raise bad_input(f"Option lifecycle: unknown keys {', '.join(map(str, unknown))}.")
    out: dict = {}
    for name in ("move_to_cold_storage_after_days", "delete_after_days"):
        days = value.get(name)
        if days is None:
            continue
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_LIFECYCLE_DAYS:
            raise bad_input(f"Option lifecycle.{name} must be a whole number of days from 1 to {MAX_LIFECYCLE_DAYS}.")
        out[LIFECYCLE_KEYS[name]] = days
    cold, delete = out.get("MoveToColdStorageAfterDays"), out.get("DeleteAfterDays")
    if cold is not None and delete is not None and delete < cold + MIN_COLD_DAYS:
        raise bad_input(f"Option lifecycle: delete_after_days must be at least {MIN_COLD_DAYS} days more than "
                        "move_to_cold_storage_after_days (backups stay in cold storage for at least 90 days).")
    if value.get("opt_in_to_archive_for_supported_resources") is not None:
        out["OptInToArchiveForSupportedResources"] = bool(value["opt_in_to_archive_for_supported_resources"])
    event = value.get("delete_after_event")
    if event is not None:
        if event not in DELETE_AFTER_EVENTS:
            raise bad_input(f"Option lifecycle.delete_after_event must be one of {', '.join(DELETE_AFTER_EVENTS)}.")
        out["DeleteAfterEvent"] = event
    return out or None


def parse_time(option: str, value: t.Any):
    """An ISO 8601 date or date-time (no zone means UTC) -> aware datetime; anything else is bad input."""
    if value is None:
        return None
    text = str(value).strip()
    parsed = None
    if text and not re.match(r"^[+-]?[0-9.]+$", text):  # ISO only: bare epoch numbers are refused, as documented
        parsed = to_datetime(text)
    if parsed is None:
        raise bad_input(f"Option {option}: {repr(value)[:80]} is not an ISO 8601 date or date-time "
                        "(for example 2024-05-01 or 2024-05-01T12:00:00Z).")
    return parsed


def time_window(params: t.Mapping) -> tuple:
    """(created_after, created_before) parsed, the first earlier than the second."""
    after = parse_time("created_after", params.get("created_after"))
    before = parse_time("created_before", params.get("created_before"))
    if after is not None and before is not None and after >= before:
        raise bad_input("Option created_after must be earlier than created_before.")
    return after, before


def check_list_filters(params: t.Mapping, ids: list | None, names: tuple, one: str) -> dict:
    """The list-mode filters given (name -> value); they cannot be combined with ids."""
    given = {name: params.get(name) for name in names if params.get(name) is not None}
    if ids is not None and given:
        raise bad_input(f"Options {', '.join(given)} filter list mode; they cannot be combined with {one} or job_ids.")
    return given


def check_choice(option: str, value: t.Any, choices: tuple) -> t.Any:
    if value is not None and value not in choices:
        raise bad_input(f"Option {option} must be one of {', '.join(choices)}.")
    return value


def created_after_hint(hints: dict, ids: list, key: str):
    """For a batched read: the earliest creation time of the asked jobs seen before, less a margin (or None)."""
    created = [to_datetime((hints.get(job_id) or {}).get(key)) for job_id in ids]
    known = [when for when in created if when is not None]
    return min(known) - CREATION_MARGIN if known else None


def recent_window(task_started: float) -> datetime.datetime:
    """Jobs created after this may be the task's own; older ones are an earlier run's (see is_new_job)."""
    return datetime.datetime.fromtimestamp(task_started - CLOCK_SKEW, datetime.timezone.utc) - CREATION_MARGIN


def is_new_job(job_id: str, before_ids: set, created, task_started: float) -> bool:
    """Whether the job a token returned was started by this task (not listed before, not older than the task)."""
    if job_id in before_ids:
        return False
    when = to_datetime(created)
    if when is not None and when.timestamp() < task_started - CLOCK_SKEW:
        return False
    return True
