# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Applying an Azure Local update: idempotency (Installed, a run in progress), check mode, the apply followed to its
end and the new run told from the earlier ones by listing."""
from __future__ import annotations

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._azure import arm
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import ModuleRun
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_update_run import start as hs
from fake_clock import Clock

SUB = "fd3c3665-1729-4b7b-9a38-238e83b0f98b"
CLUSTER = f"/subscriptions/{SUB}/resourceGroups/edge-rg/providers/Microsoft.AzureStackHCI/clusters/cluster-1"
UPDATE = "Solution12.2604.1003.20"
ARM = "https://management.example.test"
OP = f"{ARM}/subscriptions/{SUB}/providers/Microsoft.AzureStackHCI/locations/eastus/operationStatuses/op1?api-version=x"


class FakeModule(ModuleRun):
    def __init__(self, clock, check_mode=False, **over):
        self.params = {"cluster_id": CLUSTER, "update_name": UPDATE, "api_version": "2025-10-01", "wait": False,
                       "wait_timeout": 60, "wait_sleep": 5, **over}
        self.check_mode = check_mode
        self.deadline = Deadline.for_params(self.params, clock=clock, sleep=clock.sleep)


class Response:
    def __init__(self, status=200, body=None, headers=None):
        self.status_code = status
        self._body = body
        self.headers = headers or {}

    def json(self):
        if self._body is None:
            raise ValueError("no body")
        return self._body


def run(name, state):
    return {"id": f"{CLUSTER}/updates/{UPDATE}/updateRuns/{name}", "name": f"{UPDATE}/{name}",
            "properties": {"state": state, "timeStarted": f"2026-04-0{len(name) % 9 + 1}T00:00:00Z"}}


class FakeArm:
    """An ArmClient stand-in: an update, its runs, an apply that starts a run, operation polls in sequence."""

    base = ARM

    def __init__(self, update_state="Ready", runs=(), op_statuses=("InProgress", "Succeeded"), creates=True):
        self.update_state = update_state
        self.runs = list(runs)
        self.op_statuses = list(op_statuses)
        self.creates = creates
        self.calls: list = []

    def url(self, path):
        return ARM + path

    def request(self, method, url, what, *, json_body=None, params=None, accept=None, deadline=None):
        response = self.answer(method, url, what, json_body=json_body)
        return response if accept is None else accept(response)

    def answer(self, method, url, what, *, json_body=None):
        self.calls.append((method, url))
        if method == "POST":
            if self.creates:
                self.runs.append(run("new-run", "InProgress"))
            return Response(202, None, {"Azure-AsyncOperation": OP, "Retry-After": "1"})
        status = self.op_statuses.pop(0) if len(self.op_statuses) > 1 else self.op_statuses[0]
        body = {"status": status}
        if status == "Failed":
            body["error"] = {"code": "ApplyFailed", "message": "the cluster refused"}
        return Response(200, body, {})

    def get_json(self, url, what, params=None):
        self.calls.append(("GET", url))
        if url.endswith("/updates/" + UPDATE):
            return {"id": url[len(ARM):], "name": UPDATE, "properties": {"state": self.update_state}}
        name = url.rsplit("/", 1)[1]
        found = [r for r in self.runs if r["id"].endswith("/" + name)]
        if not found:
            raise JobGateError(f"{what} was not found", code="ResourceNotFound", http_status=404)
        return found[0]

    def list_all(self, url, what, params=None):
        self.calls.append(("LIST", url))
        return [dict(r) for r in self.runs]

    def posts(self):
        return [c for c in self.calls if c[0] == "POST"]


@pytest.fixture
def clock():
    return Clock()


def connect(monkeypatch, fake):
    monkeypatch.setattr(arm, "create_client", lambda p, **k: fake)
    return fake


def test_installed_update_starts_nothing_and_opens_the_gate(monkeypatch, clock):
    fake = connect(monkeypatch, FakeArm(update_state="Installed", runs=[run("old", "Succeeded")]))
    out = hs.update_apply(FakeModule(clock, wait=True))
    assert out["changed"] is False and out["jobs"] == [] and "job" not in out
    assert out["cluster_update"]["properties"]["state"] == "Installed"
    assert out["summary"]["all_succeeded"] is True and out["summary"]["all_terminal"] is True
    assert fake.posts() == [] and [c[0] for c in fake.calls] == ["GET"]


def test_installed_in_check_mode_would_start_nothing(monkeypatch, clock):
    connect(monkeypatch, FakeArm(update_state="installed"))
    out = hs.update_apply(FakeModule(clock, check_mode=True))
    assert out["changed"] is False and out["would_start"] == [] and out["summary"]["all_succeeded"] is True


def test_run_in_progress_is_returned_not_started(monkeypatch, clock):
    fake = connect(monkeypatch, FakeArm(update_state="Installing",
                                        runs=[run("old", "Failed"), run("current", "InProgress")]))
    out = hs.update_apply(FakeModule(clock))
    assert out["changed"] is False and out["job"]["normalized"]["job_id"] == "current"
    assert fake.posts() == []


def test_check_mode_lists_what_would_start(monkeypatch, clock):
    fake = connect(monkeypatch, FakeArm(update_state="Ready"))
    out = hs.update_apply(FakeModule(clock, check_mode=True))
    assert out["changed"] is True and out["jobs"] == [] and out["summary"]["all_succeeded"] is False
    assert out["would_start"] == [{"cluster_id": CLUSTER, "update_name": UPDATE, "update_state": "Ready",
                                   "api_version": "2025-10-01"}]
    assert fake.posts() == []


def test_check_mode_with_a_run_in_progress_returns_it(monkeypatch, clock):
    connect(monkeypatch, FakeArm(update_state="Installing", runs=[run("current", "InProgress")]))
    out = hs.update_apply(FakeModule(clock, check_mode=True))
    assert out["changed"] is False and out["would_start"] == [] and out["job"]["normalized"]["job_id"] == "current"


def test_apply_is_followed_and_the_new_run_found(monkeypatch, clock):
    fake = connect(monkeypatch, FakeArm(update_state="InstallationFailed", runs=[run("earlier", "Failed")]))
    out = hs.update_apply(FakeModule(clock))
    assert out["changed"] is True and out["job"]["normalized"]["job_id"] == "new-run"
    assert out["job"]["normalized"]["state"] == "running"
    assert fake.posts() == [("POST", f"{ARM}{CLUSTER}/updates/{UPDATE}/apply")]
    assert ("GET", OP) in fake.calls and clock.sleeps[0] == 1   # the apply's Retry-After


def test_apply_without_a_new_run_fails_with_the_operations_error(monkeypatch, clock):
    connect(monkeypatch, FakeArm(creates=False, op_statuses=["Failed"]))
    module = FakeModule(clock)
    with pytest.raises(JobGateError) as err:
        hs.update_apply(module)
    assert err.value.code == "ApplyFailed" and "the cluster refused" in err.value.msg
    assert module.failure(err.value)["changed"] is True


def test_apply_operation_timeout_says_the_update_is_being_applied(monkeypatch, clock):
    connect(monkeypatch, FakeArm(op_statuses=["InProgress"]))
    module = FakeModule(clock, wait_timeout=10)
    with pytest.raises(JobGateError) as err:
        hs.update_apply(module)
    assert err.value.code == "WaitTimeout" and "hci_update_run_info" in err.value.msg
    assert module.failure(err.value)["changed"] is True


def test_newest_of_several_new_runs():
    runs = [run("a", "InProgress"), run("bbbb", "InProgress"), run("cc", "InProgress")]
    assert hs.newest(runs)["id"].endswith("/bbbb")


@pytest.mark.parametrize("over", [{"cluster_id": CLUSTER + "/.."}, {"update_name": "x/y"}, {"api_version": "v1"}])
def test_bad_input_before_any_connection(monkeypatch, clock, over):
    monkeypatch.setattr(arm, "create_client", lambda *a, **k: pytest.fail("connected for bad input"))
    with pytest.raises(JobGateError) as err:
        hs.update_apply(FakeModule(clock, **over))
    assert err.value.code == "ValidationError"
