# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Resource Manager session: bearer token to the ARM origin only, timeouts, bounded retries, paging.

The bearer token is only ever sent to the Resource Manager origin (scheme, host and port); a ``nextLink`` that
points anywhere else is refused.
"""
from __future__ import annotations

import os
import threading
import typing as t
from functools import partialmethod
from urllib.parse import urlsplit

from ansible_collections.jobgate.cloud.plugins.module_utils._azure.cloud import CloudEndpoints, resolve_cloud
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.credentials import TokenProvider, check_libraries, read_credentials_file, resolve_credentials
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.errors import retryable_status, retryable_transport_error
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.transport import guard_session
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.pause import ARM_RETRY, retry_after_seconds
from ansible_collections.jobgate.cloud.plugins.module_utils._core.watchdog import was_cut

try:
    import requests
except ImportError:  # pragma: no cover - reported through check_libraries
    requests = None

CONNECT_TIMEOUT = 10
READ_TIMEOUT = 60


def origin(url: str) -> tuple:
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is None:
        port = {"https": 443, "http": 80}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def arm_error(response, what: str, attempts: int = 1) -> JobGateError:
    """An ARM error response ({"error": {"code", "message"}}) as the contract's error block."""
    status = response.status_code
    code, message = None, None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        err = body.get("error") if isinstance(body.get("error"), dict) else body
        code = err.get("code") if isinstance(err.get("code"), str) else None
        message = err.get("message") if isinstance(err.get("message"), str) else None
    if not code:
        code = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 429: "TooManyRequests"}.get(status, f"HTTP{status}")
    if not message:
        message = f"Resource Manager answered HTTP {status} without an ARM error body."
    retryable = retryable_status(status)
    if status == 404:
        msg = f"{what[0].upper()}{what[1:]} was not found ({code}: {message})"
    else:
        msg = f"Resource Manager refused the request for {what} with HTTP {status} ({code}: {message})"
    return JobGateError(msg, code=code, message=message, http_status=status, retryable=retryable,
                        retry_after=retry_after_seconds(response.headers.get("Retry-After")), attempts=attempts)


def json_object(response, what: str) -> dict:
    """The JSON object an answer's body must be; a cut-off body or a proxy's page is a retryable InvalidResponse
    (``ArmClient.request`` tries it again like any transient answer)."""
    try:
        body = response.json()
    except ValueError:
        raise JobGateError(f"Resource Manager answered {what} with a body that is not JSON.",
                           code="InvalidResponse", http_status=response.status_code, retryable=True) from None
    if not isinstance(body, dict):
        raise JobGateError(f"Resource Manager answered {what} with JSON that is not an object.",
                           code="InvalidResponse", http_status=response.status_code, retryable=True)
    return body


def tls_message(url: str) -> str:
    return (f"TLS certificate verification failed for {url}: the server's certificate is not signed by a CA this "
            "host trusts. Add that CA to the trust store or point REQUESTS_CA_BUNDLE at it; "
            "cert_validation_mode=ignore turns verification off (not for production).")


