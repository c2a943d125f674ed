"""Starting HCI edge device jobs: validation, the PUT body, comparison with an existing job, the long-running operation."""
from __future__ import annotations

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._azure import lro as azure_lro
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import ModuleRun
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_edge_device import start as hs

from fake_clock import Clock  # tests/unit/plugins/module_utils/fake_clock.py

SUB = "fd3c3665-1729-4b7b-9a38-238e83b0f98b"
URI = f"/subscriptions/{SUB}/resourceGroups/edge-rg/providers/Microsoft.HybridCompute/machines/node-1"
ARM = "https://management.example.test"
COLLECT = {"resource_uri": URI, "job_name": "collect-1", "job_type": "CollectLog", "from_date": "2025-04-11T00:00:00Z",
           "to_date": "2025-04-12T00:00:00Z"}
SUPPORT = {"resource_uri": URI, "job_name": "support-1", "job_type": "RemoteSupport", "access_level": "Diagnostics",
           "expiration_timestamp": "2030-01-01T00:00:00Z", "remote_support_type": "Revoke"}


def params(**over):
    base = {"edge_device_name": "default", "deployment_mode": "Deploy", "api_version": "2024-09-01-preview",
            "from_date": None, "to_date": None, "access_level": None, "expiration_timestamp": None,
            "remote_support_type": None, "wait": False, "wait_timeout": 60, "wait_sleep": 5}
    base.update(over)
    return base


class FakeModule(ModuleRun):
    clock = None  # the test's fake clock (see the fixture), else real time

    def __init__(self, check_mode=False, **over):
        self.params = params(**over)
        self.check_mode = check_mode
        fake = type(self).clock
        self.deadline = Deadline.for_params(self.params, **({"clock": fake, "sleep": fake.sleep} if fake is not None else {}))


# ------------------------------------------------------------------------------------------------ validation
def test_collect_log_body():
    inputs = hs.validate_job(params(**{**COLLECT, "from_date": "2025-04-11T02:00:00+02:00"}))
    assert inputs["body"] == {"kind": "HCI", "properties": {"jobType": "CollectLog", "deploymentMode": "Deploy",
                                                            "fromDate": "2025-04-11T00:00:00Z",
                                                            "toDate": "2025-04-12T00:00:00Z"}}


def test_remote_support_body_revoke_and_case_insensitive_choices():
    inputs = hs.validate_job(params(**{**SUPPORT, "access_level": "diagnostics", "deployment_mode": "validate"}))
    assert inputs["body"]["properties"] == {"jobType": "RemoteSupport", "deploymentMode": "Validate",
                                            "accessLevel": "Diagnostics", "expirationTimestamp": "2030-01-01T00:00:00Z",
                                            "type": "Revoke"}


@pytest.mark.parametrize("over,words", [
    (dict(COLLECT, job_name="a/b"), "job_name"),
    (dict(COLLECT, job_name="ab"), "job_name"),
    (dict(COLLECT, resource_uri=URI + "/.."), "resource_uri"),
    (dict(COLLECT, edge_device_name="x?y"), "edge_device_name"),
    (dict(COLLECT, to_date=None), "to_date"),
    (dict(COLLECT, from_date="2025-04-13T00:00:00Z"), "earlier"),
    (dict(COLLECT, from_date="1712800000"), "ISO 8601"),
    (dict(COLLECT, access_level="Diagnostics"), "only apply to job_type=RemoteSupport"),
    (dict(SUPPORT, from_date="2025-04-11T00:00:00Z"), "only apply to job_type=CollectLog"),
    (dict(SUPPORT, remote_support_type=None), "remote_support_type"),
    (dict(SUPPORT, access_level="Everything"), "access_level"),
    (dict(COLLECT, job_type="Reboot"), "job_type"),
    (dict(COLLECT, api_version="latest"), "api_version"),
])
def test_bad_input_before_any_connection(monkeypatch, over, words):
    monkeypatch.setattr(hs.arm, "create_client", lambda *a, **k: pytest.fail("connected for bad input"))
    with pytest.raises(JobGateError) as err:
        hs.edge_device_job(FakeModule(**over))
    assert err.value.code == "ValidationError" and words in err.value.msg


