# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import sys
import threading

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._core import waiter as core_waiter
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import run_module
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Report
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource, fetch_many, select_ids
from ansible_collections.jobgate.cloud.plugins.module_utils._core.waiter import WAIT_ARG_SPEC, wait_for

from aws_fakes import collect as collect_report  # tests/unit/plugins/module_utils/aws_fakes.py
import fake_clock  # tests/unit/plugins/module_utils/fake_clock.py
from fake_clock import deadline_for


@pytest.fixture
def clock(running_clock):
    # Deterministic "jitter": the top of the allowed range, so the caps are what the test sees.
    return running_clock(1000.0, jitter="high")


def report_for(source, given):
    """The report a module would make for these params: the fake clock's deadline when the test has one."""
    return Report(source, deadline_for(given), given)


def collect(source, ids, given):
    return collect_report(report_for(source, given), ids)


class FakeSource(JobSource):
    """Backup-report shaped jobs whose statuses follow a script, one step per describe."""

    provider = "backup_report"
    id_label = "Backup report job"

    def __init__(self, scripts=None, listed=None, errors=None):
        self.scripts = {k: list(v) for k, v in (scripts or {}).items()}
        self.listed = listed or []
        self.errors = errors or {}
        self.calls = []
        self.list_calls = 0
        self.lock = threading.Lock()

    def describe(self, job_id):
        with self.lock:
            self.calls.append(job_id)
        err = self.errors.get(job_id)
        if err is not None:
            if isinstance(err, list):
                if err:
                    raise err.pop(0)
            else:
                raise err
        script = self.scripts[job_id]
        status = script.pop(0) if len(script) > 1 else script[0]
        return {"ReportJobId": job_id, "Status": status, "StatusMessage": f"{job_id} is {status}"}

    def list_jobs(self):
        self.list_calls += 1
        return [{"ReportJobId": j, "Status": s} for j, s in self.listed]

    def location(self):
        return "in region eu-west-1"


def params(**kw):
    base = {"wait": False, "wait_timeout": 1800, "wait_sleep": 5}
    base.update(kw)
    return base


# ------------------------------------------------------------------------------------------------ arg spec
def test_wait_arg_spec_matches_contract():
    assert WAIT_ARG_SPEC == {"wait": {"type": "bool", "default": False},
                             "wait_timeout": {"type": "int", "default": 1800},
                             "wait_sleep": {"type": "int", "default": 5}}


# ------------------------------------------------------------------------------------------------ select_ids
def test_select_ids_modes():
    assert select_ids({"job_id": "a", "job_ids": None}, "job_id", "job_ids") == ["a"]
    assert select_ids({"job_id": None, "job_ids": ["a", "b", "a"]}, "job_id", "job_ids") == ["a", "b"]
    assert select_ids({"job_id": None, "job_ids": None}, "job_id", "job_ids") is None
    assert select_ids({}, "job_name", "job_names") is None


@pytest.mark.parametrize("given", [
    {"job_id": "a", "job_ids": ["b"]},
    {"job_id": "a", "job_ids": []},
    {"job_ids": []},
    {"job_id": ""},
    {"job_ids": ["a", ""]},
    {"job_ids": ["a", None]},
])
def test_select_ids_rejects(given):
    with pytest.raises(JobGateError) as info:
        select_ids(given, "job_id", "job_ids")
    assert info.value.code == "ValidationError"
    assert info.value.retryable is False


def test_select_ids_both_names_options():
    with pytest.raises(JobGateError) as info:
        select_ids({"report_job_id": "a", "job_ids": ["b"]}, "report_job_id", "job_ids")
    assert "report_job_id" in info.value.msg and "job_ids" in info.value.msg


# ------------------------------------------------------------------------------------------------ fetch_many
def test_fetch_many_keeps_order_and_is_concurrent():
    ids = [f"j{i}" for i in range(20)]
    barrier = threading.Barrier(4, timeout=5)

    class Slow(FakeSource):
        def describe(self, job_id):
            if job_id in ids[:4]:
                barrier.wait()  # the first four only get through together: proves they ran at once
            return super().describe(job_id)

    source = Slow({i: ["RUNNING"] for i in ids})
    raws = fetch_many(source, ids)
    assert [r["ReportJobId"] for r in raws] == ids
    assert sorted(source.calls) == sorted(ids)


