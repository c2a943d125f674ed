"""The module's one deadline, on a fake clock: every waiter stops at it, every request timeout is capped by it, and
no backoff or Retry-After sleeps past it."""
from __future__ import annotations

import asyncio
import math

import botocore.exceptions
import pytest
import requests

from ansible_collections.jobgate.cloud.plugins.module_utils._aws import client as aws_client
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient, call_create, create_client
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import AdaptiveLimiter, RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AwsSettings
from ansible_collections.jobgate.cloud.plugins.module_utils._azure import lro
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.arm import ArmClient
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.cloud import CloudEndpoints
from ansible_collections.jobgate.cloud.plugins.module_utils._azure.transport import LAST_ANSWER, NOT_SENT, bounded_transport
from ansible_collections.jobgate.cloud.plugins.module_utils._core import deadline as core_deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Report
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource, fetch_many
from ansible_collections.jobgate.cloud.plugins.module_utils._core.waiter import wait_for, within_budget
from aws_fakes import collect  # tests/unit/plugins/module_utils/aws_fakes.py
from fake_clock import Clock  # tests/unit/plugins/module_utils/fake_clock.py


@pytest.fixture
def clock():
    return Clock()


def throttled(attempts=1):
    return JobGateError("AWS throttled the requests to get job j.", code="ThrottlingException", http_status=429,
                        retryable=True, attempts=attempts)


# ------------------------------------------------------------------------------------------------ the object
def test_a_deadline_counts_down_and_sleeps_only_to_its_end(clock):
    deadline = clock.deadline(10)
    assert deadline.bounded and deadline.remaining() == 10 and not deadline.expired and deadline.elapsed() == 0.0
    assert deadline.sleep(4) == 4 and deadline.remaining() == 6 and deadline.elapsed() == 4.0
    assert deadline.sleep(60) == 6 and clock.sleeps == [4, 6]
    assert deadline.expired and deadline.remaining() == 0
    assert deadline.sleep(5) == 0 and clock.sleeps == [4, 6]   # nothing left: no sleep at all


def test_an_event_loop_pauses_on_the_same_clock_never_past_the_end(clock):
    awaited: list = []

    async def fake_async_sleep(seconds):
        awaited.append(seconds)
        clock.now += seconds

    async def pauses(deadline):
        return [await deadline.pause(seconds) for seconds in (3, -1, 60, 5)]

    bounded = Deadline(10, clock=clock, sleep=clock.sleep, async_sleep=fake_async_sleep).limit(8)
    assert asyncio.run(pauses(bounded)) == [3, 0, 5, 0] and awaited == [3, 0, 5, 0]   # 0 s still yields
    assert bounded.expired and clock.sleeps == []                                      # no blocking sleep
    unbounded = Deadline(clock=clock, async_sleep=fake_async_sleep)
    assert asyncio.run(pauses(unbounded)) == [3, 0, 60, 5]
    assert asyncio.run(Deadline().pause(0.01)) == 0.01                                 # asyncio.sleep by default


def test_timeouts_are_capped_at_the_time_left(clock):
    deadline = clock.deadline(5)
    assert deadline.timeouts(10, 60) == (5, 5)
    assert deadline.cap(2) == 2 and deadline.cap(None) == 5
    clock.now += 4.5
    assert deadline.timeouts(10, 60) == (0.5, 0.5)
    clock.now += 10
    assert deadline.cap(60) == core_deadline.MIN_TIMEOUT   # never 0, which urllib3 refuses


def test_an_unbounded_deadline_changes_nothing(clock):
    deadline = clock.deadline()
    assert not deadline.bounded and not deadline.expired and deadline.remaining() == math.inf
    assert deadline.timeouts(10, 60) == (10, 60) and deadline.cap(None) is None
    assert deadline.sleep(7) == 7 and clock.sleeps == [7]


def test_for_params_bounds_only_a_wait(clock):
    assert Deadline.for_params({"wait": True, "wait_timeout": 20}, clock=clock).budget == 20
    assert Deadline.for_params({"wait": True}, clock=clock).budget == 1800
    assert not Deadline.for_params({"wait": False, "wait_timeout": 20}, clock=clock).bounded
    assert not Deadline.for_params({"wait": True, "wait_timeout": 0}, clock=clock).bounded   # refused by validate_wait
    started = Deadline.for_params({"wait": True, "wait_timeout": 20}, clock=clock, started=clock() - 3)
    assert started.remaining() == 17 and started.elapsed() == 3.0