# ------------------------------------------------------------------------------------------------ comparison
def existing(props, kind="HCI"):
    return {"name": "collect-1", "kind": kind, "properties": props}


def test_same_job_written_differently_has_no_differences():
    body = hs.validate_job(params(**COLLECT))["body"]
    have = existing({"jobType": "collectlog", "fromDate": "2025-04-11T00:00:00.0000000Z",
                     "toDate": "2025-04-12T01:00:00+01:00", "provisioningState": "Succeeded", "status": "Succeeded"})
    assert hs.differences(have, body) == []   # deploymentMode absent means the service default, Deploy


def test_differences_name_each_property():
    body = hs.validate_job(params(**{**COLLECT, "deployment_mode": "Validate"}))["body"]
    have = existing({"jobType": "CollectLog", "fromDate": "2025-04-11T00:00:00Z", "toDate": "2025-04-13T00:00:00Z"},
                    kind="AzureLinux")
    diffs = " ".join(hs.differences(have, body))
    assert "kind" in diffs and "toDate" in diffs and "deploymentMode" in diffs and "fromDate" not in diffs


# ------------------------------------------------------------------------------------------------ the operation
class Response:
    def __init__(self, status=200, body=None, headers=None):
        self.status_code = status
        self._body = body
        self.headers = headers or {}

    def json(self):
        if self._body is None:
            raise ValueError("no body")
        return self._body


class FakeArm:
    """An ArmClient stand-in: a job store, a PUT that answers 201 with an operation, operation polls in sequence."""

    base = ARM

    def __init__(self, op_statuses=("InProgress", "Succeeded"), jobs=None, op_url=None, retry_after="3"):
        self.jobs = dict(jobs or {})
        self.op_statuses = list(op_statuses)
        self.op_url = op_url or f"{ARM}/subscriptions/{SUB}/providers/Microsoft.AzureStackHCI/locations/eastus/operationStatuses/op1?api-version=x"
        self.retry_after = retry_after
        self.calls: list = []

    def url(self, path):
        return ARM + path

    def request(self, method, url, what, *, json_body=None, params=None, accept=None, deadline=None):
        response = self.answer(method, url, what, json_body=json_body)
        return response if accept is None else accept(response)

    def answer(self, method, url, what, *, json_body=None):
        self.calls.append((method, url))
        if method == "PUT":
            name = url.rsplit("/", 1)[1]
            self.jobs[name] = {"id": url[len(ARM):], "name": name, "type": "Microsoft.AzureStackHCI/edgeDevices/jobs",
                               **json_body, "properties": dict(json_body["properties"], provisioningState="Accepted")}
            return Response(201, self.jobs[name], {"Azure-AsyncOperation": self.op_url, "Retry-After": self.retry_after})
        status = self.op_statuses.pop(0) if len(self.op_statuses) > 1 else self.op_statuses[0]
        return Response(200, {"status": status}, {"Retry-After": "2"} if status == "InProgress" else {})

    def get_json(self, url, what, params=None):
        self.calls.append(("GET", url))
        name = url.rsplit("/", 1)[1]
        if name not in self.jobs:
            raise JobGateError(f"{what} was not found", code="ResourceNotFound", http_status=404)
        job = dict(self.jobs[name])
        job["properties"] = dict(job["properties"], provisioningState="Succeeded", status="Succeeded")
        return job

    def puts(self):
        return [c for c in self.calls if c[0] == "PUT"]


@pytest.fixture
def clock(monkeypatch):
    sleeps = Clock(0.0)
    monkeypatch.setattr(FakeModule, "clock", sleeps)
    return sleeps


