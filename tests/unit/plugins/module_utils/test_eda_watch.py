# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The event source's loop: state tracking, event ids, pacing, and watch() driven with a fake clock."""
from __future__ import annotations

import asyncio
import logging
import threading
import uuid

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import job_entry
from ansible_collections.jobgate.cloud.plugins.module_utils._eda import watch as w

from fake_clock import Clock  # tests/unit/plugins/module_utils/fake_clock.py

KIND = "backup_report"
WHERE = "aws:us-east-1"
STATUS = {"pending": "CREATED", "running": "RUNNING", "succeeded": "COMPLETED", "failed": "FAILED"}


def raw(job_id, state, created=1_700_000_000):
    job = {"ReportJobId": job_id, "Status": STATUS[state], "CreationTime": created}
    if state in ("succeeded", "failed"):
        job["CompletionTime"] = created + 60
    return job


def answer(*pairs):
    """(entry, raw) pairs as a poll returns them, from (job_id, state) pairs."""
    out = []
    for job_id, state in pairs:
        r = raw(job_id, state)
        out.append((job_entry(KIND, r), r))
    return out


def seen(events):
    return [(e["job_status"]["job"]["job_id"], e["job_status"]["previous_state"], e["job_status"]["job"]["state"])
            for e in events]


# ---------------------------------------------------------------------------------------------------------- uuids
def test_event_uuid_is_a_uuid5_of_kind_location_job_and_state():
    value = w.event_uuid(KIND, WHERE, "job-1", "succeeded")
    assert uuid.UUID(value).version == 5
    assert value == w.event_uuid(KIND, WHERE, "job-1", "succeeded")  # deterministic: the same across restarts
    others = {w.event_uuid("panorama_device", WHERE, "job-1", "succeeded"),
              w.event_uuid(KIND, "aws:eu-west-1", "job-1", "succeeded"),
              w.event_uuid(KIND, WHERE, "job-2", "succeeded"),
              w.event_uuid(KIND, WHERE, "job-1", "failed")}
    assert value not in others and len(others) == 4
    # parts are kept apart: moving a character from one part to the next gives another id
    assert w.event_uuid(KIND, "a b", "c", "x") != w.event_uuid(KIND, "a", "b c", "x")


def test_event_shape_is_the_contracts():
    entry = job_entry(KIND, raw("job-1", "failed"))
    event = w.make_event(KIND, WHERE, entry, "running")
    body = event["job_status"]
    assert set(body) == {"kind", "job", "previous_state", "detail"}
    assert body["kind"] == KIND and body["previous_state"] == "running"
    assert body["job"] == entry["normalized"] and body["job"]["state"] == "failed"
    assert "normalized" not in body["detail"] and body["detail"]["report_job_id"] == "job-1"
    assert event["meta"] == {"uuid": w.event_uuid(KIND, WHERE, "job-1", "failed")}


# ---------------------------------------------------------------------------------------------------------- tracker
def test_terminal_mode_one_event_per_job_when_it_ends_then_forgotten():
    tracker = w.Tracker(KIND, WHERE, ids=["a", "b"])
    assert tracker.to_poll() == ["a", "b"]
    assert tracker.observe(answer(("a", "pending"), ("b", "running"))) == []
    assert seen(tracker.observe(answer(("a", "running"), ("b", "succeeded")))) == [("b", "running", "succeeded")]
    assert tracker.to_poll() == ["a"]  # b is not polled any more
    assert "b" not in tracker.open and not tracker.done
    assert seen(tracker.observe(answer(("a", "failed")))) == [("a", "running", "failed")]
    assert tracker.done and tracker.to_poll() == [] and tracker.open == {}


def test_transitions_mode_one_event_per_change_of_state_in_order():
    tracker = w.Tracker(KIND, WHERE, emit="transitions", ids=["a"])
    events = []
    for state in ("pending", "pending", "running", "running", "succeeded"):
        events += tracker.observe(answer(("a", state)))
    assert seen(events) == [("a", None, "pending"), ("a", "pending", "running"), ("a", "running", "succeeded")]
    assert tracker.done