def test_limit_ends_at_the_sooner_of_the_two(clock):
    free = clock.deadline()
    assert free.limit(30).remaining() == 30
    bounded = clock.deadline(10)
    assert bounded.limit(30).remaining() == 10 and bounded.limit(4).remaining() == 4
    clock.now += 3
    assert free.limit(30).remaining() == 27   # counted from the same start


def test_the_module_starts_when_its_process_did(monkeypatch, clock):
    monkeypatch.setattr(core_deadline, "_process_age", lambda: 0.8)
    assert core_deadline.module_start(clock) == clock() - 0.8
    age = core_deadline._process_age()  # pylint: disable=protected-access  # this test process: read or 0
    assert 0.0 <= age <= 30.0


def test_exhausted_keeps_the_api_error_and_says_how_often(clock):
    deadline = clock.deadline(5)
    clock.now += 5
    err = deadline.exhausted(throttled(), 7)
    assert err.error_block() == {"code": "ThrottlingException", "message": "AWS throttled the requests to get job j.",
                                 "http_status": 429, "retryable": True}
    assert "5 s passed while the API kept failing" in err.msg and "7 times" in err.msg and "throttled" in err.msg


# ------------------------------------------------------------------------------------------------ reads and the poll loop
class Source(JobSource):
    provider = "backup_report"
    id_label = "Backup report job"

    def __init__(self, clock, errors=(), status="RUNNING", takes=0.0):
        self.clock = clock
        self.errors = list(errors)
        self.status = status
        self.takes = takes
        self.calls = 0

    def describe(self, job_id):
        self.calls += 1
        self.clock.now += self.takes
        if self.errors:
            raise self.errors.pop(0) if len(self.errors) > 1 else self.errors[0]
        return {"ReportJobId": job_id, "Status": self.status}

    def list_jobs(self):
        return [self.describe("listed")]


class ClientSource(JobSource):
    """A source whose reads go through an AwsClient (the loop that tries them again) over fake botocore ``Ops``."""

    provider = "panorama_device"
    id_label = "Panorama device job"

    def __init__(self, client):
        self.client = client

    def describe(self, job_id):
        return self.client.call("describe_device_job", action="get", what=f"Panorama device job {job_id}", JobId=job_id)

    def list_jobs(self):
        return [self.client.call("describe_device_job", action="list", what="Panorama device jobs", JobId="listed")]


def test_a_read_rides_errors_to_the_deadline_then_fails_with_the_last_one(clock):
    # Two attempts is the client's bound without wait; with a deadline its read is tried until the deadline.
    ops = Ops([client_error()])
    with pytest.raises(JobGateError) as info:
        collect(Report(ClientSource(aws(clock, ops, 10, attempts=2)), clock.deadline(10), {}), ["j"])
    assert clock.sleeps == [1, 2, 4, 3] and clock.now == 510     # the last pause cut at the deadline
    assert info.value.code == "ThrottlingException" and info.value.retryable
    assert f"tried {ops.calls} times" in info.value.msg and info.value.attempts == ops.calls == 4


def test_list_mode_rides_too(clock):
    with pytest.raises(JobGateError) as info:
        collect(Report(ClientSource(aws(clock, Ops([client_error()]), 3, attempts=1)), clock.deadline(3), {}), None)
    assert clock.sleeps == [1, 2] and "passed while the API kept failing" in info.value.msg


def test_a_read_that_succeeds_in_time_is_returned(clock):
    class TwoThrottles(Ops):
        def describe_device_job(self, **kwargs):
            if self.calls < 2:
                self.calls += 1
                raise client_error()
            return super().describe_device_job(**kwargs)

    ops = TwoThrottles([])
    out = within_budget(clock.deadline(60), ClientSource(aws(clock, ops, 60, attempts=1)).describe, "j")
    assert out["Status"] == "COMPLETED" and clock.sleeps == [1, 2] and ops.calls == 3