def test_fetch_many_is_bounded():
    ids = [f"j{i}" for i in range(12)]
    active = []
    peak = []
    lock = threading.Lock()
    gate = threading.Event()

    class Counting(FakeSource):
        def describe(self, job_id):
            with lock:
                active.append(job_id)
                peak.append(len(active))
                if len(active) >= 3:
                    gate.set()
            gate.wait(5)
            with lock:
                active.remove(job_id)
            return super().describe(job_id)

    fetch_many(Counting({i: ["CREATED"] for i in ids}), ids, max_workers=3)
    assert max(peak) == 3


def test_fetch_many_raises_first_error_by_order():
    first = JobGateError("Backup report job b not found in region eu-west-1.", code="ReportJobNotFound")
    second = JobGateError("Backup report job d not found in region eu-west-1.", code="ReportJobNotFound")
    source = FakeSource({k: ["RUNNING"] for k in "abcde"}, errors={"d": second, "b": first})
    with pytest.raises(JobGateError) as info:
        fetch_many(source, list("abcde"))
    assert info.value is first


def test_fetch_many_single_and_empty():
    source = FakeSource({"a": ["RUNNING"]})
    assert fetch_many(source, []) == []
    assert fetch_many(source, ["a"])[0]["ReportJobId"] == "a"


# ------------------------------------------------------------------------------------------------ run_jobs
def test_collect_single_id_has_job():
    source = FakeSource({"a": ["RUNNING"]})
    result = collect(source, ["a"], params())
    assert result["changed"] is False
    assert result["job"] is result["jobs"][0]
    assert result["job"]["report_job_id"] == "a"
    assert result["summary"]["running"] == 1
    assert "elapsed" not in result


def test_collect_many_ids_no_job_key():
    source = FakeSource({"a": ["RUNNING"], "b": ["COMPLETED"]})
    result = collect(source, ["a", "b"], params())
    assert "job" not in result
    assert [j["normalized"]["job_id"] for j in result["jobs"]] == ["a", "b"]
    assert result["summary"]["total"] == 2


def test_collect_list_mode():
    source = FakeSource(listed=[("x", "COMPLETED"), ("y", "FAILED")])
    result = collect(source, None, params())
    assert source.list_calls == 1 and source.calls == []
    assert "job" not in result
    assert result["summary"]["any_failed"] is True and result["summary"]["all_terminal"] is True


def test_collect_waits(clock):
    source = FakeSource({"a": ["CREATED", "RUNNING", "COMPLETED"], "b": ["RUNNING", "FAILED"]})
    result = collect(source, ["a", "b"], params(wait=True, wait_sleep=5))
    assert [j["normalized"]["state"] for j in result["jobs"]] == ["succeeded", "failed"]
    assert result["summary"]["all_terminal"] is True and result["summary"]["any_failed"] is True
    assert result["elapsed"] == round(sum(clock.sleeps), 1)
    # b finished at the first poll and was not asked about again.
    assert source.calls.count("b") == 2
    assert source.calls.count("a") == 3


def test_collect_waits_in_list_mode(clock):
    source = FakeSource({"y": ["COMPLETED"]}, listed=[("x", "COMPLETED"), ("y", "RUNNING")])
    result = collect(source, None, params(wait=True))
    assert source.calls == ["y"]
    assert result["summary"]["all_succeeded"] is True


def test_collect_wait_already_terminal_does_not_sleep(clock):
    source = FakeSource({"a": ["COMPLETED"]})
    result = collect(source, ["a"], params(wait=True))
    assert clock.sleeps == []
    assert result["elapsed"] == 0.0
    assert source.calls == ["a"]