def test_on_start_emit_reports_jobs_already_terminal_once():
    tracker = w.Tracker(KIND, WHERE, ids=["a", "b"])
    assert seen(tracker.observe(answer(("a", "succeeded"), ("b", "running")))) == [("a", None, "succeeded")]
    assert tracker.to_poll() == ["b"]


def test_on_start_skip_ignores_the_first_answer_but_not_later_changes():
    tracker = w.Tracker(KIND, WHERE, emit="transitions", on_start="skip", ids=["a", "b"])
    assert tracker.observe(answer(("a", "succeeded"), ("b", "running"))) == []
    assert tracker.to_poll() == ["b"]
    assert seen(tracker.observe(answer(("b", "failed")))) == [("b", "running", "failed")]


def test_on_start_applies_to_the_first_poll_that_answered():
    tracker = w.Tracker(KIND, WHERE, on_start="skip", ids=["a"])
    # a failed first poll (nothing observed) leaves the start ahead
    assert not tracker.started
    assert tracker.observe(answer(("a", "succeeded"))) == []
    assert tracker.done


def test_list_mode_picks_up_new_jobs_and_never_repeats_finished_ones():
    tracker = w.Tracker(KIND, WHERE)  # list mode
    first = tracker.observe(answer(("old", "succeeded"), ("a", "running")), complete=True)
    assert seen(first) == [("old", None, "succeeded")]
    # the list keeps returning "old": no second event; "new" appeared after the start and finished between polls
    second = tracker.observe(answer(("old", "succeeded"), ("a", "running"), ("new", "failed")), complete=True)
    assert seen(second) == [("new", None, "failed")]
    third = tracker.observe(answer(("old", "succeeded"), ("a", "succeeded"), ("new", "failed")), complete=True)
    assert seen(third) == [("a", "running", "succeeded")]
    assert tracker.open == {} and tracker.finished == {"old", "a", "new"}
    assert not tracker.done  # list mode runs until stopped


def test_list_mode_forgets_what_the_list_no_longer_returns():
    tracker = w.Tracker(KIND, WHERE, on_start="skip")
    tracker.observe(answer(("old", "succeeded"), ("a", "running"), ("b", "running")), complete=True)
    tracker.observe(answer(("a", "running")), complete=True)
    assert tracker.finished == set() and list(tracker.open) == ["a"]


def test_list_mode_new_job_in_transitions_mode_starts_from_null():
    tracker = w.Tracker(KIND, WHERE, emit="transitions", on_start="skip")
    assert tracker.observe(answer(("a", "running")), complete=True) == []
    assert seen(tracker.observe(answer(("a", "running"), ("b", "pending")), complete=True)) == [("b", None, "pending")]


def test_jobs_without_an_id_are_ignored():
    tracker = w.Tracker(KIND, WHERE)
    entry = job_entry(KIND, {"Status": "COMPLETED"})
    assert tracker.observe([(entry, {})], complete=True) == []


def test_forget_stops_polling_a_vanished_job():
    tracker = w.Tracker(KIND, WHERE, ids=["a", "b"])
    tracker.observe(answer(("a", "running"), ("b", "running")))
    tracker.forget(["b"])
    assert tracker.to_poll() == ["a"]


# ---------------------------------------------------------------------------------------------------------- pacing
def test_pacing_grows_while_failing_and_comes_back_after():
    top = w.Pacing(5, uniform=lambda low, high: high)
    assert [top.after_failure() for _n in range(8)] == [10, 20, 40, 80, 160, 300, 300, 300]
    assert top.after_success() == 5 and top.failures == 0
    assert top.after_failure() == 10
    bottom = w.Pacing(5, uniform=lambda low, high: low)
    assert bottom.after_failure() == 5  # jitter never polls faster than the interval