def test_a_request_refused_for_want_of_time_does_not_hide_the_api_error(clock):
    # The limiter's turn came after the deadline: no third attempt, and the API's throttling is what is reported.
    ops = Ops([client_error()])
    client = aws(clock, ops, 3, attempts=1)
    turns = iter([0.0, 10.0])
    client.limiter.acquire = lambda: clock.sleep(next(turns)) or clock.now
    with pytest.raises(JobGateError) as info:
        within_budget(client.deadline, ClientSource(client).describe, "j")
    assert info.value.code == "ThrottlingException" and "passed while the API kept failing" in info.value.msg


def timeout(attempts=2):
    return JobGateError("Timed out trying to get job j: the request was cut.", code="Timeout", retryable=True,
                        attempts=attempts)


@pytest.mark.parametrize("elapse, last, err, reported, attempts", [
    (0, None, timeout(1), "Timeout", 1),                              # nothing earlier: the timeout is the answer
    (0, throttled(), JobGateError("x", code="WaitTimeout", retryable=True, attempts=0), "ThrottlingException", 1),
    (10, throttled(), timeout(2), "ThrottlingException", 2),         # cut by the deadline: the API's error stands
    (1, throttled(), timeout(2), "Timeout", 2),                       # timed out with time left: the API's slowness
    (10, throttled(), JobGateError("x", code="InternalFailure", http_status=500, retryable=True, attempts=2),
     "InternalFailure", 2),                                           # a later answer of the API's replaces it
])
def test_the_failure_to_report_is_the_apis_last_answer(clock, elapse, last, err, reported, attempts):
    deadline = clock.deadline(5)
    clock.now += elapse
    kept = deadline.last_answer(last, err)
    assert (kept.code, kept.attempts) == (reported, attempts)
    assert last is None or last.attempts == 1   # the earlier error is not edited


def test_an_aws_retry_cut_at_the_deadline_reports_the_throttling_before_it(clock):
    cut = botocore.exceptions.ReadTimeoutError(endpoint_url="https://panorama.test")
    ops = Ops([client_error(), cut], clock=clock, takes=1.0)   # 1 s, the 1 s backoff, 1 s: cut at the 3 s end
    with pytest.raises(JobGateError) as info:
        aws(clock, ops, 3).call("describe_device_job", action="get", what="Panorama device job j", JobId="j")
    assert ops.calls == 2 and info.value.code == "ThrottlingException" and info.value.attempts == 2


def test_an_arm_retry_cut_at_the_deadline_reports_the_throttling_before_it(clock):
    class Slow(Session):
        def request(self, method, url, **kwargs):
            answer = super().request(method, url, **kwargs)
            clock.now += 2.0
            return answer

    session = Slow([Response(429, {"error": {"code": "TooManyRequests", "message": "slow down"}}),
                    requests.exceptions.ReadTimeout("read timed out")])
    arm = ArmClient(CLOUD, Tokens(), session=session, deadline=clock.deadline(3))
    with pytest.raises(JobGateError) as info:
        arm.get_json(arm.url("/x"), "job j")
    assert info.value.code == "TooManyRequests" and info.value.attempts == 2, info.value.msg


def test_the_last_poll_starts_early_enough_to_end_by_the_deadline(clock):
    # Each read takes 2 s: the poll loop keeps that much room before the deadline for its last poll.
    source = Source(clock, takes=2.0)
    report = Report(source, clock.deadline(30), {"wait": True, "wait_timeout": 30, "wait_sleep": 5})
    began = report.deadline.clock()
    report.looked(fetch_many(source, ["j"]), ["j"], began)   # the first look, timed
    with pytest.raises(JobGateError) as info:
        wait_for(report, ["j"], 5, reserve=report.read_seconds)
    assert info.value.code == "WaitTimeout"
    assert clock.now - 500 <= 30 + 1e-9          # the last poll ended by the deadline
    assert clock.sleeps[-1] < 30 - sum(clock.sleeps[:-1])   # cut short to make room for it


# ------------------------------------------------------------------------------------------------ AWS
class Ops:
    def __init__(self, errors, clock=None, takes=0.0):
        self.errors = list(errors)
        self.calls = 0
        self.clock = clock
        self.takes = takes

    def describe_device_job(self, **kwargs):
        self.calls += 1
        if self.clock is not None:
            self.clock.now += self.takes
        if self.errors:
            raise self.errors.pop(0) if len(self.errors) > 1 else self.errors[0]
        return {"JobId": kwargs["JobId"], "Status": "COMPLETED"}

    create_job_for_devices = describe_device_job