class ArmClient:
    """A requests session for Resource Manager: bearer token to the ARM origin only, timeouts, bounded retries.

    Its retries, their backoff and Retry-After waits run on ``deadline`` (the module's): none sleeps past it, no
    attempt starts after it, no request gets connect or read timeouts longer than the time it has left, and the
    watchdog cuts a request still under way when it ends (an answer that trickles in).
    """

    def __init__(self, cloud: CloudEndpoints, tokens: TokenProvider, *, verify: t.Any = True,
                 timeout: tuple = (CONNECT_TIMEOUT, READ_TIMEOUT), max_retries: int = 4,
                 max_retry_after: float = ARM_RETRY.cap,
                 session=None, deadline: Deadline | None = None) -> None:
        check_libraries()
        self.cloud = cloud
        self.base = cloud.resource_manager.rstrip("/")
        self.tokens = tokens
        self.verify = verify
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.deadline = deadline if deadline is not None else Deadline()
        # A Retry-After that one thread is told holds for all threads of this client: none sends before it ends.
        self._quiet_until = 0.0
        self._quiet_lock = threading.Lock()
        self.session = session if session is not None else requests.Session()
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = "jobgate.cloud (ansible)"
        guard_session(self.session, self.deadline)   # a request's whole time, not only each read, ends at the deadline

    def url(self, path: str) -> str:
        return self.base + path

    def check_origin(self, url: str, what: str) -> None:
        if origin(url) != origin(self.base):
            scheme, host, port = origin(url)
            raise JobGateError(
                f"Refused to follow a nextLink for {what} to {scheme}://{host}:{port}: it is not the Resource Manager "
                f"endpoint {self.base}, and the bearer token is only sent there.",
                code="UntrustedNextLink", http_status=None, retryable=False)

    def _backoff(self, attempt: int, response=None) -> float:
        hinted = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        return ARM_RETRY.capped(self.max_retry_after).pause(attempt, hinted)

    def _wait_quiet(self) -> None:
        with self._quiet_lock:
            wait = self._quiet_until - self.deadline.clock()
        if wait > 0:
            self.deadline.sleep(wait)

    def _hold_off(self, response) -> bool:
        """Share a Retry-After with the other threads; True when there was one."""
        hinted = retry_after_seconds(response.headers.get("Retry-After"))
        if hinted is None:
            return False
        with self._quiet_lock:
            self._quiet_until = max(self._quiet_until,
                                    self.deadline.clock() + ARM_RETRY.capped(self.max_retry_after).told(hinted))
        return True

    def request(self, method: str, url: str, what: str, params: dict | None = None, *, json_body: t.Any = None,
                accept: t.Callable[[t.Any], t.Any] | None = None, deadline: Deadline | None = None,
                as_json: bool = False) -> t.Any:
        """One ARM call with retries: ``accept(response)`` of a 2xx answer (the response itself without it); raises
        JobGateError otherwise. ``as_json``: the answer's body must be a JSON object (``json_object``), and that
        object is what ``accept`` gets and what is returned.

        The one retry loop of an ARM call. A read (GET) on a bounded ``deadline`` (the client's, or a tighter one:
        an operation's follower) is tried until it, however many tries that takes: the wait's only retries of it
        are these. Other calls get ``max_retries``. What is tried again is what ``errors.py`` calls transient, a
        token endpoint that failed likewise (while riding), and an answer ``accept`` refused with a retryable
        JobGateError (a body that is not JSON, a page without its list).
        """
        self.check_origin(url, what)
        deadline = deadline if deadline is not None else self.deadline
        riding = method == "GET" and deadline.bounded
        renewed = False
        attempt = 0
        slept_hint = False  # this thread has just slept its own Retry-After: no second wait for it
        answered: JobGateError | None = None  # the API's last error answer, retried
        latest: JobGateError | None = None    # the last failure of any kind (no answer, no token, an answer)
        while True:
            if not slept_hint:
                self._wait_quiet()
            slept_hint = False
            if deadline.expired:
                if latest is not None:
                    raise deadline.last_answer(answered, latest)
                raise deadline.out_of_time(f"read {what} from Resource Manager at {self.base}")
            hinted = None    # an answer whose Retry-After sets the pause
            response = None  # no answer: no token, or no response to the request
            try:
                headers = {"Authorization": "Bearer " + self.tokens.token()}
            except JobGateError as err:
                if not (riding and err.retryable):
                    raise
                latest = err
            else:
                try:
                    response = self.session.request(method, url, params=params, json=json_body, headers=headers,
                                                    timeout=deadline.timeouts(*self.timeout), verify=self.verify,
                                                    allow_redirects=False)
                except requests.exceptions.RequestException as exc:
                    if was_cut():   # the watchdog ended it at the deadline: a timeout, whatever the client made of it
                        cut = JobGateError(f"Timed out reading {what} from Resource Manager at {self.base}: the answer "
                                           "was still arriving when the time budget ran out, and the request was cut.",
                                           code="Timeout", message=f"Answer cut at the deadline by {self.base}",
                                           retryable=True, attempts=attempt + 1)
                        raise deadline.last_answer(answered, cut) from None
                    if not retryable_transport_error(exc):   # a certificate that does not verify
                        raise JobGateError(tls_message(self.base), code="SSLError", retryable=False) from None
                    code = "Timeout" if isinstance(exc, requests.exceptions.Timeout) else "ConnectionError"
                    latest = JobGateError(f"Could not reach Resource Manager at {self.base} for {what} after "
                                          f"{attempt + 1} attempts ({type(exc).__name__}).", code=code,
                                          message=f"{type(exc).__name__} talking to {self.base}",
                                          retryable=True, attempts=attempt + 1)
            if response is None:
                pass  # no answer to judge: `latest` says what failed
            elif 200 <= response.status_code < 300:
                if accept is None and not as_json:
                    return response
                try:
                    answer = json_object(response, what) if as_json else response
                    return answer if accept is None else accept(answer)
                except JobGateError as err:
                    if not err.retryable:
                        raise
                    answered = latest = err.with_msg(f"{err.msg.rstrip('.')}, {attempt + 1} times.")
                    answered.attempts = attempt + 1
            elif response.status_code == 401 and not renewed:
                # An expired or revoked token: get a fresh one once (a new credential has an empty cache).
                renewed = True
                self.tokens.renew()
                continue
            elif retryable_status(response.status_code) and (riding or attempt < self.max_retries):
                answered = latest = arm_error(response, what, attempts=attempt + 1)
                slept_hint = self._hold_off(response)
                hinted = response
            else:
                raise arm_error(response, what, attempts=attempt + 1)
            # Another try after the pause, or the last failure: max_retries bounds the tries, except for a read that
            # rides (a GET on a bounded deadline); the loop's top refuses a try once the pause reached the deadline.
            if (attempt >= self.max_retries and not riding) or deadline.expired:
                raise deadline.last_answer(answered, latest)
            deadline.sleep(self._backoff(attempt, hinted))
            attempt += 1

    # A GET whose answer must be a JSON object: the object, or ``accept(object)``; tried again when it is not.
    # ``request`` itself, bound (no function of its own between a describe and the one retry loop).
    get_json = partialmethod(request, "GET", as_json=True)

    def pages(self, url: str, what: str, params: dict | None = None) -> t.Iterator:
        """Each page's items of a paged ARM list, lazily (a caller may stop early), following nextLink only on the
        Resource Manager origin.

        A real list is followed to its end however many pages it has (20,000 jobs in pages of 15), within the
        deadline where there is one (each request refuses to start after it); a page without its list is tried
        again like any transient answer. A nextLink the list already gave would loop: that ends the list with an
        error after the page that repeated it, as botocore's paginators do.
        """

        def page_of(body: dict) -> tuple:
            value, next_link = body.get("value"), body.get("nextLink")
            if not isinstance(value, list):
                raise JobGateError(f"Resource Manager answered {what} without a value list.", code="InvalidResponse",
                                   http_status=200, retryable=True)
            if next_link and not isinstance(next_link, str):
                raise JobGateError(f"Resource Manager answered {what} with a nextLink that is not a URL: "
                                   f"{repr(next_link)[:80]}.", code="InvalidResponse", http_status=200, retryable=True)
            return value, next_link

        value, next_link = self.get_json(url, what, params, accept=page_of)
        seen = {url}
        pages = 1
        while True:
            yield value
            if not next_link:
                return
            self.check_origin(next_link, what)
            if next_link in seen:
                raise JobGateError(f"Resource Manager repeated a nextLink it had already given while listing {what} "
                                   f"(after page {pages}): the list would never end.", code="PaginationLoop",
                                   message=f"Repeated nextLink after page {pages}", retryable=False)
            seen.add(next_link)
            # nextLink carries its own query (api-version, skip token)
            value, next_link = self.get_json(next_link, what, accept=page_of)
            pages += 1

    def list_all(self, url: str, what: str, params: dict | None = None) -> list:
        """Every item of a paged ARM list, following nextLink only on the Resource Manager origin."""
        items: list = []
        for value in self.pages(url, what, params):
            items.extend(value)
        return items