# ------------------------------------------------------------------------------------------------ wait_for
def _entries(source, ids, clock=None, timeout=None):
    """The jobs of ids as first read, in a report on the test's fake clock with a deadline of timeout s."""
    fake = clock or fake_clock.RUNNING[0]
    report = Report(source, fake.deadline(timeout), params(wait=True))
    report.seen(fetch_many(source, ids), ids)
    return report


def test_wait_backoff_doubles_and_caps_at_60(clock):
    source = FakeSource({"a": ["RUNNING"] * 9 + ["COMPLETED"]})
    entries = _entries(source, ["a"], timeout=10000)
    entries, elapsed = wait_for(entries, ["a"], sleep=5)
    assert clock.sleeps == [5, 10, 20, 40, 60, 60, 60, 60, 60]
    assert elapsed == 375.0
    assert entries[0]["normalized"]["state"] == "succeeded"


def test_wait_jitter_stays_between_floor_and_ceiling(monkeypatch, clock):
    seen = []

    def uniform(low, high):
        seen.append((low, high))
        return low

    monkeypatch.setattr(core_waiter, "_uniform", uniform)
    source = FakeSource({"a": ["RUNNING"] * 4 + ["COMPLETED"]})
    wait_for(_entries(source, ["a"], timeout=10000), ["a"], sleep=3)
    assert seen == [(3, 6), (3, 12), (3, 24)]
    assert clock.sleeps == [3, 3, 3, 3]


def test_wait_sleep_above_cap(clock):
    source = FakeSource({"a": ["RUNNING", "RUNNING", "COMPLETED"]})
    wait_for(_entries(source, ["a"], timeout=10000), ["a"], sleep=90)
    assert clock.sleeps == [60, 60]


def test_wait_timeout_names_open_jobs(clock):
    source = FakeSource({"a": ["RUNNING"], "b": ["COMPLETED"], "c": ["CREATED"]})
    entries = _entries(source, ["a", "b", "c"], timeout=30)
    with pytest.raises(JobGateError) as info:
        wait_for(entries, ["a", "b", "c"], sleep=5)
    err = info.value
    returned = entries.failure(err)
    assert err.code == "WaitTimeout"
    assert err.retryable is True
    # as the role's timeout line reads: ID STATE (NATIVE, PERCENT%), the budget, how many of how many
    assert "a running (RUNNING), c pending (CREATED)." in err.msg
    assert err.msg.startswith("Timed out after ") and "s (wait_timeout=30) waiting for 2 of 3 " in err.msg
    assert "b " not in err.msg
    assert "in region eu-west-1" in err.msg
    assert "Backup report job" in err.msg
    # The last pause is cut to the time left, and one last poll happens at the deadline.
    assert clock.sleeps == [5, 10, 15]
    assert sum(clock.sleeps) == 30
    assert returned["elapsed"] == 30.0
    assert [j["normalized"]["job_id"] for j in returned["jobs"]] == ["a", "b", "c"]
    assert returned["summary"]["total"] == 3 and returned["summary"]["succeeded"] == 1
    assert "b" not in source.calls[3:]  # only open jobs polled


def test_wait_keeps_going_through_retryable_errors(clock):
    throttled = JobGateError("Throttled.", code="ThrottlingException", retryable=True)
    source = FakeSource({"a": ["RUNNING", "RUNNING", "COMPLETED"]}, errors={"a": []})
    entries = _entries(source, ["a"], timeout=1000)
    source.errors["a"] = [throttled]
    entries, elapsed = wait_for(entries, ["a"], sleep=5)
    assert entries[0]["normalized"]["state"] == "succeeded"
    assert elapsed == round(sum(clock.sleeps), 1)
    assert source.calls.count("a") == 4  # first fetch, throttled poll, two polls


def test_wait_stops_on_non_retryable_error(clock):
    gone = JobGateError("Backup report job a not found in region eu-west-1.", code="ReportJobNotFound")
    source = FakeSource({"a": ["RUNNING"]})
    entries = _entries(source, ["a"], timeout=1000)
    source.errors["a"] = gone
    with pytest.raises(JobGateError) as info:
        wait_for(entries, ["a"], sleep=5)
    assert info.value is gone
    assert clock.sleeps == [5]
    assert entries.failure(info.value)["jobs"][0]["normalized"]["state"] == "running"