def test_follow_operation_honours_retry_after(clock):
    arm = FakeArm(op_statuses=["InProgress", "InProgress", "Succeeded"], retry_after="3")
    first = Response(201, {}, {"Azure-AsyncOperation": arm.op_url, "Retry-After": "3"})
    out = azure_lro.follow_operation(arm, first, "job x", deadline=clock.deadline(100), default_sleep=5)
    assert out["status"] == "Succeeded" and clock.sleeps == [3, 2, 2]


def test_follow_operation_times_out(clock):
    arm = FakeArm(op_statuses=["InProgress"])
    first = Response(201, {}, {"Azure-AsyncOperation": arm.op_url})
    with pytest.raises(JobGateError) as err:
        azure_lro.follow_operation(arm, first, "job x", deadline=clock.deadline(7), default_sleep=5)
    assert err.value.code == "WaitTimeout" and sum(clock.sleeps) == pytest.approx(7)


def test_follow_operation_refuses_another_host(clock):
    arm = FakeArm(op_url="https://evil.example.test/op?api-version=x")
    first = Response(201, {}, {"Azure-AsyncOperation": arm.op_url})
    with pytest.raises(JobGateError) as err:
        azure_lro.follow_operation(arm, first, "job x", deadline=clock.deadline(100), default_sleep=5)
    assert err.value.code == "UntrustedOperationUrl" and arm.calls == []


def test_location_polling_ends_when_not_202(clock):
    class LocArm(FakeArm):
        def answer(self, method, url, what, *, json_body=None):
            self.calls.append((method, url))
            return Response(202 if len(self.calls) < 2 else 200, None, {})

    arm = LocArm()
    out = azure_lro.follow_operation(arm, Response(202, None, {"Location": ARM + "/op"}), "job x", deadline=clock.deadline(100), default_sleep=1)
    assert out["status"] == "Succeeded" and len(arm.calls) == 2


# ------------------------------------------------------------------------------------------------ the handler
@pytest.fixture
def arm(monkeypatch):
    fake = FakeArm()
    monkeypatch.setattr(hs.arm, "create_client", lambda p, **k: fake)
    return fake


def test_new_job_is_put_and_followed(arm, clock):
    out = hs.edge_device_job(FakeModule(**COLLECT))
    assert out["changed"] is True and out["job"]["name"] == "collect-1"
    assert out["job"]["normalized"]["state"] == "succeeded"
    assert len(arm.puts()) == 1 and arm.puts()[0][1].endswith("/edgeDevices/default/jobs/collect-1")


def test_existing_same_job_is_returned_without_put(arm, clock):
    hs.edge_device_job(FakeModule(**COLLECT))
    out = hs.edge_device_job(FakeModule(**COLLECT))
    assert out["changed"] is False and len(arm.puts()) == 1


def test_existing_different_job_fails_without_put(arm, clock):
    hs.edge_device_job(FakeModule(**COLLECT))
    with pytest.raises(JobGateError) as err:
        hs.edge_device_job(FakeModule(**{**COLLECT, "to_date": "2025-04-14T00:00:00Z"}))
    assert err.value.code == "Conflict" and "new job_name" in err.value.msg and len(arm.puts()) == 1


def test_check_mode_puts_nothing(arm, clock):
    out = hs.edge_device_job(FakeModule(check_mode=True, **SUPPORT))
    assert out["changed"] is True and out["would_start"][0]["properties"]["type"] == "Revoke"
    assert arm.puts() == []


def test_operation_timeout_reports_the_started_job(monkeypatch, clock):
    fake = FakeArm(op_statuses=["InProgress"])
    monkeypatch.setattr(hs.arm, "create_client", lambda p, **k: fake)
    module = FakeModule(**{**COLLECT, "wait_timeout": 10})
    with pytest.raises(JobGateError) as err:
        hs.edge_device_job(module)
    returned = module.failure(err.value)
    assert err.value.code == "WaitTimeout" and returned["changed"] is True
    assert returned["job"]["name"] == "collect-1"
