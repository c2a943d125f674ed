# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The flow every module that starts jobs shares: plan, start (or not, in check mode), fetch, optionally wait, report.

A provider module builds a plan first (reads only: which jobs already exist, which would start), so check mode and
the real run take the same decisions. Then ``finish`` turns the ids of the jobs started or found into the info
modules' result shape, plus ``changed`` and any extra keys.
"""
from __future__ import annotations

import hashlib
import json
import time
import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._normalize import job_entry, summarize
from ansible_collections.jobgate.cloud.plugins.module_utils._runner import JobSource, fetch_many, wait_for, wait_settings

# Indirections so tests can drive retries without sleeping; not module options.
_sleep = time.sleep
_monotonic = time.monotonic

# Codes after which a create call that has no client token is safe to send again: the service refused it before
# doing anything. A 5xx or a dropped connection is not in here: the job may exist, and a retry would start a second.
SAFE_RETRY_CODES = frozenset((
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException", "RequestLimitExceeded",
    "LimitExceededException", "SlowDown",
))


def token_digest(payload: t.Any, *, prefix: str = "jobgate-", max_len: int = 64) -> str:
    """A stable idempotency token for a request: prefix + sha256 of its canonical JSON, cut to max_len.

    Only letters, digits, ``-`` and ``_`` appear, so it fits the AWS ClientToken pattern ``^[a-zA-Z0-9\\-\\_]+$``.
    """
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return (prefix + digest)[:max_len]


def build_result(source: JobSource, raws: list, *, changed: bool, params: t.Mapping, extra: dict | None = None,
                 ids: list | None = None, deadline_budget: float | None = None) -> dict:
    """The module result for jobs already fetched (raw API objects), optionally waiting for them.

    ``ids`` are the ids to poll again (default: each entry's normalized job_id). ``deadline_budget`` overrides
    the wait timeout (what is left of it after a long-running operation was followed). On a wait timeout the
    error carries ``changed`` too, so a task that started a job never reports it unchanged.
    """
    entries = [job_entry(source.provider, raw) for raw in raws]
    result: dict = {"changed": bool(changed)}
    result.update(extra or {})
    if params.get("wait") and entries:
        poll_ids = list(ids) if ids is not None else [entry["normalized"]["job_id"] for entry in entries]
        timeout, sleep = wait_settings(params)
        if deadline_budget is not None:
            timeout = max(deadline_budget, 0.001)
        try:
            entries, elapsed = wait_for(source, poll_ids, entries, timeout, sleep)
        except JobGateError as err:
            err.result = {**err.result, **(extra or {}), "changed": bool(changed)}
            if len(err.result.get("jobs") or []) == 1:
                err.result.setdefault("job", err.result["jobs"][0])
            raise
        result["elapsed"] = elapsed
    elif params.get("wait"):
        result["elapsed"] = 0.0
    result["jobs"] = entries
    result["summary"] = summarize(entries)
    if len(entries) == 1:
        result["job"] = entries[0]
    return result


def finish(source: JobSource, ids: list, *, changed: bool, params: t.Mapping, extra: dict | None = None) -> dict:
    """Describe the jobs started or found (order kept) and build the result, waiting when asked."""
    raws = fetch_many(source, ids) if ids else []
    return build_result(source, raws, changed=changed, params=params, extra=extra, ids=ids)


def check_mode_result(source: JobSource, existing_raws: list, would_start: list, extra: dict | None = None) -> dict:
    """Check mode: nothing started, nothing waited for; the jobs that exist are returned as they are."""
    entries = [job_entry(source.provider, raw) for raw in existing_raws]
    result: dict = {"changed": bool(would_start), "would_start": list(would_start)}
    result.update(extra or {})
    result["jobs"] = entries
    result["summary"] = summarize(entries)
    if len(entries) == 1:
        result["job"] = entries[0]
    return result


def started_failure(err: JobGateError, source: JobSource, started_ids: list, extra: dict | None = None) -> JobGateError:
    """A failure after some jobs were started: the task says changed and returns what it started (best effort)."""
    result: dict = {"changed": bool(started_ids)}
    result.update(extra or {})
    if started_ids:
        try:
            entries = [job_entry(source.provider, raw) for raw in fetch_many(source, started_ids)]
        except JobGateError:
            entries = []
        result["jobs"] = entries
        result["summary"] = summarize(entries)
        if not entries:
            result["started_job_ids"] = list(started_ids)
        where = f" {source.location()}" if source.location() else ""
        err.msg = (f"{err.msg} {len(started_ids)} {source.id_label}(s) had already been started{where}: "
                   f"{', '.join(started_ids)}.")
    err.result = {**err.result, **result}
    return err


def call_create(aws_client: t.Any, operation: str, *, action: str, what: str, max_attempts: int = 6,
                **kwargs: t.Any) -> dict:
    """Call an AWS create operation that has no client token: retried only when the service refused it outright.

    ``aws_client`` is an ``_aws.AwsClient``; its own retries (which also cover 5xx and connection errors) would
    risk starting a job twice, so one attempt at a time goes through a single-attempt twin of it.
    """
    from ansible_collections.jobgate.cloud.plugins.module_utils._aws import AwsClient, RetryPolicy  # pylint: disable=import-outside-toplevel

    once = AwsClient(aws_client.settings, aws_client.service, policy=RetryPolicy(max_attempts=1), client=aws_client.client)
    policy = aws_client.policy
    attempt = 0
    while True:
        attempt += 1
        try:
            return once.call(operation, action=action, what=what, **kwargs)
        except JobGateError as err:
            if attempt >= max(1, min(max_attempts, policy.max_attempts)) or not (err.code in SAFE_RETRY_CODES or err.http_status == 429):
                raise
            _sleep(policy.delay(attempt - 1))