def test_collect_timeout_returns_jobs_summary_elapsed(clock):
    source = FakeSource({"a": ["RUNNING"]})
    report = report_for(source, params(wait=True, wait_timeout=12, wait_sleep=5))
    with pytest.raises(JobGateError) as info:
        collect_report(report, ["a"])
    result = report.failure(info.value)
    assert set(result) >= {"jobs", "summary", "elapsed"}
    assert result["elapsed"] == 12.0
    assert result["job"]["normalized"]["job_id"] == "a"


# ------------------------------------------------------------------------------------------------ run_module
class Exited(Exception):
    pass


class FakeModule:
    def __init__(self):
        self.params: dict = {}   # run_module checks the wait options in them
        self.exits = []
        self.fails = []

    def exit_json(self, **kw):
        self.exits.append(kw)
        raise Exited()

    def fail_json(self, **kw):
        self.fails.append(kw)
        raise Exited()


def test_run_module_exit():
    module = FakeModule()
    with pytest.raises(Exited):
        run_module(module, lambda m: {"changed": False, "jobs": []})
    assert module.exits == [{"changed": False, "jobs": []}]
    assert module.fails == []


def test_run_module_turns_error_into_one_fail_json():
    module = FakeModule()
    err = JobGateError("Timed out after 12 s waiting for 1 job.", code="WaitTimeout", retryable=True,
                       result={"jobs": [1], "summary": {"total": 1}, "elapsed": 12.0, "msg": "ignored"})

    def handler(_module):
        raise err

    with pytest.raises(Exited):
        run_module(module, handler)
    assert module.exits == []
    assert len(module.fails) == 1
    failed = module.fails[0]
    assert failed["msg"] == "Timed out after 12 s waiting for 1 job."
    assert failed["error"] == {"code": "WaitTimeout", "message": "Timed out after 12 s waiting for 1 job.",
                               "http_status": None, "retryable": True}
    assert failed["jobs"] == [1] and failed["elapsed"] == 12.0 and failed["changed"] is False


def test_run_module_fails_outside_the_except_block_so_no_traceback_is_attached():
    # ansible-core 2.18's fail_json adds the active exception's traceback (source lines, at -vvv) as `exception`.
    seen: list = []

    class Watching(FakeModule):
        def fail_json(self, **kw):
            seen.append(sys.exc_info()[0])
            super().fail_json(**kw)

    module = Watching()

    def handler(_module):
        raise JobGateError("Could not get an Azure access token.", code="ConnectionError", retryable=True)

    with pytest.raises(Exited):
        run_module(module, handler)
    assert seen == [None] and "exception" not in module.fails[0]
    assert module.fails[0]["msg"] == "Could not get an Azure access token." and module.fails[0]["error"]["retryable"]


def test_run_module_bad_input():
    module = FakeModule()

    def handler(_module):
        raise bad_input("Options job_id and job_ids are mutually exclusive.")

    with pytest.raises(Exited):
        run_module(module, handler)
    assert module.fails[0]["error"]["code"] == "ValidationError"


def test_run_module_unexpected_error_is_a_readable_failure():
    module = FakeModule()

    def handler(_module):
        raise KeyError("bug")

    with pytest.raises(Exited):
        run_module(module, handler)
    assert module.exits == []
    assert len(module.fails) == 1
    failed = module.fails[0]
    assert "KeyError" in failed["msg"] and "bug" in failed["msg"]
    assert failed["error"]["code"] == "InternalError" and failed["error"]["retryable"] is False
    assert "Traceback" in failed["exception"]


def test_run_module_real_fail_json_semantics():
    # A module whose fail_json returns (as a mock might) must still not also exit.
    calls = []

    class Quiet:
        def exit_json(self, **kw):
            calls.append(("exit", kw))

        def fail_json(self, **kw):
            calls.append(("fail", kw))

    def handler(_module):
        raise bad_input("x")

    run_module(Quiet(), handler)
    assert [c[0] for c in calls] == ["fail"]