def test_pacing_jitter_stays_between_interval_and_ceiling():
    pacing = w.Pacing(5)
    for failures in range(1, 12):
        pause = pacing.after_failure()
        assert 5 <= pause <= min(w.MAX_PAUSE, 5 * 2 ** failures)


def test_pacing_honours_retry_after_up_to_the_cap():
    pacing = w.Pacing(5, uniform=lambda low, high: low)
    assert pacing.after_failure(retry_after=42) == 42
    assert pacing.after_failure(retry_after=3) == 5
    assert pacing.after_failure(retry_after=86400) == w.MAX_PAUSE


# ---------------------------------------------------------------------------------------------------------- watch()
class ListQueue:
    """What ansible-rulebook hands a source, as a plain list."""

    def __init__(self):
        self.events = []

    async def put(self, event):
        self.events.append(event)


class ScriptedSource(JobSource):
    """A JobSource whose answers follow a script: each poll moves to the next step, a list of (id, state) pairs the
    API knows at that moment, or an error that every call of that poll raises."""

    provider = KIND
    id_label = "Backup report job"

    def __init__(self, steps, clock=None, poll_seconds=0.0):
        self.steps = list(steps)
        self.current = []
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.calls = []
        self.threads = set()
        self.lock = threading.Lock()

    def advance(self):
        self.current = self.steps.pop(0)
        if self.clock is not None:
            self.clock.now += self.poll_seconds

    def _answer(self, what):
        with self.lock:
            self.calls.append(what)
            self.threads.add(threading.get_ident())
        if isinstance(self.current, Exception):
            raise self.current
        return dict(self.current)

    def describe(self, job_id):
        states = self._answer(job_id)
        if job_id not in states:
            raise JobGateError(f"Backup report job {job_id} was not found in region us-east-1",
                               code="ResourceNotFoundException", http_status=400)
        return raw(job_id, states[job_id])

    def list_jobs(self):
        return [raw(job_id, state) for job_id, state in self._answer("list").items()]

    def location(self):
        return "in region us-east-1"

    def location_key(self):
        return WHERE


class Stop(Exception):
    pass


def drive(monkeypatch, clock, *, max_sleeps=50, blocking=None, before_poll=None):
    """Run the loop on a fake clock: sleeps advance it (and end the run after ``max_sleeps``), the source's idle
    end is recorded, jitter takes the top of its range, blocking calls run inline unless ``blocking`` is given."""

    async def sleep(seconds):
        await clock.pause(seconds)
        if len(clock.sleeps) >= max_sleeps:
            raise Stop()

    async def idle():
        clock.sleeps.append("idle")

    async def each_call(func, *args):
        if before_poll is not None and func in (w.poll_ids, w.poll_list):
            before_poll()
        if blocking is not None:
            return await blocking(func, *args)
        return func(*args)

    monkeypatch.setattr(w, "_deadline", lambda: Deadline(clock=clock.monotonic, async_sleep=sleep))
    monkeypatch.setattr(w, "_blocking", each_call)
    monkeypatch.setattr(w, "_idle", idle)
    monkeypatch.setattr(w, "_uniform", lambda low, high: high)


def run_watch(monkeypatch, settings, clock, *, max_sleeps=50, blocking=None):
    queue = ListQueue()
    source = settings.connect()
    drive(monkeypatch, clock, max_sleeps=max_sleeps, blocking=blocking, before_poll=source.advance)
    try:
        asyncio.run(w.watch(queue, settings))
    except Stop:
        pass
    return queue.events


def settings(source, ids=None, **kwargs):
    return w.Watch(kind=KIND, connect=lambda: source, ids=ids, interval=5, **kwargs)


def throttled(retry_after=None):
    err = JobGateError("AWS throttled the requests to list Backup report jobs", code="ThrottlingException",
                       http_status=429, retryable=True)
    err.retry_after = retry_after
    return err