def client_error(code="ThrottlingException", status=400):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": "Rate exceeded"},
                                            "ResponseMetadata": {"HTTPStatusCode": status}}, "DescribeDeviceJob")


def aws(clock, ops, budget, attempts=10):
    return AwsClient(AwsSettings(region="us-east-1"), "panorama", client=ops, deadline=clock.deadline(budget),
                     policy=RetryPolicy(max_attempts=attempts, base=1.0, cap=20.0, rand=lambda: 1.0))


def test_aws_backoff_stops_at_the_deadline_and_the_last_error_is_raised(clock):
    ops = Ops([client_error()])
    with pytest.raises(JobGateError) as info:
        aws(clock, ops, 5).call("describe_device_job", action="get", what="Panorama device job j", JobId="j")
    assert clock.sleeps == [1.0, 2.0, 2.0] and ops.calls == 3   # 1 + 2, then the 4 s backoff cut to the 2 s left
    assert info.value.code == "ThrottlingException" and info.value.attempts == 3


def test_no_aws_attempt_starts_after_the_deadline(clock):
    ops = Ops([])
    client = aws(clock, ops, 5)
    clock.now += 6
    with pytest.raises(JobGateError) as info:
        client.call("describe_device_job", action="get", what="Panorama device job j", JobId="j")
    assert ops.calls == 0 and info.value.code == "WaitTimeout" and info.value.attempts == 0


def test_the_limiter_never_waits_past_the_deadline(clock):
    deadline = clock.deadline(0.3)
    limiter = AdaptiveLimiter(deadline, floor=2.0)
    for _round in range(4):
        limiter.on_throttle(limiter.acquire())
    assert sum(clock.sleeps) <= 0.3 + 1e-9 and deadline.expired


def test_create_retries_stop_at_the_deadline(clock):
    ops = Ops([client_error()])
    with pytest.raises(JobGateError):
        call_create(aws(clock, ops, 4), "create_job_for_devices", action="start", what="a job", DeviceIds=["d"])
    assert sum(clock.sleeps) == pytest.approx(4) and ops.calls == 3   # sleeps 1, 2, then 1 left: no fourth try


