# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Azure errors are worth another try, whole: Resource Manager's answers, the cloud metadata document's and
the token endpoints' (``arm.py`` and ``credentials.py`` ask here, nowhere else).

- An answer: HTTP 429 (throttled) or 5xx (the service's trouble) is tried again; any other status is the
  request's or the credentials' to fix (401 from Resource Manager first gets one fresh token: ``ArmClient``).
- No answer: a certificate that does not verify will not on the next try either; a connection that failed, was
  dropped or timed out may, and so may a body that is not JSON.
- A token request: azure-identity raises ``ClientAuthenticationError`` for everything. What went wrong is read
  from the exception and its causes where they say it (azure-core's ``ServiceRequestError`` and
  ``ServiceResponseError``, requests' and Python's connection errors and timeouts, an ``HttpResponse``'s status);
  MSAL keeps some of it only as text (``HTTP Error: 503``, ``Connection aborted``), which is read last.
"""
from __future__ import annotations

import re
import typing as t

try:
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError
except ImportError:  # reported by the module through check_libraries
    ServiceRequestError = ServiceResponseError = None  # type: ignore[assignment,misc]
try:
    import requests
except ImportError:  # reported by the module through check_libraries
    requests = None  # type: ignore[assignment]


def retryable_status(status: int | None) -> bool:
    """An HTTP answer worth another try: throttled (429) or the service's trouble (5xx)."""
    return status is not None and (status == 429 or status >= 500)


def retryable_transport_error(exc: BaseException) -> bool:
    """A request that got no answer: worth another try unless its certificate did not verify."""
    return not (requests is not None and isinstance(exc, requests.exceptions.SSLError))


def _transient_classes() -> tuple:
    classes: list = [ConnectionError, TimeoutError]
    if ServiceRequestError is not None:
        classes += [ServiceRequestError, ServiceResponseError]
    if requests is not None:
        classes += [requests.exceptions.ConnectionError, requests.exceptions.Timeout]
    return tuple(classes)


# What MSAL keeps only as text, read when the exceptions themselves say nothing.
_HTTP_ERROR_TEXT = re.compile(r"HTTP Error: (\d{3})\b")
_TRANSIENT_TEXT = ("Connection aborted", "Connection reset", "Max retries exceeded", "timed out")
# azure-core's and requests' transport errors by name, for an exception whose class could not be imported here.
_TRANSIENT_NAMES = ("ServiceRequestError", "ServiceResponseError", "ServiceRequestTimeoutError",
                    "ServiceResponseTimeoutError", "ConnectionError", "Timeout")


def _chain(exc: BaseException) -> t.Iterator[BaseException]:
    seen: set = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def token_failure(exc: BaseException, detail: str, causes: bool = True) -> tuple:
    """(transient, HTTP status or None) of a failed token request; ``detail`` is its text as reported. With
    ``causes`` false only ``exc`` itself is read, not what caused it."""
    status = None
    transient = False
    for link in _chain(exc) if causes else (exc,):
        transient = transient or isinstance(link, _transient_classes()) or type(link).__name__ in _TRANSIENT_NAMES
        if status is None:
            found = getattr(link, "status_code", None)
            if found is None:
                found = getattr(getattr(link, "response", None), "status_code", None)
            status = found if isinstance(found, int) and not isinstance(found, bool) else None
    if status is None:
        said = _HTTP_ERROR_TEXT.search(detail)
        status = int(said.group(1)) if said else None
    transient = transient or any(text in detail for text in _TRANSIENT_TEXT)
    return transient, status
