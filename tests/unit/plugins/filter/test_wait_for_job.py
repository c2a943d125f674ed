"""The wait_for_job role's decisions (module_utils/_core/gate.py) and the wait_* filters that serve them."""
from __future__ import annotations

import pytest

from ansible_collections.jobgate.cloud.plugins.filter.wait_for_job import (
    wait_plan, wait_progress, wait_result, wait_step, wait_verdict,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._core import gate
from ansible_collections.jobgate.cloud.plugins.module_utils._core.kinds import KINDS
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import normalized_block, summarize

URI = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/node-1"
ROLE_DEFAULTS = {"ids": [], "id": "", "jobs": [], "resource_uri": "", "edge_device_name": "default", "aws": {},
                 "azure": {}, "timeout": 60, "delay": 5}


def selection(**given) -> dict:
    return dict(ROLE_DEFAULTS, **given)


def entry(kind: str, job_id: str, state: str, native: str = "X", percent=None, message=None) -> dict:
    return {"job_id": job_id, "normalized": normalized_block(kind, job_id, native, state, percent, message)}


def read(job_ids: list, jobs: list, **args) -> dict:
    """A poll's registered result that read jobs (the module's WaitTimeout when some are open)."""
    poll = {"jobs": jobs, "invocation": {"module_args": dict(args, job_ids=job_ids)}, "failed": False}
    if any(not j["normalized"]["terminal"] for j in jobs):
        poll.update(failed=True, msg="timed out", error={"code": "WaitTimeout", "retryable": True})
    return poll


def failed(job_ids: list, code: str, retryable: bool, msg: str = "boom", **args) -> dict:
    return {"failed": True, "msg": msg, "error": {"code": code, "retryable": retryable, "http_status": 503},
            "invocation": {"module_args": dict(args, job_ids=job_ids)}}


THREE_KINDS = selection(jobs=[
    {"kind": "panorama_device", "ids": ["ota-1", "ota-2"]},
    {"kind": "panorama_package_import", "id": "imp-1"},
    {"kind": "hci_edge_device", "id": "logs-1", "resource_uri": URI},
], aws={"region": "us-east-1"}, azure={"tenant": "t"})


# ------------------------------------------------------------------------------------------------ plan
def test_single_kind_plan():
    plan = wait_plan(selection(kind="backup_report", ids=["a", "b", "a"], id="c"))
    assert plan["groups"] == [{"kind": "backup_report", "module": "jobgate.cloud.backup_report_job_info",
                               "cloud": "aws", "ids": ["a", "b", "c"], "location": {}}]
    assert plan["total"] == 3 and plan["kinds"] == ["backup_report"] and plan["problem"] == ""
    # ceil(60 / 5) polls, two more, one more per group
    assert plan["max_polls"] == 12 + 2 + 1


def test_multi_kind_plan_groups_by_kind_and_location():
    plan = wait_plan(dict(THREE_KINDS, jobs=THREE_KINDS["jobs"] + [
        {"kind": "panorama_device", "id": "ota-3"},
        {"kind": "hci_edge_device", "id": "logs-2", "resource_uri": URI + "2"}]))
    assert [(g["kind"], g["ids"]) for g in plan["groups"]] == [
        ("panorama_device", ["ota-1", "ota-2", "ota-3"]), ("panorama_package_import", ["imp-1"]),
        ("hci_edge_device", ["logs-1"]), ("hci_edge_device", ["logs-2"])]
    hci = plan["groups"][2]
    assert hci["module"] == "jobgate.cloud.hci_edge_device_job_info"
    assert hci["location"] == {"resource_uri": URI, "edge_device_name": "default"}
    assert plan["kinds"] == ["panorama_device", "panorama_package_import", "hci_edge_device"]
    assert plan["total"] == 6


def test_every_registered_kind_can_be_planned():
    for kind in KINDS.values():
        location = {name: "x" for name in kind.location_options}
        group = gate.plan(selection(jobs=[dict(location, kind=kind.name, id="j")]))["groups"][0]
        assert group["module"] == f"jobgate.cloud.{kind.info_module}" and group["cloud"] == kind.cloud


@pytest.mark.parametrize("given, says", [
    (selection(kind="backup_report"), "at least one job in wait_for_job_ids or wait_for_job_id"),
    (selection(jobs=[{"kind": "backup_report"}]), "wait_for_job_jobs[1]: at least one job in id or ids"),
    (selection(kind="hci_edge_device", ids=["j"]), "wait_for_job_resource_uri for hci_edge_device jobs"),
    (selection(kind="ec2_instance", ids=["i-1"]), "a wait_for_job_kind of panorama_device, "),
    (selection(ids=["i-1"]), "(got None)"),
    (selection(kind="backup_report", id="j", delay=0), "wait_for_job_delay of 1 or more seconds (got timeout=60, delay=0)"),
    (selection(kind="backup_report", id="j", timeout="soon"), "wait_for_job_timeout must be a whole number"),
    (selection(jobs=[{"kind": "backup_job", "id": "j", "resource_uri": URI}]),
     "wait_for_job_jobs[1]: no resource_uri for backup_job jobs"),
    (selection(jobs=[{"kind": "backup_job", "id": "j"}, {"kind": "hci_edge_device", "id": "k"}]),
     "wait_for_job_jobs[2]: wait_for_job_resource_uri for hci_edge_device jobs"),
    (selection(jobs="backup_job"), "wait_for_job_jobs must be a list of mappings"),
])
def test_bad_selection_is_one_clear_error(given, says):
    problem = wait_plan(given)["problem"]
    assert says in problem
    assert problem.startswith("wait_for_job needs ") or "must be" in problem


def test_a_selection_with_several_problems_names_them_all():
    with pytest.raises(gate.PlanError) as caught:
        gate.plan(selection(jobs=[{"kind": "nope", "id": "j"}, {"kind": "backup_job"}]))
    assert "wait_for_job_jobs[1]" in str(caught.value) and "wait_for_job_jobs[2]" in str(caught.value)


# ------------------------------------------------------------------------------------------------ budget and steps
@pytest.mark.parametrize("timeout, delay, elapsed, budget", [
    (60, 5, 0, 5),       # the delay
    (60, 2, 0, 5),       # at least the floor
    (60, 15, 0, 15),
    (60, 15, 31, 29),    # no further poll fits after this one: what is left
    (60, 15, 58, 5),     # what is left, but at least the floor
    (60, 15, 70, 5),     # past the deadline (a first poll with timeout 0 still gets a read)
    (20, 5, 9.5, 5),     # left 10.5: a further poll still fits
    (20, 5, 10.5, 10),   # left 9.5 < 5 + 5: rounded up
])
def test_budget(timeout, delay, elapsed, budget):
    assert gate.budget({"timeout": timeout, "delay": delay}, elapsed) == budget


def test_plan_holds_no_connection_options():
    plan = wait_plan(dict(THREE_KINDS, aws={"secret_key": "SECRET"}, azure={"secret": "SECRET"}))
    assert "SECRET" not in repr(plan)


def test_steps_read_open_jobs_then_the_next_group():
    plan = gate.plan(THREE_KINDS)
    connections = {"aws": THREE_KINDS["aws"], "azure": THREE_KINDS["azure"]}
    first = wait_step(plan, {}, started=100.0, connections=connections, now=101.0)
    assert first == {"done": False, "group": 0, "kind": "panorama_device", "module": "jobgate.cloud.panorama_device_job_info",
                     "ids": ["ota-1", "ota-2"], "defaults": {"region": "us-east-1"}, "budget": 5}
    # one of two still open: only it again
    poll = read(["ota-1", "ota-2"], [entry("panorama_device", "ota-1", "succeeded"),
                                     entry("panorama_device", "ota-2", "running")])
    assert gate.step(plan, poll, 10)["ids"] == ["ota-2"]
    # all done: the next kind, every job of it
    poll = read(["ota-2"], [entry("panorama_device", "ota-2", "succeeded")])
    nxt = gate.step(plan, poll, 12)
    assert (nxt["kind"], nxt["ids"], nxt["done"]) == ("panorama_package_import", ["imp-1"], False)
    poll = read(["imp-1"], [entry("panorama_package_import", "imp-1", "failed")])
    nxt = gate.step(plan, poll, 13, connections)
    assert (nxt["kind"], nxt["ids"]) == ("hci_edge_device", ["logs-1"])
    assert nxt["defaults"] == {"tenant": "t", "resource_uri": URI, "edge_device_name": "default"}
    # the last group done: the loop is over
    poll = read(["logs-1"], [entry("hci_edge_device", "logs-1", "succeeded")], resource_uri=URI,
                edge_device_name="default")
    assert gate.step(plan, poll, 14) == {"done": True}


def test_a_retryable_error_polls_the_same_jobs_again_until_the_deadline():
    plan = gate.plan(selection(kind="backup_report", ids=["a", "b"], timeout=20, delay=5))
    poll = failed(["b"], "ThrottlingException", True)
    assert gate.step(plan, poll, 11)["ids"] == ["b"] and gate.step(plan, poll, 11)["budget"] == 9
    assert gate.step(plan, poll, 20)["done"] is True


def test_an_error_that_retrying_cannot_fix_ends_the_loop():
    plan = gate.plan(selection(kind="backup_report", ids=["a"]))
    assert gate.step(plan, failed(["a"], "AccessDeniedException", False), 1) == {"done": True}
    # a failure without an error block (a missing library) cannot be retried either
    assert gate.step(plan, {"failed": True, "msg": "No module named boto3"}, 1) == {"done": True}


def test_open_jobs_at_the_deadline_end_the_loop():
    plan = gate.plan(selection(kind="backup_report", ids=["a"], timeout=20))
    poll = read(["a"], [entry("backup_report", "a", "running")])
    assert gate.step(plan, poll, 19.9)["done"] is False
    assert gate.step(plan, poll, 20)["done"] is True


def test_a_deadline_passed_between_the_loop_check_and_the_next_item_still_names_the_poll():
    # break_when asks at 19.9 s (not done); the next item's step, after the loop's pause, is asked at 21 s: that item
    # runs, so it needs a module and ids (the last poll, on the smallest budget), not a bare "done".
    plan = gate.plan(selection(kind="backup_report", ids=["a", "b"], timeout=20, delay=2))
    poll = read(["a", "b"], [entry("backup_report", "a", "running"), entry("backup_report", "b", "succeeded")])
    late = gate.step(plan, poll, 21)
    assert late["done"] is True and late["module"] == "jobgate.cloud.backup_report_job_info"
    assert late["ids"] == ["a"] and late["budget"] == gate.BUDGET_FLOOR


def test_same_job_name_on_two_machines_is_told_apart_by_location():
    plan = gate.plan(selection(jobs=[{"kind": "hci_edge_device", "id": "logs", "resource_uri": URI},
                                     {"kind": "hci_edge_device", "id": "logs", "resource_uri": URI + "2"}]))
    poll = read(["logs"], [entry("hci_edge_device", "logs", "succeeded")], resource_uri=URI + "2",
                edge_device_name="default")
    assert gate.group_of(plan, poll) == 1


# ------------------------------------------------------------------------------------------------ lines
def test_job_state_is_formatted_once():
    block = normalized_block("hci_edge_device", "logs-1", "DeploymentInProgress", "running", 40)
    assert gate.job_state(block) == "logs-1 running (DeploymentInProgress, 40%)"
    assert gate.job_state(block, kind=True) == "hci_edge_device logs-1 running (DeploymentInProgress, 40%)"
    assert gate.job_state(normalized_block("panorama_device", "d", None, "unknown")) == "d unknown"


def test_progress_lines():
    plan = gate.plan(selection(kind="panorama_device", ids=["a", "b", "c"]))
    poll = read(["b", "c"], [entry("panorama_device", "b", "running", "IN_PROGRESS", 40),
                             entry("panorama_device", "c", "pending", "PENDING")])
    assert wait_progress(poll, plan, 3, started=100.0, now=131.24) == (
        "poll 3 at 31.2s: b running (IN_PROGRESS, 40%), c pending (PENDING); 1 finished earlier")
    error = failed(["b"], "ThrottlingException", True, "Rate exceeded")
    assert gate.progress(plan, error, 4, 40) == "poll 4 at 40.0s: ThrottlingException (retryable): Rate exceeded"


def test_progress_line_names_each_job_with_its_kind():
    plan = gate.plan(THREE_KINDS)
    poll = read(["imp-1"], [entry("panorama_package_import", "imp-1", "running", "IN_PROGRESS")])
    assert gate.progress(plan, poll, 2, 5) == (
        "poll 2 at 5.0s: panorama_package_import imp-1 running (IN_PROGRESS); 2 finished earlier; 1 of later kinds")


# ------------------------------------------------------------------------------------------------ result and verdict
def test_result_is_the_latest_read_of_each_job_with_the_modules_summary():
    plan = gate.plan(THREE_KINDS)
    polls = [read(["ota-1", "ota-2"], [entry("panorama_device", "ota-1", "succeeded"),
                                       entry("panorama_device", "ota-2", "running")]),
             failed(["ota-2"], "ThrottlingException", True),
             read(["ota-2"], [entry("panorama_device", "ota-2", "succeeded")]),
             read(["imp-1"], [entry("panorama_package_import", "imp-1", "failed", "FAILED", message="no manifest")]),
             read(["logs-1"], [entry("hci_edge_device", "logs-1", "succeeded", "Succeeded")], resource_uri=URI,
                  edge_device_name="default")]
    res = wait_result(polls, plan, started=100.0, now=112.345)
    assert [j["normalized"]["job_id"] for j in res["jobs"]] == ["ota-1", "ota-2", "imp-1", "logs-1"]
    assert res["jobs"][1]["normalized"]["state"] == "succeeded"
    # the same code the modules use
    assert res["summary"] == summarize(res["jobs"])
    assert res["summary"]["failed"] == 1 and res["summary"]["all_terminal"] is True
    assert res["elapsed"] == 12.3 and res["timed_out"] is False
    verdict = wait_verdict(res, plan, polls[-1])
    assert verdict["failure"] == ("1 of 4 jobs did not "
                                  "succeed: panorama_package_import imp-1 failed (FAILED): no manifest")
    assert verdict["report"][-1] == ("jobs: "
                                     "3 succeeded, 1 failed, 0 canceled, 0 still open; waited 12.3s")
    assert wait_verdict(res, plan, polls[-1], fail_on_failure="false")["failure"] == ""


def test_jobs_never_read_count_and_keep_all_terminal_false():
    plan = gate.plan(selection(kind="backup_report", ids=["a", "b"], timeout=20))
    polls = [read(["a", "b"], [entry("backup_report", "a", "succeeded", "COMPLETED")])]
    res = gate.result(plan, polls, 21)
    assert res["summary"]["total"] == 2 and res["summary"]["unknown"] == 1
    assert res["summary"]["all_terminal"] is False and res["timed_out"] is True
    assert gate.verdict(plan, res, polls[-1])["failure"] == (
        "Timed out after 21.0s (wait_for_job_timeout=20) waiting for 1 of 2 backup_report jobs: b (never read).")


def test_timeout_names_open_jobs_and_the_last_error():
    plan = gate.plan(selection(kind="backup_report", ids=["a", "b"], timeout=20))
    polls = [read(["a", "b"], [entry("backup_report", "a", "running", "RUNNING", 50),
                               entry("backup_report", "b", "succeeded")]),
             failed(["a"], "ServiceUnavailable", True, "503 from the API")]
    res = gate.result(plan, polls, 24.04)
    assert res["timed_out"] is True and res["elapsed"] == 24.0
    assert gate.verdict(plan, res, polls[-1])["failure"] == (
        "Timed out after 24.0s (wait_for_job_timeout=20) waiting for 1 of 2 backup_report jobs: a running "
        "(RUNNING, 50%). The last poll failed: 503 from the API")


def test_stop_on_an_error_that_retrying_cannot_fix_is_not_a_timeout():
    plan = gate.plan(selection(kind="panorama_device", ids=["a"]))
    polls = [failed(["a"], "InvalidSignatureException", False, "The signature does not match")]
    res = gate.result(plan, polls, 1.0)
    assert res["timed_out"] is False and res["jobs"] == []
    assert gate.verdict(plan, res, polls[-1])["failure"] == (
        "Stopped waiting for panorama_device jobs a after 1.0s: The signature does not match "
        "(error InvalidSignatureException, HTTP 503, not retryable)")


def test_report_lines():
    plan = gate.plan(selection(kind="backup_report", ids=["a"]))
    block = normalized_block("backup_report", "a", "FAILED", "failed", None, "Access denied",
                             finished="2026-01-02T03:04:05Z")
    res = gate.result(plan, [read(["a"], [{"normalized": block}])], 3)
    assert gate.verdict(plan, res, {}, False)["report"] == [
        "a: failed (FAILED), finished 2026-01-02T03:04:05Z: Access denied",
        "backup_report jobs: 0 succeeded, 1 failed, 0 canceled, 0 still open; waited 3.0s"]


def test_a_failed_poll_without_its_arguments_is_polled_again_from_the_first_group():
    # ansible-core 2.21 without INJECT_INVOCATION: the failure names no job; the loop goes on, it does not end.
    plan = gate.plan(selection(jobs=[{"kind": "backup_report", "ids": ["a"]}, {"kind": "backup_job", "ids": ["b"]}]))
    bare = {"failed": True, "msg": "throttled", "error": {"code": "ThrottlingException", "retryable": True}}
    nxt = gate.step(plan, bare, 3)
    assert nxt["done"] is False and (nxt["kind"], nxt["ids"]) == ("backup_report", ["a"])
    # a failure retrying cannot fix still ends it
    assert gate.step(plan, dict(bare, error={"code": "AccessDeniedException", "retryable": False}), 3)["done"] is True


def test_a_poll_whose_module_had_no_time_to_send_gets_a_bigger_budget():
    plan = gate.plan(selection(kind="backup_report", ids=["a"], timeout=60, delay=1))
    starved = {"failed": True, "msg": "The wait_timeout of 5 s passed before the request could be sent.",
               "error": {"code": "WaitTimeout", "retryable": True}}
    assert gate.step(plan, {}, 0)["budget"] == gate.BUDGET_FLOOR
    assert gate.step(plan, starved, 8)["budget"] == 2 * gate.BUDGET_FLOOR
    # near the deadline the last poll still gets only what is left (at least the floor)
    assert gate.step(plan, starved, 54)["budget"] == 6
    # a throttled poll is not starved: the usual budget
    assert gate.step(plan, failed(["a"], "ThrottlingException", True), 8)["budget"] == gate.BUDGET_FLOOR
    # a read the poll's deadline cut (an HCI metadata read that did not answer in 5 s on a loaded machine) read
    # nothing in its budget either: the next poll gets twice the floor
    cut = dict(failed(["a"], "ConnectionError", True, msg="Could not read the cloud metadata document (ReadTimeout)."),
               elapsed=5.0)
    assert gate.step(plan, cut, 8)["budget"] == 2 * gate.BUDGET_FLOOR
    # a quick retryable failure, or a late one retrying cannot fix, does not
    assert gate.step(plan, dict(cut, elapsed=0.4), 8)["budget"] == gate.BUDGET_FLOOR
    assert gate.step(plan, dict(cut, error={"code": "AccessDenied", "retryable": False}), 8).get("done") is True