def test_botocore_requests_get_at_most_the_time_left(clock, monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    settings = AwsSettings(region="us-east-1", access_key="AKIDEXAMPLE", secret_key="s3cr3t-value",
                           endpoint_url="http://127.0.0.1:9")
    client, _attempts = create_client(settings, "backup", clock.deadline(20))
    session = client._endpoint.http_session  # pylint: disable=protected-access
    pool = session._manager.connection_from_url("http://127.0.0.1:9")  # pylint: disable=protected-access
    first = pool.timeout.clone()       # what urllib3 takes at the start of a request
    assert (first.connect_timeout, first.read_timeout) == (10, 20)
    clock.now += 18.5
    later = pool.timeout.clone()
    assert (later.connect_timeout, later.read_timeout) == (1.5, 1.5)
    free, _attempts = create_client(settings, "backup", clock.deadline())
    kept = free._endpoint.http_session._timeout  # pylint: disable=protected-access
    assert free.meta.config.read_timeout == 60 and type(kept).__name__ == "Timeout"   # without wait, botocore's own


def test_botocore_without_the_session_layout_keeps_config_caps(clock):
    assert aws_client.bound_request_timeouts(object(), clock.deadline(5)) is False
    config, _attempts = aws_client.build_config(AwsSettings(), clock.deadline(5))
    assert (config.connect_timeout, config.read_timeout) == (5, 5)


# ------------------------------------------------------------------------------------------------ Azure
class Response:
    def __init__(self, status, body=None, headers=None):
        self.status_code = status
        self._body = body if body is not None else {}
        self.headers = headers or {}

    def json(self):
        return self._body


class Session:
    def __init__(self, answers):
        self.answers = list(answers)
        self.timeouts: list = []
        self.headers: dict = {}

    def request(self, method, url, **kwargs):
        self.timeouts.append(kwargs["timeout"])
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class Tokens:
    def token(self):
        return "t"

    def renew(self):
        pass


CLOUD = CloudEndpoints("t", "https://arm.test", "https://login.test", "https://m.test/.default", False)


def test_arm_retry_after_is_cut_at_the_deadline_and_timeouts_are_capped(clock):
    throttle = Response(429, {"error": {"code": "TooManyRequests", "message": "slow"}}, {"Retry-After": "30"})
    session = Session([throttle])
    arm = ArmClient(CLOUD, Tokens(), session=session, deadline=clock.deadline(12))
    with pytest.raises(JobGateError) as info:
        arm.get_json(arm.url("/x"), "job j")
    assert clock.sleeps == [12] and len(session.timeouts) == 1          # no request after the deadline
    assert session.timeouts[0] == (10, 12)                              # the read timeout capped at the 12 s left
    assert info.value.code == "TooManyRequests" and info.value.retryable


def test_arm_connection_errors_back_off_within_the_deadline(clock):
    session = Session([requests.exceptions.ConnectionError("reset")])
    arm = ArmClient(CLOUD, Tokens(), session=session, deadline=clock.deadline(2.5))
    with pytest.raises(JobGateError) as info:
        arm.get_json(arm.url("/x"), "job j")
    assert sum(clock.sleeps) == pytest.approx(2.5) and info.value.code == "ConnectionError"
    assert all(read <= 2.5 for _connect, read in session.timeouts)


def test_the_operation_follower_keeps_going_through_retryable_errors_until_the_deadline(clock):
    class Client:
        base = "https://arm.test"

        def __init__(self):
            self.polls = 0

        def request(self, method, url, what, **_kwargs):
            self.polls += 1
            raise JobGateError("Resource Manager answered 503.", code="ServiceUnavailable", http_status=503, retryable=True)

    client = Client()
    first = Response(201, {}, {"Azure-AsyncOperation": "https://arm.test/op"})
    with pytest.raises(JobGateError) as info:
        lro.follow_operation(client, first, "job x", clock.deadline(10), 3, on_timeout=" Raise wait_timeout.")
    assert info.value.code == "WaitTimeout" and "503" in info.value.msg and info.value.msg.endswith("Raise wait_timeout.")
    assert sum(clock.sleeps) == pytest.approx(10) and client.polls == 3


def test_token_requests_are_bounded_by_the_deadline(clock):
    from azure.core.exceptions import ServiceRequestTimeoutError
    from azure.core.pipeline.transport import HttpRequest

    class Recorder(requests.Session):
        def __init__(self):
            super().__init__()
            self.timeouts = []

        def request(self, *args, **kwargs):  # pylint: disable=arguments-differ
            self.timeouts.append(kwargs["timeout"])
            raise requests.exceptions.ConnectionError("down")

    deadline = clock.deadline(5)
    recorder = Recorder()
    transport = bounded_transport(deadline, session=recorder)
    transport.sleep(30)
    assert clock.sleeps == [5]                               # a Retry-After or backoff never sleeps past the end
    clock.now -= 1.5                                         # (back to 1.5 s left)
    with pytest.raises(Exception):
        transport.send(HttpRequest("POST", "https://login.test/t/oauth2/v2.0/token"))
    assert recorder.timeouts == [(1.5, 1.5)]                 # connect and read capped at the time left
    clock.now += 5
    with pytest.raises(ServiceRequestTimeoutError) as refused:
        transport.send(HttpRequest("POST", "https://login.test/t/oauth2/v2.0/token"))
    assert len(recorder.timeouts) == 1                       # nothing sent once it has passed
    assert str(refused.value).endswith(LAST_ANSWER + "down")  # and what the endpoint last did goes with the refusal
    free = bounded_transport(Deadline(clock=clock, sleep=clock.sleep), session=Recorder())
    assert (free.connection_config.timeout, free.connection_config.read_timeout) == (10, 60)


def test_a_token_request_the_deadline_kept_back_is_not_the_endpoints_answer():
    from ansible_collections.jobgate.cloud.plugins.module_utils._azure.credentials import CredentialPlan, TokenProvider

    def failing(text):
        class Credential:
            def get_token(self, scope):
                raise RuntimeError(f"Authentication failed: {text}")   # what azure-identity keeps of the cause
        return lambda plan, cloud: Credential()

    plan = CredentialPlan(kind="client_secret", source="env", tenant="t", client_id="c", secret="s3cr3t-value")
    with pytest.raises(JobGateError) as kept_back:
        TokenProvider(plan, CLOUD, factory=failing(NOT_SENT)).token()
    with pytest.raises(JobGateError) as answered:
        TokenProvider(plan, CLOUD, factory=failing("HTTP Error: 503")).token()
    with pytest.raises(JobGateError) as cut_short:   # azure-core's retries met the deadline after real answers
        TokenProvider(plan, CLOUD, factory=failing(NOT_SENT + LAST_ANSWER + "HTTP Error: 503")).token()
    assert kept_back.value.retryable and kept_back.value.attempts == 0
    for err in (answered.value, cut_short.value):
        assert (err.code, err.http_status, err.attempts) == ("TokenEndpointUnavailable", 503, 1)
    assert NOT_SENT not in cut_short.value.msg


# ------------------------------------------------------------------------------------------------ one loop per read
def test_an_arm_read_is_tried_past_max_retries_until_the_deadline(clock):
    # ARM_RETRY: from 1 s, doubling, half of each pause jitter; the last pause cut at the end, no attempt after it.
    session = Session([Response(503, {"error": {"code": "ServerBusy", "message": "busy"}})])
    arm = ArmClient(CLOUD, Tokens(), session=session, deadline=clock.deadline(40), max_retries=1)
    with pytest.raises(JobGateError) as info:
        arm.get_json(arm.url("/x"), "job j")
    tries = len(session.timeouts)
    assert tries > 2 and len(clock.sleeps) == tries and sum(clock.sleeps) == pytest.approx(40)
    assert all(top / 2 <= pause <= top for pause, top in zip(clock.sleeps[:-1], [1, 2, 4, 8, 16, 32]))
    assert info.value.code == "ServerBusy" and info.value.attempts == tries


def test_an_arm_write_keeps_its_bounded_retries_on_a_deadline(clock):
    session = Session([Response(503, {"error": {"code": "ServerBusy", "message": "busy"}})])
    arm = ArmClient(CLOUD, Tokens(), session=session, deadline=clock.deadline(600), max_retries=2)
    with pytest.raises(JobGateError) as info:
        arm.request("PUT", arm.url("/x"), "job j", json_body={})
    assert len(session.timeouts) == 3 and info.value.code == "ServerBusy"


def test_an_arm_read_rides_a_token_endpoint_that_fails_and_a_page_without_its_list(clock):
    class FlakyTokens(Tokens):
        def __init__(self):
            self.calls = 0

        def token(self):
            self.calls += 1
            if self.calls == 1:
                raise JobGateError("token endpoint down", code="ConnectionError", retryable=True)
            return "t"

    session = Session([Response(200, {"nextLink": None}), Response(200, {"value": [{"name": "j"}]})])
    arm = ArmClient(CLOUD, FlakyTokens(), session=session, deadline=clock.deadline(60), max_retries=0)
    assert arm.list_all(arm.url("/jobs"), "jobs") == [{"name": "j"}]
    assert len(session.timeouts) == 2 and len(clock.sleeps) == 2   # after the token failure and the bad page


def test_without_a_deadline_an_arm_token_failure_fails_at_once(clock):
    class DownTokens(Tokens):
        def token(self):
            raise JobGateError("token endpoint down", code="ConnectionError", retryable=True)

    arm = ArmClient(CLOUD, DownTokens(), session=Session([Response(200, {})]), deadline=clock.deadline(None))
    with pytest.raises(JobGateError) as info:
        arm.get_json(arm.url("/x"), "job j")
    assert info.value.msg == "token endpoint down" and clock.sleeps == []


def test_an_aws_start_keeps_its_bounded_attempts_on_a_deadline(clock):
    ops = Ops([client_error()])
    with pytest.raises(JobGateError):
        aws(clock, ops, 600, attempts=3).call("create_job_for_devices", action="start", what="a job", DeviceIds=["d"])
    assert ops.calls == 3 and clock.sleeps == [1, 2]


def test_an_aws_answer_refused_by_accept_is_tried_again(clock):
    class Empty(Ops):
        def describe_device_job(self, **kwargs):
            self.calls += 1
            return {} if self.calls == 1 else {"JobId": "j", "Status": "COMPLETED"}

    def has_job(out):
        if "JobId" not in out:
            raise JobGateError("a 200 without the job", code="InvalidResponse", retryable=True)

    ops = Empty([])
    out = aws(clock, ops, 60, attempts=1).call("describe_device_job", action="get", what="j", accept=has_job, JobId="j")
    assert out["Status"] == "COMPLETED" and ops.calls == 2 and clock.sleeps == [1]
