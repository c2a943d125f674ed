"""With wait, a retryable error on the first look (throttling that outlasts the client's retries) is ridden through
like one while polling; without wait, or when not retryable, it fails at once."""
from __future__ import annotations

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._core import result as core_result
from ansible_collections.jobgate.cloud.plugins.module_utils._core import source as core_source
from ansible_collections.jobgate.cloud.plugins.module_utils._core import waiter as core_waiter
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input


class Source(core_source.JobSource):
    provider = "panorama_device"
    id_label = "Panorama device job"

    def __init__(self, failures):
        self.failures = list(failures)
        self.calls = 0

    def describe(self, job_id):
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return {"JobId": job_id, "Status": "COMPLETED"}

    def list_jobs(self):
        return []

    def location(self):
        return "in region r"


def throttled():
    return JobGateError("throttled", code="ThrottlingException", http_status=429, retryable=True)


@pytest.fixture
def clock(monkeypatch):
    now = [0.0]
    slept = []
    monkeypatch.setattr(core_waiter, "_monotonic", lambda: now[0])

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(core_waiter, "_sleep", sleep)
    return slept


def test_wait_rides_through_a_throttled_first_look(clock):
    source = Source([throttled(), throttled()])
    out = core_result.collect(source, ["j1"], {"wait": True, "wait_timeout": 60, "wait_sleep": 1})
    assert out["job"]["normalized"]["state"] == "succeeded" and source.calls == 3
    assert clock == [1.0, 2.0]


def test_without_wait_the_first_error_fails(clock):
    with pytest.raises(JobGateError) as info:
        core_result.collect(Source([throttled()]), ["j1"], {"wait": False})
    assert info.value.code == "ThrottlingException" and clock == []


def test_non_retryable_first_error_fails_at_once(clock):
    with pytest.raises(JobGateError) as info:
        core_result.collect(Source([bad_input("nope")]), ["j1"], {"wait": True, "wait_timeout": 60, "wait_sleep": 1})
    assert info.value.code == "ValidationError" and clock == []


def test_retryable_first_errors_end_at_the_wait_timeout(clock):
    source = Source([throttled() for _unused in range(100)])
    with pytest.raises(JobGateError) as info:
        core_result.collect(source, ["j1"], {"wait": True, "wait_timeout": 10, "wait_sleep": 1})
    assert info.value.code == "ThrottlingException" and sum(clock) <= 10
