# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The polling loop behind the event source ``jobgate.cloud.job_status``: state tracking, event ids, pacing.

The loop polls one ``JobSource`` (the info modules' sources, clients, retries and normalization) and puts one event
on the queue per change it reports. Three pieces are pure and tested on their own: ``Tracker`` (what changed since
the last poll, and which jobs are done), ``event_uuid`` (the same id for the same job state, across restarts) and
``Pacing`` (the pause before the next poll, growing while the API fails). ``watch`` strings them together.

Blocking clients (botocore, requests) run in threads through ``run_blocking``, never on the event loop, and at most
``MAX_BLOCKING`` at a time per event loop, however many sources a rulebook has.
"""
from __future__ import annotations

import asyncio
import logging
import random
import typing as t
import uuid
import weakref
from dataclasses import dataclass, field

from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import to_datetime
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, is_not_found
from ansible_collections.jobgate.cloud.plugins.module_utils._core.pause import WATCH
from ansible_collections.jobgate.cloud.plugins.module_utils._core.redact import scrub, scrub_data
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import fetch_many
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import job_entry

EVENT_KEY = "job_status"
SOURCE_NAME = "jobgate.cloud.job_status"
# Fixed for good: every meta.uuid is derived from it, so changing it would make every past event look new.
UUID_NAMESPACE = uuid.UUID("6f1f5b0e-1c52-5d3c-9a57-0b3f2d7c4e21")
MIN_INTERVAL = 5
DEFAULT_INTERVAL = int(WATCH.first)
# The longest pause between polls while the API keeps failing, and the most of a Retry-After that is honoured
# (``pause.WATCH``, which says why it is not the modules' 60 s).
MAX_PAUSE = WATCH.cap
# Blocking polls running at once per event loop (each may use fetch_many's own bounded pool for many ids).
MAX_BLOCKING = 4
EMIT_CHOICES = ("terminal", "transitions")
ON_START_CHOICES = ("emit", "skip")

log = logging.getLogger(SOURCE_NAME)
# ansible-rulebook -vv sets the root logger to DEBUG, and at DEBUG these libraries log request headers (AWS session
# tokens, signed Authorization headers) and token responses. The source's own log says what a poll did.
QUIET_LOGGERS = ("botocore", "boto3", "urllib3", "azure", "msal")


def quiet_client_loggers() -> None:
    """Keep the clients' debug logs (which carry secrets) out of ansible-rulebook's output."""
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)


def event_uuid(kind: str, location: str, job_id: str, state: str) -> str:
    """meta.uuid: UUIDv5 of kind, location, job id and state (ansible-rulebook's --persistence-id dedupes on it)."""
    # A separator that cannot occur in any of the parts keeps ("a b", "c") and ("a", "b c") apart.
    return str(uuid.uuid5(UUID_NAMESPACE, "\x1f".join((kind, location, job_id, state))))


def make_event(kind: str, location: str, entry: dict, previous_state: str | None) -> dict:
    """The contract's event: job_status {kind, job (normalized), previous_state, detail} and meta.uuid."""
    block = entry["normalized"]
    detail = {key: value for key, value in entry.items() if key != "normalized"}
    return {
        EVENT_KEY: {"kind": kind, "job": block, "previous_state": previous_state, "detail": detail},
        "meta": {"uuid": event_uuid(kind, location, str(block["job_id"]), block["state"])},
    }


# ---------------------------------------------------------------------------------------------------------- tracking
@dataclass
class Seen:
    """An open job as last polled: its state and the raw API job (a hint for list-based batch reads)."""

    state: str
    raw: dict
    created: t.Any = None  # aware datetime, or None when the API gave no creation time


class Tracker:
    """What the source remembers between polls.

    ``open`` holds the jobs still to poll (with ids given, all of them from the start; in list mode, every
    non-terminal job listed). A job leaves ``open`` once it is terminal and its event is out. In list mode the
    list keeps returning finished jobs, so their ids (only the ids) stay in ``finished`` while the list still
    returns them, which keeps memory bounded by what the API lists.
    """

    def __init__(self, kind: str, location: str, *, emit: str = "terminal", on_start: str = "emit",
                 ids: t.Iterable[str] | None = None) -> None:
        self.kind = kind
        self.location = location
        self.emit = emit
        self.on_start = on_start
        self.list_mode = ids is None
        self.open: dict = {}
        self.pending_first: dict = dict.fromkeys(ids or ())  # ids given but not answered yet (ordered set)
        self.finished: set = set()
        self.started = False  # True after the first poll that answered
        self.newest: t.Any = None  # the latest creation time seen (list mode)
        self.since: t.Any = None

    @property
    def done(self) -> bool:
        """With ids given: every job has finished and had its event; nothing is left to poll."""
        return not self.list_mode and self.started and not self.open and not self.pending_first

    def to_poll(self) -> list:
        """The ids to ask about (ids mode): jobs not answered yet and open jobs, in a stable order."""
        return list(self.pending_first) + [job_id for job_id in self.open if job_id not in self.pending_first]

    def hints(self) -> dict:
        return {job_id: seen.raw for job_id, seen in self.open.items()}

    def window(self) -> t.Any:
        """List mode: the earliest creation time a list must still cover (None: all of it), never moving back.

        Jobs created before every open job and before the newest job seen can neither change nor be new, so a
        list API that filters by creation can leave them out (the kind's source adds its own margin)."""
        if not self.started or self.newest is None:
            return self.since
        created = [seen.created for seen in self.open.values()]
        if any(when is None for when in created):
            return self.since
        earliest = min(created + [self.newest])
        if self.since is None or earliest > self.since:
            self.since = earliest
        return self.since

    def forget(self, job_ids: t.Iterable[str]) -> None:
        """Jobs the API no longer knows (deleted or expired): stop polling them."""
        for job_id in job_ids:
            self.open.pop(job_id, None)
            self.pending_first.pop(job_id, None)

    def observe(self, answered: t.Iterable[tuple], *, complete: bool = False) -> list:
        """Events for one poll, in the order the jobs were answered; updates what is remembered.

        ``answered``: (entry, raw) pairs. ``complete``: the answer is the whole list (list mode), so finished ids it
        no longer returns, and open jobs it lost, are forgotten.
        """
        at_start = not self.started
        quiet = at_start and self.on_start == "skip"
        events = []
        listed = set()
        for entry, raw in answered:
            block = entry["normalized"]
            job_id = block.get("job_id")
            if not job_id:
                continue  # nothing to follow a job by, and no stable event id
            job_id = str(job_id)
            listed.add(job_id)
            if job_id in self.finished:
                continue
            created = to_datetime(block.get("created_at"))
            if created is not None and (self.newest is None or created > self.newest):
                self.newest = created
            self.pending_first.pop(job_id, None)
            seen = self.open.get(job_id)
            previous = seen.state if seen else None
            state = block["state"]
            changed = state != previous
            if block["terminal"]:
                if changed and not quiet:
                    events.append(make_event(self.kind, self.location, entry, previous))
                self.open.pop(job_id, None)
                if self.list_mode:
                    self.finished.add(job_id)
                continue
            if changed and self.emit == "transitions" and not quiet:
                events.append(make_event(self.kind, self.location, entry, previous))
            self.open[job_id] = Seen(state, raw, created)
        if complete:
            self.finished &= listed
            for job_id in [job_id for job_id in self.open if job_id not in listed]:
                del self.open[job_id]
        self.started = True
        return events


# ---------------------------------------------------------------------------------------------------------- pacing
@dataclass
class Pacing:
    """The pause before the next poll: ``interval`` while polls succeed; after failures ``pause.WATCH`` from the
    interval (doubling per failure with jitter, never faster than asked, up to ``MAX_PAUSE``), and never shorter
    than a Retry-After the API sent. The first success brings it back to ``interval``."""

    interval: float
    failures: int = 0
    uniform: t.Callable[[float, float], float] = field(default=random.uniform, repr=False)

    def after_success(self) -> float:
        self.failures = 0
        return float(self.interval)

    def after_failure(self, retry_after: float | None = None) -> float:
        self.failures += 1
        return WATCH.starting(self.interval).pause(self.failures, retry_after or None, uniform=self.uniform)


# ---------------------------------------------------------------------------------------------------------- threads
_LIMITS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = weakref.WeakKeyDictionary()


def _limit() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    semaphore = _LIMITS.get(loop)
    if semaphore is None:
        semaphore = _LIMITS[loop] = asyncio.Semaphore(MAX_BLOCKING)
    return semaphore


async def run_blocking(func: t.Callable, *args: t.Any) -> t.Any:
    """``func(*args)`` in a worker thread (the clients block), at most ``MAX_BLOCKING`` at once per event loop."""
    async with _limit():
        return await asyncio.to_thread(func, *args)


# ---------------------------------------------------------------------------------------------------------- polling
@dataclass
class Watch:
    """One source's settings, after argument validation."""

    kind: str
    connect: t.Callable[[], t.Any]          # -> the kind's JobSource (may talk, e.g. to read cloud metadata)
    ids: t.Optional[list]                   # None: list mode
    interval: float = DEFAULT_INTERVAL
    emit: str = "terminal"
    on_start: str = "emit"
    secrets: tuple = ()                     # values to mask in anything the source prints
    filters: dict = field(default_factory=dict)   # the list filters given (option: value), for the start line


def poll_ids(source: t.Any, ids: list, hints: dict, first: bool) -> tuple:
    """(answered (entry, raw) pairs, ids the API no longer knows) for the ids still open. Runs in a thread.

    A not-found on the first poll is an error of the arguments and ends the source. Later a job can expire or be
    deleted: then each id is asked on its own, so one vanished job does not blind the source to the others.
    """
    try:
        raws = fetch_many(source, ids, hints=hints)
        return [(job_entry(source.provider, raw), raw) for raw in raws], []
    except JobGateError as err:
        if first or not is_not_found(err):
            raise
    answered, gone = [], []
    for job_id in ids:
        try:
            (raw,) = fetch_many(source, [job_id])
        except JobGateError as err:
            if not is_not_found(err):
                raise
            gone.append(job_id)
            continue
        answered.append((job_entry(source.provider, raw), raw))
    return answered, gone


def poll_list(source: t.Any, since: t.Any, known: frozenset) -> list:
    """(entry, raw) pairs of the jobs the list API returns (from ``since`` on where it can filter; jobs in
    ``known`` may come undescribed). Runs in a thread."""
    return [(job_entry(source.provider, raw), raw) for raw in source.list_since(since, known)]


def stop_error(watch: Watch, err: JobGateError) -> JobGateError:
    """The error that ends the source: one line that says which source and why (ansible-rulebook prints it)."""
    msg = scrub(f"{SOURCE_NAME} ({watch.kind}) stopped: {err.msg} [{err.code}]", watch.secrets)
    return JobGateError(msg, code=err.code, message=scrub(err.message, watch.secrets), http_status=err.http_status,
                        retryable=err.retryable)


async def idle_forever() -> None:
    """Nothing left to poll: wait until ansible-rulebook cancels the source (other sources may still be running)."""
    await asyncio.Event().wait()


# Indirections so tests can drive the loop with a fake clock (the deadline's) and without threads; not options.
_deadline: t.Callable[[], Deadline] = Deadline
_blocking = run_blocking
_idle = idle_forever
_uniform = random.uniform


async def watch(queue: t.Any, settings: Watch) -> None:
    """Poll until cancelled, putting one event per job change on ``queue``.

    Retryable errors (throttling, 5xx, timeouts, dropped connections, after the client's own retries) never end
    the loop: it backs off (``Pacing``) and polls again. Any other error ends it, raised as one clear line.
    """
    quiet_client_loggers()
    # The collection's one clock and sleep; unbounded, as the source polls until it is cancelled.
    deadline, blocking = _deadline(), _blocking
    pacing = Pacing(settings.interval, uniform=_uniform)
    source = None
    tracker = None
    while True:
        started = deadline.clock()
        try:
            if source is None:
                source = await blocking(settings.connect)
                settings.secrets += _client_secrets(source)
                tracker = Tracker(settings.kind, source.location_key(), emit=settings.emit,
                                  on_start=settings.on_start, ids=settings.ids)
                mode = f"{len(settings.ids)} job(s)" if settings.ids is not None else "every listed job"
                if settings.filters:
                    mode += " with " + ", ".join(f"{key}={value}" for key, value in settings.filters.items())
                elif settings.ids is None:
                    mode += " (no filter)"
                log.info("%s: watching %s of kind %s %s every %g s (emit %s, on_start %s)", SOURCE_NAME,
                         scrub(mode, settings.secrets),
                         settings.kind, scrub(_place(source), settings.secrets), settings.interval, settings.emit,
                         settings.on_start)
            if settings.ids is None:
                answered = await blocking(poll_list, source, tracker.window(), frozenset(tracker.finished))
                gone: list = []
            else:
                answered, gone = await blocking(poll_ids, source, tracker.to_poll(), tracker.hints(),
                                                not tracker.started)
        except JobGateError as err:
            if not err.retryable:
                raise stop_error(settings, err) from None
            pause = pacing.after_failure(getattr(err, "retry_after", None))
            log.warning("%s (%s): poll failed, trying again in %.1f s: %s [%s]", SOURCE_NAME, settings.kind, pause,
                        scrub(err.msg, settings.secrets), err.code)
            await deadline.pause(pause)
            continue
        if pacing.failures:
            log.warning("%s (%s): polling again after %d failed poll(s)", SOURCE_NAME, settings.kind, pacing.failures)
        if gone:
            log.warning("%s (%s): no longer polling %s: the API does not know them any more", SOURCE_NAME,
                        settings.kind, scrub(", ".join(gone), settings.secrets))
            tracker.forget(gone)
        for event in tracker.observe(answered, complete=settings.ids is None):
            # The event source's one scrubbing point for events (``_core.redact``), as run_module is the modules'.
            event = scrub_data(event, settings.secrets)
            job = event[EVENT_KEY]["job"]
            previous = event[EVENT_KEY]["previous_state"]
            log.info("%s (%s): job %s %s (uuid %s)", SOURCE_NAME, settings.kind, job["job_id"],
                     f"first seen {job['state']}" if previous is None else f"{previous} -> {job['state']}",
                     event["meta"]["uuid"])
            await queue.put(event)
        if tracker.done:
            log.info("%s (%s): every job has finished; nothing left to poll", SOURCE_NAME, settings.kind)
            await _idle()
            return
        await deadline.pause(started + pacing.after_success() - deadline.clock())


def _client_secrets(source: t.Any) -> tuple:
    """Secret values the client resolved (from options or the environment), masked in what the source prints."""
    settings = getattr(getattr(source, "client", None), "settings", None)
    found = getattr(settings, "secrets", None)
    return tuple(value for value in found() if value) if callable(found) else ()


def _place(source: t.Any) -> str:
    try:
        return source.location() or ""
    except Exception:  # pylint: disable=broad-except  # a log line must never fail because of its decoration
        return ""
