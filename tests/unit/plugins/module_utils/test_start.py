"""The shared start flow: token digests, result shapes, check mode, waiting, and retries of create calls."""
from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from ansible_collections.jobgate.cloud.plugins.module_utils._aws import client as aws_client
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AwsSettings
from ansible_collections.jobgate.cloud.plugins.module_utils._core import result as core_result
from ansible_collections.jobgate.cloud.plugins.module_utils._core import start as core_start
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource

from aws_fakes import collect  # tests/unit/plugins/module_utils/aws_fakes.py
from fake_clock import deadline_for  # tests/unit/plugins/module_utils/fake_clock.py

CLIENT_TOKEN = re.compile(r"^[a-zA-Z0-9\-\_]+$")


# ------------------------------------------------------------------------------------------------ token digest
def test_token_digest_is_stable_and_independent_of_key_order():
    a = core_start.token_digest({"JobType": "X", "InputConfig": {"b": 1, "a": [1, 2]}})
    b = core_start.token_digest({"InputConfig": {"a": [1, 2], "b": 1}, "JobType": "X"})
    assert a == b
    assert a.startswith("jobgate-") and len(a) == 64 and CLIENT_TOKEN.match(a)


def test_token_digest_changes_with_any_input():
    base = {"JobType": "X", "OutputConfig": {"PackageVersion": "1.0"}}
    other = {"JobType": "X", "OutputConfig": {"PackageVersion": "1.1"}}
    assert core_start.token_digest(base) != core_start.token_digest(other)
    assert core_start.token_digest(base) != core_start.token_digest(dict(base, JobTags=[]))


def test_token_digest_respects_max_len():
    assert len(core_start.token_digest({"a": 1}, prefix="p-", max_len=10)) == 10


# ------------------------------------------------------------------------------------------------ results
class Source(JobSource):
    """Device-job-shaped jobs whose status advances one step per describe."""

    provider = "panorama_device"
    id_label = "Panorama device job"

    def __init__(self, statuses: dict) -> None:
        self.statuses = {k: list(v) for k, v in statuses.items()}
        self.calls: list = []

    def describe(self, job_id):
        self.calls.append(job_id)
        seq = self.statuses[job_id]
        status = seq.pop(0) if len(seq) > 1 else seq[0]
        return {"JobId": job_id, "Status": status, "JobType": "OTA", "DeviceId": "d-" + job_id}

    def location(self):
        return "in region us-east-1"


@pytest.fixture
def fast_clock(running_clock):
    return running_clock(0.0, jitter="low")


def report(source, params, changed=False, extra=None):
    """The report a start module makes, on the fast clock when the test has it."""
    return core_result.Report(source, deadline_for(params), params, changed=changed, extra=extra, start=True)


def finish(source, ids, *, changed, params, extra=None, into=None):
    made = report(source, params, changed, extra)
    if into is not None:
        into.append(made)
    return collect(made, ids)


def test_finish_returns_the_info_shape_with_changed_and_extra():
    source = Source({"j1": ["PENDING"], "j2": ["COMPLETED"]})
    out = finish(source, ["j1", "j2"], changed=True, params={"wait": False}, extra={"unchanged_devices": ["x"]})
    assert out["changed"] is True and out["unchanged_devices"] == ["x"]
    assert [j["job_id"] for j in out["jobs"]] == ["j1", "j2"]
    assert out["summary"]["total"] == 2 and out["summary"]["pending"] == 1 and out["summary"]["succeeded"] == 1
    assert "job" not in out and "elapsed" not in out


def test_finish_with_one_job_has_job_and_waits(fast_clock):
    source = Source({"j1": ["PENDING", "DOWNLOADING", "COMPLETED"]})
    out = finish(source, ["j1"], changed=False, params={"wait": True, "wait_timeout": 100, "wait_sleep": 5})
    assert out["changed"] is False
    assert out["job"]["status"] == "COMPLETED" and out["jobs"] == [out["job"]]
    assert out["elapsed"] > 0 and source.calls == ["j1", "j1", "j1"]


