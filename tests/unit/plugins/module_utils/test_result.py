"""The one result builder (Report) and the module run that fails with it: what every result and failure holds."""
from __future__ import annotations

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import ModuleRun, run_module
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Report, failure_result
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource

from aws_fakes import collect  # tests/unit/plugins/module_utils/aws_fakes.py
from fake_clock import Clock  # tests/unit/plugins/module_utils/fake_clock.py

NO_WAIT = {"wait": False, "wait_timeout": 1800, "wait_sleep": 5}
WAIT = {"wait": True, "wait_timeout": 30, "wait_sleep": 5}


class Source(JobSource):
    provider = "panorama_device"
    id_label = "Panorama device job"

    def __init__(self, statuses=None, error=None):
        self.statuses = statuses or {}
        self.error = error

    def describe(self, job_id):
        if self.error is not None:
            raise self.error
        return {"JobId": job_id, "Status": self.statuses.get(job_id, "COMPLETED")}

    def list_jobs(self):
        return [self.describe(job_id) for job_id in self.statuses]

    def location(self):
        return "in region us-east-1"


def report(source, params=None, clock=None, **kwargs):
    params = NO_WAIT if params is None else params
    clock = clock or Clock(0.0)
    return Report(source, Deadline.for_params(params, clock=clock, sleep=clock.sleep), params, **kwargs)


# ------------------------------------------------------------------------------------------------ success
def test_info_result_by_id_has_job_and_no_elapsed_without_wait():
    out = collect(report(Source({"a": "COMPLETED"})), ["a"])
    assert out["changed"] is False and out["job"] is out["jobs"][0] and out["summary"]["succeeded"] == 1
    assert "elapsed" not in out and "would_start" not in out and "started_job_ids" not in out


def test_list_mode_never_has_job_even_for_one_listed():
    out = collect(report(Source({"a": "COMPLETED"})), None)
    assert len(out["jobs"]) == 1 and "job" not in out


def test_elapsed_counts_from_the_start_of_the_run_with_wait():
    clock = Clock(0.0)
    made = report(Source({"a": "COMPLETED"}), WAIT, clock)
    clock.now += 2.25   # e.g. client creation before the first request
    assert collect(made, ["a"])["elapsed"] == 2.2


def test_start_result_carries_changed_and_extra():
    made = report(Source({"j1": "PENDING", "j2": "COMPLETED"}), extra={"unchanged_devices": ["d3"]})
    made.started(["j1"])
    out = collect(made, ["j1", "j2"])
    assert out["changed"] is True and out["unchanged_devices"] == ["d3"] and "job" not in out
    assert [job["normalized"]["job_id"] for job in out["jobs"]] == ["j1", "j2"]


def test_check_mode_result():
    made = report(Source(), WAIT)
    out = made.check_mode([{"device_id": "d1"}])
    assert out == {"changed": True, "would_start": [{"device_id": "d1"}], "jobs": [], "elapsed": 0.0,
                   "summary": out["summary"]} and out["summary"]["total"] == 0
    found = report(Source()).check_mode([], [{"JobId": "j9", "Status": "PENDING"}])
    assert found["changed"] is False and found["job"]["job_id"] == "j9"


# ------------------------------------------------------------------------------------------------ failure
def test_a_failure_before_any_read_returns_no_jobs():
    made = report(Source(error=JobGateError("Panorama device job a was not found.", code="NotFound")), WAIT)
    with pytest.raises(JobGateError) as info:
        collect(made, ["a"])
    out = made.failure(info.value)
    assert out["msg"] == "Panorama device job a was not found." and out["error"]["code"] == "NotFound"
    assert out["changed"] is False and "jobs" not in out and out["elapsed"] == 0.0


