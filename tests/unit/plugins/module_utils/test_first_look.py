"""With wait, a retryable error on the first look is tried again until the deadline, by the client's one retry loop
(however many attempts it is otherwise allowed); without wait it fails after those, and when not retryable at once."""
from __future__ import annotations

import botocore.exceptions
import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AwsSettings
from ansible_collections.jobgate.cloud.plugins.module_utils._core import result as core_result
from ansible_collections.jobgate.cloud.plugins.module_utils._core import source as core_source
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input

from aws_fakes import collect  # tests/unit/plugins/module_utils/aws_fakes.py
from fake_clock import Clock  # tests/unit/plugins/module_utils/fake_clock.py


class Ops:
    """Fake botocore operations: ``failures`` ClientErrors first, then the job."""

    def __init__(self, failures):
        self.failures = list(failures)
        self.calls = 0

    def describe_device_job(self, **kwargs):
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return {"JobId": kwargs["JobId"], "Status": "COMPLETED"}


class Source(core_source.JobSource):
    """A Panorama device job source over a real AwsClient (one attempt allowed without wait) on fake ``Ops``."""

    provider = "panorama_device"
    id_label = "Panorama device job"

    def __init__(self, failures):
        self.ops = Ops(failures)
        self.deadline = None

    @property
    def calls(self):
        return self.ops.calls

    def describe(self, job_id):
        client = AwsClient(AwsSettings(region="r"), "panorama", client=self.ops, deadline=self.deadline,
                           policy=RetryPolicy(max_attempts=1, base=1.0, cap=20.0, rand=lambda: 1.0))
        return client.call("describe_device_job", action="get", what=f"Panorama device job {job_id}", JobId=job_id)

    def list_jobs(self):
        return []

    def location(self):
        return "in region r"


def throttled():
    return botocore.exceptions.ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"},
                                            "ResponseMetadata": {"HTTPStatusCode": 400}}, "DescribeDeviceJob")


def refused():
    return botocore.exceptions.ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"},
                                            "ResponseMetadata": {"HTTPStatusCode": 403}}, "DescribeDeviceJob")


def run(clock, source, ids, params):
    """The first look at ``ids`` (and the wait when ``params`` ask) on the test's clock."""
    deadline = clock.deadline_for(params)
    source.deadline = deadline
    return collect(core_result.Report(source, deadline, params), ids)


@pytest.fixture
def clock():
    return Clock(0.0)


def test_wait_rides_through_a_throttled_first_look(clock):
    source = Source([throttled(), throttled()])
    out = run(clock, source, ["j1"], {"wait": True, "wait_timeout": 60, "wait_sleep": 1})
    assert out["job"]["normalized"]["state"] == "succeeded" and source.calls == 3
    assert clock.sleeps == [1.0, 2.0]


def test_without_wait_the_first_error_fails(clock):
    with pytest.raises(JobGateError) as info:
        run(clock, Source([throttled()]), ["j1"], {"wait": False})
    assert info.value.code == "ThrottlingException" and clock.sleeps == []


def test_non_retryable_first_error_fails_at_once(clock):
    with pytest.raises(JobGateError) as info:
        run(clock, Source([bad_input("nope")]), ["j1"], {"wait": True, "wait_timeout": 60, "wait_sleep": 1})
    assert info.value.code == "ValidationError" and clock.sleeps == []


def test_retryable_first_errors_end_at_the_wait_timeout(clock):
    source = Source([throttled() for _unused in range(100)])
    with pytest.raises(JobGateError) as info:
        run(clock, source, ["j1"], {"wait": True, "wait_timeout": 10, "wait_sleep": 1})
    assert info.value.code == "ThrottlingException" and sum(clock.sleeps) <= 10