def test_wait_timeout_after_a_start_still_says_changed(fast_clock):
    source = Source({"j1": ["PENDING"]})
    made: list = []
    with pytest.raises(JobGateError) as err:
        finish(source, ["j1"], changed=True, params={"wait": True, "wait_timeout": 10, "wait_sleep": 5},
               extra={"unchanged_devices": []}, into=made)
    assert err.value.code == "WaitTimeout"
    returned = made[0].failure(err.value)
    assert returned["changed"] is True and returned["job"]["job_id"] == "j1"
    assert returned["unchanged_devices"] == []


def test_nothing_to_return_with_wait_is_an_empty_result():
    out = finish(Source({}), [], changed=False, params={"wait": True})
    assert out["jobs"] == [] and out["summary"]["total"] == 0 and out["elapsed"] == 0.0
    # no job started or found: every target is already where the task asks, so the gate opens
    assert out["summary"]["all_succeeded"] is True and out["summary"]["all_terminal"] is True


def test_check_mode_result_changed_only_when_something_would_start():
    source = Source({})
    found = {"JobId": "j9", "Status": "PENDING"}
    out = report(source, {"wait": False}).check_mode([], [found])
    assert out["changed"] is False and out["would_start"] == [] and out["job"]["job_id"] == "j9"
    out = report(source, {"wait": False}, extra={"unchanged_devices": []}).check_mode([{"device_id": "d1"}], [])
    assert out["changed"] is True and out["would_start"] == [{"device_id": "d1"}] and out["jobs"] == []
    assert out["summary"]["all_succeeded"] is False  # a job would start: the target is not there yet
    idle = report(source, {"wait": False}, extra={"unchanged_devices": ["d1"]}).check_mode([], [])
    assert idle["changed"] is False and idle["summary"]["all_succeeded"] is True


def test_started_failure_names_what_was_started():
    source = Source({"j1": ["PENDING"]})
    made = report(source, {"wait": False})
    err = made.started_failure(JobGateError("Could not start a job for d2.", code="ValidationException"), ["j1"])
    returned = made.failure(err)
    assert returned["changed"] is True and [j["job_id"] for j in returned["jobs"]] == ["j1"]
    assert "j1" in err.msg and "already been started" in err.msg
    made = report(source, {"wait": False})
    nothing = made.started_failure(JobGateError("Boom.", code="X"), [])
    assert made.failure(nothing)["changed"] is False and nothing.msg == "Boom."


# ------------------------------------------------------------------------------------------------ create retries
class FakeCreate:
    def __init__(self, failures: list) -> None:
        self.failures = list(failures)
        self.calls = 0

    def create_job_for_devices(self, **kwargs):
        self.calls += 1
        if self.failures:
            code, status = self.failures.pop(0)
            raise ClientError({"Error": {"Code": code, "Message": "no"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                              "CreateJobForDevices")
        return {"Jobs": [{"DeviceId": "d1", "JobId": "j1"}]}


def client(fake, sleep=None):
    return AwsClient(AwsSettings(region="us-east-1"), "panorama", policy=RetryPolicy(), client=fake,
                     deadline=Deadline(sleep=sleep or (lambda s: None)))


@pytest.fixture
def no_sleep():
    return []


def test_create_is_retried_after_throttling(no_sleep):
    fake = FakeCreate([("ThrottlingException", 429), ("TooManyRequestsException", 429)])
    out = aws_client.call_create(client(fake, no_sleep.append), "create_job_for_devices", action="start", what="a job", DeviceIds=["d1"])
    assert out["Jobs"][0]["JobId"] == "j1" and fake.calls == 3


@pytest.mark.parametrize("code,status", [("InternalServerException", 500), ("ServiceUnavailable", 503),
                                         ("ValidationException", 400)])
def test_create_is_not_retried_when_it_may_have_happened(no_sleep, code, status):
    fake = FakeCreate([(code, status)])
    with pytest.raises(JobGateError) as err:
        aws_client.call_create(client(fake), "create_job_for_devices", action="start", what="a job", DeviceIds=["d1"])
    assert fake.calls == 1 and err.value.code == code


def test_create_gives_up_after_the_attempt_budget(no_sleep):
    fake = FakeCreate([("ThrottlingException", 429)] * 10)
    with pytest.raises(JobGateError) as err:
        aws_client.call_create(client(fake), "create_job_for_devices", action="start", what="a job", max_attempts=3)
    assert fake.calls == 3 and err.value.retryable is True