def create_client(params: t.Mapping, environ: t.Mapping | None = None, *, deadline: Deadline | None = None) -> ArmClient:
    """The ArmClient for module params: resolves credentials and cloud, builds nothing that talks until used.

    ``deadline`` (the module's) bounds everything it does: the metadata read, token requests, ARM calls.
    """
    check_libraries()
    environ = os.environ if environ is None else environ
    deadline = deadline if deadline is not None else Deadline()
    plan = resolve_credentials(params, environ, read_credentials_file(environ))
    verify = plan.cert_validation_mode != "ignore"

    def fetch_json(url: str) -> t.Any:
        with requests.Session() as session:
            guard_session(session, deadline)
            try:
                response = session.get(url, timeout=deadline.timeouts(CONNECT_TIMEOUT, 30), verify=verify,
                                       headers={"Accept": "application/json"}, allow_redirects=False)
            except requests.exceptions.RequestException as exc:
                if not retryable_transport_error(exc) and not was_cut():
                    raise JobGateError(tls_message(url), code="SSLError", retryable=False) from None
                raise JobGateError(f"Could not read the cloud metadata document {url} ({type(exc).__name__}).",
                                   code="ConnectionError", retryable=True) from None
        if response.status_code != 200:
            raise JobGateError(f"The cloud metadata document {url} answered HTTP {response.status_code}.",
                               code="InvalidCloudMetadata", http_status=response.status_code,
                               retryable=retryable_status(response.status_code))
        try:
            return response.json()
        except ValueError:
            raise JobGateError(f"The cloud metadata document {url} is not JSON.", code="InvalidCloudMetadata") from None

    cloud = resolve_cloud(plan.cloud_environment, fetch_json)
    return ArmClient(cloud, TokenProvider(plan, cloud, deadline=deadline), verify=verify, deadline=deadline)
