# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Following an ARM long-running operation (``Azure-AsyncOperation``, else ``Location``) to its end.

It honours ``Retry-After`` within a deadline (its clock and sleep are the deadline's); the operation URL must be
on the Resource Manager origin, since the bearer token goes with it.
"""
from __future__ import annotations

from ansible_collections.jobgate.cloud.plugins.module_utils._azure.arm import json_object, origin
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.pause import OPERATION, Schedule, retry_after_seconds
from ansible_collections.jobgate.cloud.plugins.module_utils._core.watchdog import tighter

TERMINAL_OPERATION = ("succeeded", "failed", "canceled")


def _retry_after(response, schedule: Schedule) -> float:
    """The pause before the next poll: the answer's Retry-After (the operation's poll interval, not a refusal),
    else the schedule's (``pause.OPERATION``)."""
    hinted = retry_after_seconds(response.headers.get("Retry-After"))
    return schedule.pause(0) if hinted is None else schedule.told(hinted)


def follow_operation(client, response, what: str, deadline: Deadline, default_sleep: float, on_timeout: str = "") -> dict:
    """Poll the PUT's long-running operation to its end; returns {"status", "error"}.

    Each poll is one ``ArmClient.request`` on ``deadline``, which tries it again until then. Raises
    JobGateError(code="WaitTimeout") when ``deadline`` passes first, with the last poll's error if it failed;
    ``on_timeout`` ends its message (what the caller can do next).
    """
    op_url = response.headers.get("Azure-AsyncOperation")
    location = response.headers.get("Location")
    url = op_url or location
    if not url:
        return {"status": "Succeeded" if response.status_code in (200, 201) else "Unknown", "error": None}
    if origin(url) != origin(client.base):
        raise JobGateError(f"Refused to follow the long-running operation of {what} to {origin(url)[1]}: it is "
                           f"not the Resource Manager endpoint {client.base}, and the bearer token is only sent there.",
                           code="UntrustedOperationUrl", retryable=False)
    status_of = f"the operation status of {what}"

    def read_status(polled) -> tuple:   # an Azure-AsyncOperation answers in its body, a Location in its status
        return polled, json_object(polled, status_of) if op_url else None

    schedule = OPERATION.starting(default_sleep)
    delay = _retry_after(response, schedule)
    last_error = None
    while True:
        if deadline.remaining() > 0:
            deadline.sleep(delay)
        if deadline.expired:
            tail = f" The last poll failed: {last_error.msg}" if last_error is not None else ""
            raise JobGateError(f"Timed out after {deadline.elapsed():g} s waiting for the long-running operation of "
                               f"{what} to end.{tail}{on_timeout}", code="WaitTimeout", retryable=True)
        try:
            with tighter(deadline):   # a poll ends with the follower's time, which may be shorter than the client's
                polled, body = client.request("GET", url, status_of, deadline=deadline, accept=read_status)
        except JobGateError as err:
            if not err.retryable:
                raise
            last_error, delay = err, schedule.pause(0)
            continue
        last_error = None
        if op_url:
            status = str(body.get("status") or "")
            if status.lower() in TERMINAL_OPERATION:
                error = body.get("error") if isinstance(body.get("error"), dict) else None
                return {"status": status, "error": error}
        elif polled.status_code != 202:
            return {"status": "Succeeded", "error": None}
        delay = _retry_after(polled, schedule)
