# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The azure-core transport of azure-identity's token requests, on the module's deadline.

azure-identity sends token requests through an azure-core pipeline: its ``RetryPolicy`` retries failed answers
and asks the transport to sleep (Retry-After and backoff alike), and the transport applies the connect and read
timeouts. A credential takes its transport as the ``transport`` keyword, so configuring that one object bounds
all of it: no sleep past the deadline, no request with timeouts longer than the time left, no request once it
has passed (the retry policy then gives up at once). Nothing here loops or retries by itself.

``guard_session`` puts a requests session's connections under the watchdog (_core/watchdog.py), which bounds a
request's whole time, not only each read: the transport's session and Resource Manager's (arm.py) alike.
"""
from __future__ import annotations

import typing as t
from urllib.parse import parse_qs

from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.redact import remember
from ansible_collections.jobgate.cloud.plugins.module_utils._core.watchdog import guard_pool_manager, was_cut

try:
    from azure.core.exceptions import AzureError, ServiceRequestTimeoutError
    from azure.core.pipeline.transport import RequestsTransport
except ImportError:  # reported by the module through check_libraries
    RequestsTransport = None  # type: ignore[assignment,misc]

# How a token request the deadline kept from being sent reads ("timed out": azure-identity keeps only the text, and
# credentials.py knows a transient error, and one that never reached the endpoint, by it). When earlier tries of the
# same get_token did reach it, LAST_ANSWER and what the endpoint answered follow, in azure-identity's words.
NOT_SENT = "Token request timed out: the wait_timeout passed before it could be sent."
LAST_ANSWER = " The endpoint's last answer: "
# How a token request the watchdog cut at the deadline reads ("timed out", like NOT_SENT: a transient error).
CUT = "Token request timed out: the answer was still arriving when the wait_timeout ran out."
# Without wait the token endpoint gets the bounds Resource Manager gets (azure-core's own are 300 s each).
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 60


if RequestsTransport is not None:
    class DeadlineTransport(RequestsTransport):  # type: ignore[misc,valid-type]
        """azure-core's requests transport whose timeouts and sleeps stop at ``deadline``."""

        def __init__(self, deadline: Deadline, **kwargs: t.Any) -> None:
            kwargs.setdefault("connection_timeout", CONNECT_TIMEOUT)
            kwargs.setdefault("read_timeout", READ_TIMEOUT)
            super().__init__(**kwargs)
            self.deadline = deadline
            # What the endpoint last said when it failed (None after a success): azure-core's retries may spend
            # the budget inside one get_token, and then the refusal below is what surfaces; it carries this along.
            self.last_failure: str | None = None

        def open(self) -> None:
            super().open()
            guard_session(self.session, self.deadline)

        def send(self, request, **kwargs):  # pylint: disable=arguments-differ  # azure-core's overloads
            remember_sent_credentials(request)
            if self.deadline.expired:
                told = f"{LAST_ANSWER}{self.last_failure}" if self.last_failure else ""
                raise ServiceRequestTimeoutError(NOT_SENT + told)
            connect = kwargs.get("connection_timeout", self.connection_config.timeout)
            if isinstance(connect, tuple):
                kwargs["connection_timeout"] = self.deadline.timeouts(*connect)
            else:
                kwargs["connection_timeout"] = self.deadline.cap(connect)
                kwargs["read_timeout"] = self.deadline.cap(kwargs.get("read_timeout", self.connection_config.read_timeout))
            try:
                response = super().send(request, **kwargs)
            except AzureError as exc:
                if was_cut():
                    self.last_failure = CUT
                    raise ServiceRequestTimeoutError(CUT) from None
                self.last_failure = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise
            self.last_failure = f"HTTP Error: {response.status_code}" if response.status_code >= 400 else None
            return response

        def sleep(self, duration: float) -> None:
            self.deadline.sleep(duration)


# What a token request carries that is a credential (App Service's and Arc's identity headers, a client secret or
# assertion, a federated token): an endpoint or a proxy may echo it back in an error body.
_SENT_HEADERS = ("Authorization", "X-IDENTITY-HEADER", "secret")
_SENT_FIELDS = ("client_secret", "client_assertion", "assertion", "refresh_token", "password")


def remember_sent_credentials(request: t.Any) -> None:
    """Hand what this token request carries to the scrubber of everything we output (``_core.redact``)."""
    headers = getattr(request, "headers", None) or {}
    remember(*(value for name, value in headers.items() if name.lower() in {h.lower() for h in _SENT_HEADERS}))
    form = getattr(request, "data", None)
    if not isinstance(form, dict):
        body = getattr(request, "body", None)
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body if isinstance(body, str) else ""
        form = {k: v[0] for k, v in parse_qs(text).items()} if "=" in text else {}
    remember(*(form.get(name) for name in _SENT_FIELDS))


def guard_session(session: t.Any, deadline: Deadline) -> None:
    """Put the connections of a requests ``session`` (its adapters' pool managers, proxies' too) under the watchdog
    on ``deadline``: no request through it outlives the deadline, however its answer arrives (an unbounded one
    still lets a caller bound some requests with ``watchdog.tighter``)."""
    if session is None:
        return
    for adapter in getattr(session, "adapters", {}).values():
        if getattr(adapter, "_jobgate_guarded", False):
            continue
        guard_pool_manager(getattr(adapter, "poolmanager", None), deadline)
        make_proxy_manager = getattr(adapter, "proxy_manager_for", None)
        if make_proxy_manager is None:
            continue

        def proxy_manager_for(proxy: str, *args: t.Any, _make: t.Any = make_proxy_manager, **kwargs: t.Any) -> t.Any:
            manager = _make(proxy, *args, **kwargs)   # made on first use of a proxy, then kept by the adapter
            guard_pool_manager(manager, deadline)
            return manager

        adapter.proxy_manager_for = proxy_manager_for
        adapter._jobgate_guarded = True  # pylint: disable=protected-access  # our own mark


def bounded_transport(deadline: Deadline, **kwargs: t.Any) -> t.Any:
    """The transport for a credential's ``transport`` keyword (kwargs: azure-core's, e.g. connection_verify)."""
    return DeadlineTransport(deadline, **kwargs)