def test_watch_ids_one_event_per_job_and_then_idles(monkeypatch):
    clock = Clock(0.0)
    source = ScriptedSource([[("a", "running")], [("a", "succeeded")]], clock=clock, poll_seconds=1.5)
    events = run_watch(monkeypatch, settings(source, ids=["a"]), clock)
    assert seen(events) == [("a", "running", "succeeded")]
    # a poll taking 1.5 s still starts the next one `interval` after the previous start
    assert clock.sleeps == [3.5, "idle"]
    assert source.calls == ["a", "a"]


def test_watch_logs_its_filters_and_a_first_seen_job(monkeypatch, caplog):
    clock = Clock(0.0)
    source = ScriptedSource([[("a", "running")], [("a", "succeeded")]], clock=clock)
    caplog.set_level(logging.INFO, logger=w.log.name)
    run_watch(monkeypatch, settings(source, emit="transitions", filters={"status": "RUNNING"}), clock, max_sleeps=2)
    lines = [r.getMessage() for r in caplog.records]
    assert any("watching every listed job with status=RUNNING of kind" in line for line in lines), lines
    assert any("job a first seen running (uuid " in line for line in lines), lines
    assert any("job a running -> succeeded (uuid " in line for line in lines), lines
    assert not any("None" in line for line in lines), lines


def test_watch_rides_through_throttling_with_growing_pauses_and_comes_back(monkeypatch):
    clock = Clock(0.0)
    steps = [[("a", "running")], throttled(), throttled(retry_after=30), throttled(), [("a", "running")],
             [("a", "running")], [("a", "succeeded")]]
    source = ScriptedSource(steps)
    events = run_watch(monkeypatch, settings(source, ids=["a"]), clock)
    assert seen(events) == [("a", "running", "succeeded")]
    # interval, then 10 and 30 (Retry-After beats the 20 s backoff) and 40, then the interval again
    assert clock.sleeps == [5, 10, 30, 40, 5, 5, "idle"]


def test_watch_list_mode_picks_up_new_jobs(monkeypatch):
    clock = Clock(0.0)
    source = ScriptedSource([[("old", "succeeded")], [("old", "succeeded"), ("new", "running")],
                             [("old", "succeeded"), ("new", "failed")], [("old", "succeeded"), ("new", "failed")]])
    events = run_watch(monkeypatch, settings(source, on_start="skip"), clock, max_sleeps=4)
    assert seen(events) == [("new", "running", "failed")]
    assert source.calls == ["list"] * 4


@pytest.mark.parametrize("code, retryable", [("AccessDeniedException", False), ("InvalidSignatureException", False),
                                             ("ValidationError", False)])
def test_watch_ends_at_once_on_errors_that_do_not_go_away(monkeypatch, code, retryable):
    clock = Clock(0.0)
    err = JobGateError("Access denied when trying to list Backup report jobs (key AKIASECRETVALUE)", code=code,
                       http_status=403, retryable=retryable)
    source = ScriptedSource([[("a", "running")], err])
    with pytest.raises(JobGateError) as caught:
        run_watch(monkeypatch, settings(source, secrets=("AKIASECRETVALUE",)), clock)
    text = str(caught.value)
    assert text.startswith("jobgate.cloud.job_status (backup_report) stopped: Access denied")
    assert f"[{code}]" in text and "AKIASECRETVALUE" not in text and "\n" not in text
    assert clock.sleeps == [5]


def test_watch_not_found_at_start_ends_the_source(monkeypatch):
    clock = Clock(0.0)
    source = ScriptedSource([[("a", "running")]])
    with pytest.raises(JobGateError) as caught:
        run_watch(monkeypatch, settings(source, ids=["a", "typo"]), clock)
    assert "typo was not found" in str(caught.value)