def test_a_failure_after_a_read_returns_the_jobs_as_last_seen():
    clock = Clock(0.0)
    made = report(Source({"a": "IN_PROGRESS"}), {"wait": True, "wait_timeout": 12, "wait_sleep": 5}, clock)
    with pytest.raises(JobGateError) as info:
        collect(made, ["a"])
    out = made.failure(info.value)
    assert out["error"]["code"] == "WaitTimeout" and out["elapsed"] == 12.0
    assert out["job"]["normalized"]["state"] == "running" and out["summary"]["running"] == 1


def test_started_jobs_are_returned_even_when_they_cannot_be_read():
    made = report(Source(error=JobGateError("throttled", code="ThrottlingException", retryable=True)))
    err = made.started_failure(JobGateError("Could not start a job for d2.", code="ValidationException"), ["j1"])
    out = made.failure(err)
    assert out["changed"] is True and out["started_job_ids"] == ["j1"] and out["jobs"] == []
    assert "Could not start a job for d2." in out["msg"] and "j1" in out["msg"] and "in region us-east-1" in out["msg"]
    assert out["error"]["code"] == "ValidationException"


def test_an_error_is_never_edited_and_its_own_extra_keys_come_last():
    err = JobGateError("Boom.", code="X", result={"msg": "not this", "error": "nor this", "hint": "kept"})
    made = report(Source({"a": "COMPLETED"}))
    collect(made, ["a"])
    out = made.failure(err)
    assert out["msg"] == "Boom." and out["error"]["code"] == "X" and out["hint"] == "kept" and out["jobs"]
    assert err.msg == "Boom." and err.result == {"msg": "not this", "error": "nor this", "hint": "kept"}
    assert failure_result(err) == {"changed": False, "hint": "kept", "msg": "Boom.", "error": err.error_block()}


def test_with_msg_is_a_new_error_with_the_same_block():
    err = JobGateError("Short.", code="ConflictException", message="API words", http_status=409, attempts=2)
    told = err.with_msg("Longer, and says what to do.")
    assert told is not err and err.msg == "Short."
    assert told.error_block() == err.error_block() and told.attempts == 2


# ------------------------------------------------------------------------------------------------ run_module
class Module(ModuleRun):
    def __init__(self, params=None):
        self.params = dict(WAIT if params is None else params)
        self.check_mode = False
        self.clock = Clock(0.0)
        self.deadline = Deadline.for_params(self.params, clock=self.clock, sleep=self.clock.sleep)
        self.exits: list = []
        self.fails: list = []

    def exit_json(self, **kwargs):
        self.exits.append(kwargs)

    def fail_json(self, **kwargs):
        self.fails.append(kwargs)


def test_run_module_fails_with_what_the_report_saw():
    module = Module({"wait": True, "wait_timeout": 7, "wait_sleep": 5})

    def handler(mod):
        return collect(mod.report(Source({"a": "IN_PROGRESS"})), ["a"])

    run_module(module, handler)
    failed = module.fails[0]
    assert module.exits == [] and failed["error"]["code"] == "WaitTimeout" and failed["elapsed"] == 7.0
    assert failed["job"]["normalized"]["job_id"] == "a"


def test_run_module_failure_before_any_report_still_has_elapsed_with_wait():
    module = Module()
    module.clock.now += 0.4

    def handler(_mod):
        raise bad_input("Option job_id is not a Panorama job id.")

    run_module(module, handler)
    assert module.fails[0]["elapsed"] == 0.4 and module.fails[0]["error"]["code"] == "ValidationError"
    module = Module(NO_WAIT)
    run_module(module, handler)
    assert "elapsed" not in module.fails[0]


def test_a_start_with_nothing_left_to_do_opens_the_gate_and_an_empty_info_result_does_not():
    start = collect(report(Source(), start=True, extra={"unchanged_devices": ["d1"]}), [])
    assert start["summary"]["all_succeeded"] is True and start["summary"]["all_terminal"] is True
    assert collect(report(Source()), None)["summary"]["all_succeeded"] is False
    would = report(Source(), start=True).check_mode([{"device_id": "d1"}])
    assert would["summary"]["all_succeeded"] is False
