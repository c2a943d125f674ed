# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Requests of a botocore client bounded by a deadline: the service clients' and the STS client's alike."""
from __future__ import annotations

import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.watchdog import guard_pool_manager, guarded_pool_classes


def bound_request_timeouts(client: t.Any, deadline: Deadline) -> bool:
    """Cap the connect and read timeouts of every request of ``client`` at the time ``deadline`` has left, and
    its whole time at the deadline (the watchdog: a body that trickles in never trips a read timeout).

    botocore fixes its timeouts when a client is made (Config) and has no public per-request setting; a client
    per attempt would cost a model load and a connection pool each time, and changing the session's timeout
    before each attempt would race between the threads of one client. What botocore does have is one urllib3
    ``Timeout`` on the client's HTTP session, the default of its connection pools, and urllib3 takes a fresh copy
    of it (``Timeout.clone``) at the start of every request. Ours makes that copy capped at the deadline, so each
    attempt, from any thread, gets at most the budget left for connecting and for reading. Returns False (and the
    Config's caps, made at creation, stay) where a botocore lays its session out differently.
    """
    session = getattr(getattr(client, "_endpoint", None), "http_session", None)
    base = getattr(session, "_timeout", None)
    pool_kw = getattr(getattr(session, "_manager", None), "connection_pool_kw", None)
    if base is None or not hasattr(base, "clone") or not isinstance(pool_kw, dict):
        return False

    def capped(value: t.Any) -> float | None:
        return deadline.cap(value if isinstance(value, (int, float)) else None)

    class DeadlineTimeout(type(base)):  # type: ignore[misc]  # urllib3's Timeout, whatever its version
        def clone(self):
            return type(base)(connect=capped(base.connect_timeout), read=capped(base.read_timeout))

    bounded = DeadlineTimeout(connect=base.connect_timeout, read=base.read_timeout)
    session._timeout = bounded  # pylint: disable=protected-access  # see the docstring: no public hook exists
    pool_kw["timeout"] = bounded
    # The same session keeps the pool classes it gives its proxy managers, made later, beside its own manager's.
    classes = getattr(session, "_pool_classes_by_scheme", None)
    if isinstance(classes, dict):
        session._pool_classes_by_scheme = guarded_pool_classes(classes, deadline)  # pylint: disable=protected-access
    return guard_pool_manager(session._manager, deadline)  # pylint: disable=protected-access