def test_watch_a_job_that_vanishes_later_is_dropped_and_the_rest_goes_on(monkeypatch):
    clock = Clock(0.0)
    # poll 1 answers both; in poll 2 "b" is gone: the joint fetch fails, then each id is asked on its own
    source = ScriptedSource([[("a", "running"), ("b", "running")], [("a", "running")], [("a", "succeeded")]])
    events = run_watch(monkeypatch, settings(source, ids=["a", "b"]), clock)
    assert seen(events) == [("a", "running", "succeeded")]
    assert sorted(source.calls[:4]) == ["a", "a", "b", "b"] and source.calls[4:] == ["a", "b", "a"]


def test_watch_runs_the_blocking_calls_in_threads(monkeypatch):
    clock = Clock(0.0)
    source = ScriptedSource([[("a", "running")], [("a", "succeeded")]])
    main_thread = threading.get_ident()
    run_watch(monkeypatch, settings(source, ids=["a"]), clock, blocking=w.run_blocking)
    assert source.threads and main_thread not in source.threads


def test_run_blocking_bounds_concurrency():
    active, peak = [0], [0]
    lock = threading.Lock()
    release = threading.Event()

    def work():
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        release.wait(2)
        with lock:
            active[0] -= 1

    async def main():
        tasks = [asyncio.ensure_future(w.run_blocking(work)) for _n in range(w.MAX_BLOCKING + 3)]
        await asyncio.sleep(0.3)
        release.set()
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert peak[0] == w.MAX_BLOCKING


def test_watch_rides_through_a_failing_connect(monkeypatch):
    clock = Clock(0.0)
    source = ScriptedSource([[("a", "succeeded")]])
    attempts = []

    def connect():
        attempts.append(clock.now)
        if len(attempts) < 3:
            raise JobGateError("Could not read the cloud metadata document", code="ConnectionError", retryable=True)
        return source

    queue = ListQueue()
    drive(monkeypatch, clock, before_poll=source.advance)
    asyncio.run(w.watch(queue, w.Watch(kind=KIND, connect=connect, ids=["a"], interval=5)))
    assert attempts == [0, 10, 30] and seen(queue.events) == [("a", None, "succeeded")]


def test_watch_ends_when_connecting_is_refused(monkeypatch):
    def connect():
        raise JobGateError("Sign-in with a user name and password is not supported", code="ValidationError")

    drive(monkeypatch, Clock(0.0))
    with pytest.raises(JobGateError, match=r"^jobgate.cloud.job_status \(backup_report\) stopped: Sign-in"):
        asyncio.run(w.watch(ListQueue(), w.Watch(kind=KIND, connect=connect, ids=None, interval=5)))


def test_window_covers_open_jobs_and_the_newest_and_never_moves_back():
    def listed(*jobs):
        out = []
        for job_id, state, created in jobs:
            r = raw(job_id, state, created=created)
            out.append((job_entry(KIND, r), r))
        return out

    tracker = w.Tracker(KIND, WHERE)
    assert tracker.window() is None  # nothing listed yet: the whole list
    tracker.observe(listed(("old", "succeeded", 1000), ("a", "running", 2000), ("b", "succeeded", 3000)), complete=True)
    assert tracker.window().timestamp() == 2000  # the open job's creation
    tracker.observe(listed(("a", "succeeded", 2000), ("b", "succeeded", 3000)), complete=True)
    assert tracker.window().timestamp() == 3000  # nothing open: the newest job seen
    tracker.observe(listed(("b", "succeeded", 3000), ("late", "running", 2500)), complete=True)
    assert tracker.window().timestamp() == 3000  # an older job showing up late does not move it back


def test_watch_list_mode_hands_the_window_and_the_finished_ids_to_the_source(monkeypatch):
    calls = []

    class Windowed(ScriptedSource):
        def list_since(self, since=None, known=()):
            calls.append((since.timestamp() if since else None, sorted(known)))
            return super().list_since(since, known)

    clock = Clock(0.0)
    source = Windowed([[("old", "succeeded")], [("old", "succeeded"), ("new", "running")]])
    run_watch(monkeypatch, settings(source), clock, max_sleeps=2)
    assert calls == [(None, []), (1_700_000_000, ["old"])]
