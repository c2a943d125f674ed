"""The wait_for_job role against the emulator: every kind, many jobs, timeout, failed jobs, errors.

Jobs are seeded through the emulator's admin API with status timelines (seconds after creation), then the role
polls them with the real info modules over loopback.
"""
from __future__ import annotations

import re

import pytest

PLAYBOOK = "playbooks/role_wait_for_job.yml"
FAST = {"wait_for_job_delay": 1, "wait_for_job_timeout": 40}
AWS_KINDS = {
    # kind: (a running timeline, the succeeded status, the failed status)
    # ansible-playbook needs a few seconds to start under load, so jobs finish well after that
    "panorama_device": ([["PENDING", 0], ["IN_PROGRESS", 2], ["COMPLETED", 9]], "COMPLETED", "FAILED"),
    "panorama_package_import": ([["PENDING", 0], ["SUCCEEDED", 9]], "SUCCEEDED", "FAILED"),
    "backup_report": ([["CREATED", 0], ["RUNNING", 2], ["COMPLETED", 9]], "COMPLETED", "FAILED"),
    "backup_job": ([["CREATED", 0], ["RUNNING", 2], ["COMPLETED", 9]], "COMPLETED", "PARTIAL"),
    "restore_job": ([["PENDING", 0], ["RUNNING", 2], ["COMPLETED", 9]], "COMPLETED", "FAILED"),
    "copy_job": ([["CREATED", 0], ["RUNNING", 2], ["COMPLETED", 9]], "COMPLETED", "PARTIAL"),
    # a seeded scan's verdict is NO_THREATS_FOUND unless told otherwise; COMPLETED_WITH_ISSUES fails the gate
    "scan_job": ([["CREATED", 0], ["RUNNING", 2], ["COMPLETED", 9]], "COMPLETED", "COMPLETED_WITH_ISSUES"),
}


def seed(emulator, kind: str, timelines: list, **extra) -> list[str]:
    jobs = [dict({"kind": kind, "timeline": tl}, **extra) for tl in timelines]
    return emulator.admin("POST", "/jobs", {"jobs": jobs})["job_ids"]


def aws_vars(emulator, kind: str, ids: list[str], **more) -> dict:
    return {"wait_for_job_kind": kind, "wait_for_job_ids": ids,
            "wait_for_job_aws": {"endpoint_url": emulator.aws_endpoint}, **FAST, **more}


def hci_uri(emulator, machine: str = "node-1") -> str:
    sub = emulator.state["azure"]["subscription_id"]
    return f"/subscriptions/{sub}/resourceGroups/edge-rg/providers/Microsoft.HybridCompute/machines/{machine}"


def outcome(result) -> dict:
    return result.result("outcome")


def describe_calls(emulator) -> list[dict]:
    return [r for r in emulator.requests() if (r.get("operation") or "").startswith(("Describe", "GetReportJob"))
            or r.get("service") == "backup"]


@pytest.mark.smoke
@pytest.mark.parametrize("kind", sorted(AWS_KINDS))
def test_each_aws_kind_succeeds(emulator, run_playbook, assert_no_secrets, kind):
    timeline, done = AWS_KINDS[kind][:2]
    ids = seed(emulator, kind, [timeline, [[timeline[0][0], 0], [done, 7]]])
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars=aws_vars(emulator, kind, ids))
    out = outcome(result)
    assert not out["failed"], out["msg"] + result.tail()
    res = out["result"]
    assert [j["normalized"]["job_id"] for j in res["jobs"]] == ids
    assert all(j["normalized"]["state"] == "succeeded" for j in res["jobs"])
    assert all(j["normalized"]["native_status"] == done for j in res["jobs"])
    assert res["summary"]["total"] == 2 and res["summary"]["succeeded"] == 2
    assert res["summary"]["all_succeeded"] is True and res["summary"]["all_terminal"] is True
    assert res["timed_out"] is False
    assert 0 < res["elapsed"] < FAST["wait_for_job_timeout"]
    # native types under ansible-core 2.18 too, whose templating once turned them into text ('2', '9.1')
    assert isinstance(res["elapsed"], float) and {type(v) for v in res["summary"].values()} == {int, bool}
    # one line per poll, naming each open job with its state; the last one shows them done
    polls = re.findall(r"\(item=poll (\d+) at [\d.]+s: (.*)\)(?: => \{)?$", result.stdout, re.MULTILINE)
    assert polls and ids[0] in polls[0][1], result.tail()
    # kinds with a progress figure show it too: "succeeded (COMPLETED, 100%)"
    assert re.search(rf"succeeded \({done}(, 100%)?\)", polls[-1][1]), polls[-1][1]
    assert "running" not in polls[-1][1] and "pending" not in polls[-1][1]
    assert "2 succeeded, 0 failed, 0 canceled, 0 still open" in result.stdout
    assert_no_secrets(result.output, emulator)


@pytest.mark.smoke
def test_hci_jobs_succeed(emulator, run_playbook, assert_no_secrets):
    uri = hci_uri(emulator)
    names = ["collect-logs-7", "remote-support-7"]
    emulator.admin("POST", "/jobs", {"jobs": [
        {"kind": "hci_edge_device", "resource_uri": uri, "name": names[0], "job_type": "CollectLog",
         "timeline": [["Scheduled", 0], ["DeploymentInProgress", 2], ["Succeeded", 9]]},
        {"kind": "hci_edge_device", "resource_uri": uri, "name": names[1], "job_type": "RemoteSupport",
         "timeline": [["Scheduled", 0], ["Succeeded", 7]]}]})
    extra = {"wait_for_job_kind": "hci_edge_device", "wait_for_job_ids": names,
             "wait_for_job_resource_uri": uri, **FAST}
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars=extra)
    out = outcome(result)
    assert not out["failed"], str(out["msg"]) + result.tail()
    res = out["result"]
    assert [j["name"] for j in res["jobs"]] == names
    assert res["summary"]["all_succeeded"] is True
    assert {j["properties"]["status"] for j in res["jobs"]} == {"Succeeded"}
    assert_no_secrets(result.output, emulator)


def cluster_id(emulator, name: str = "cluster-1") -> str:
    sub = emulator.state["azure"]["subscription_id"]
    return f"/subscriptions/{sub}/resourceGroups/edge-rg/providers/Microsoft.AzureStackHCI/clusters/{name}"


def test_update_runs_succeed_with_the_single_kind_location_variables(emulator, run_playbook, assert_no_secrets):
    cluster, update = cluster_id(emulator), "Solution12.2604.1003.20"
    emulator.admin("POST", "/jobs", {"jobs": [
        {"kind": "hci_update_run", "cluster_id": cluster, "update_name": update, "name": "run-7a",
         "timeline": [["Unknown", 0], ["InProgress", 2], ["Succeeded", 9]]},
        {"kind": "hci_update_run", "cluster_id": cluster, "update_name": update, "name": "run-7b",
         "timeline": [["InProgress", 0], ["Succeeded", 7]]}]})
    extra = {"wait_for_job_kind": "hci_update_run", "wait_for_job_ids": ["run-7a", "run-7b"],
             "wait_for_job_cluster_id": cluster, "wait_for_job_update_name": update, **FAST}
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars=extra)
    out = outcome(result)
    assert not out["failed"], str(out["msg"]) + result.tail()
    res = out["result"]
    assert [j["normalized"]["job_id"] for j in res["jobs"]] == ["run-7a", "run-7b"]
    assert res["summary"]["all_succeeded"] is True and {j["properties"]["state"] for j in res["jobs"]} == {"Succeeded"}
    polls = re.findall(r"\(item=poll (\d+) at [\d.]+s: (.*)\)(?: => \{)?$", result.stdout, re.MULTILINE)
    # One line per poll, naming the runs it read. A run seen done is not read again (the line then says "1 finished
    # earlier"), and on a busy machine run-7b (7 s) may end before the first poll that reads it: each run is shown
    # done in some line, and the last line shows none open.
    assert polls, result.stdout
    for run in ("run-7a", "run-7b"):
        assert any(f"{run} succeeded (Succeeded)" in line for _n, line in polls), polls
    assert not re.search(r"running|pending|unknown", polls[-1][1]), polls
    assert_no_secrets(result.output, emulator)


def test_a_failed_update_run_fails_the_role_with_its_root_cause(emulator, run_playbook):
    cluster, update = cluster_id(emulator), "Solution12.2604.1003.20"
    emulator.admin("POST", "/jobs", {"kind": "hci_update_run", "cluster_id": cluster, "update_name": update,
                                     "name": "run-8", "timeline": [["InProgress", 0],
                                                                   ["Failed", 2, "Host node-2 lost its storage."]]})
    extra = {"wait_for_job_jobs": [{"kind": "hci_update_run", "id": "run-8", "cluster_id": cluster,
                                    "update_name": update}], **FAST}
    out = outcome(run_playbook(PLAYBOOK, emulator=emulator, extra_vars=extra))
    assert out["failed"] and "run-8 failed (Failed)" in out["msg"] and "Host node-2 lost its storage." in out["msg"]


def test_hci_timeout_shows_states_and_percent(emulator, run_playbook):
    uri = hci_uri(emulator)
    emulator.admin("POST", "/jobs", {"kind": "hci_edge_device", "resource_uri": uri, "name": "collect-logs-8",
                                     "timeline": [["Scheduled", 0], ["DeploymentInProgress", 0.2]]})
    extra = {"wait_for_job_kind": "hci_edge_device", "wait_for_job_id": "collect-logs-8",
             "wait_for_job_resource_uri": uri, "wait_for_job_delay": 1, "wait_for_job_timeout": 3}
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars=extra)
    out = outcome(result)
    # HCI reports a percent while deploying: the poll lines and the timeout message show it
    assert re.search(r"item=poll 1 at [\d.]+s: collect-logs-8 running \(DeploymentInProgress, \d+%\)\)",
                     result.stdout), result.tail()
    assert re.fullmatch(r"Timed out after [\d.]+s \(wait_for_job_timeout=3\) waiting for 1 of 1 hci_edge_device jobs: "
                        r"collect-logs-8 running \(DeploymentInProgress, \d+%\)\.", out["msg"]), out["msg"]


def test_many_jobs_at_once(emulator, run_playbook):
    ids = seed(emulator, "panorama_device",
               [[["COMPLETED", 0]]] * 6 + [[["PENDING", 0], ["IN_PROGRESS", 2], ["COMPLETED", 9]]] * 6)
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars=aws_vars(emulator, "panorama_device", ids))
    out = outcome(result)
    assert not out["failed"], str(out["msg"]) + result.tail()
    assert [j["normalized"]["job_id"] for j in out["result"]["jobs"]] == ids
    assert out["result"]["summary"]["succeeded"] == 12 and out["result"]["summary"]["total"] == 12
    assert "12 succeeded, 0 failed, 0 canceled, 0 still open" in result.stdout


def test_finished_jobs_are_not_polled_again(emulator, run_playbook):
    ids = seed(emulator, "panorama_device", [[["COMPLETED", 0]]] * 6 + [[["PENDING", 0], ["IN_PROGRESS", 0.1]]] * 6)
    emulator.clear_requests()
    extra = aws_vars(emulator, "panorama_device", ids, wait_for_job_timeout=10)
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars=extra)
    out = outcome(result)
    assert out["result"]["timed_out"] is True and "waiting for 6 of 12 panorama_device jobs" in out["msg"]
    described = [r["path"].rsplit("/", 1)[-1] for r in emulator.requests(operation="DescribeDeviceJob")]
    # the six jobs finished before the first poll are read exactly once; the others on every poll
    for job_id in ids[:6]:
        assert described.count(job_id) == 1, described
        assert job_id not in out["msg"]
    assert all(described.count(job_id) >= 2 for job_id in ids[6:]), described
    assert "6 finished earlier" in result.stdout
    assert out["result"]["summary"]["succeeded"] == 6 and out["result"]["summary"]["running"] == 6


def test_timeout_names_open_jobs_and_last_states(emulator, run_playbook):
    ids = seed(emulator, "panorama_device", [[["PENDING", 0], ["IN_PROGRESS", 0.5]], [["COMPLETED", 0]],
                                             [["PENDING", 0]]])
    extra = aws_vars(emulator, "panorama_device", ids, wait_for_job_timeout=3)
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars=extra)
    out = outcome(result)
    assert out["failed"], result.tail()
    msg = out["msg"]
    assert msg.startswith("Timed out after "), msg
    assert "waiting for 2 of 3 panorama_device jobs" in msg
    assert f"{ids[0]} running (IN_PROGRESS)" in msg and f"{ids[2]} pending (PENDING)" in msg
    assert ids[1] not in msg
    res = out["result"]
    assert res["timed_out"] is True and res["summary"]["succeeded"] == 1 and res["summary"]["all_terminal"] is False
    assert 3 <= res["elapsed"] < 15
    assert re.search(r"Timed out after ([\d.]+)s", msg).group(1) == str(res["elapsed"])


@pytest.mark.parametrize("kind", ["panorama_package_import", "backup_report"])
def test_failed_job_fails_with_its_own_message(emulator, run_playbook, kind):
    timeline, done, failed = AWS_KINDS[kind]
    why = "Manifest object not found in bucket" if kind == "panorama_package_import" else "Report plan bucket is gone"
    ids = seed(emulator, kind, [timeline, [[timeline[0][0], 0], [failed, 7, why]]])
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars=aws_vars(emulator, kind, ids))
    out = outcome(result)
    assert out["failed"], result.tail()
    assert f"1 of 2 {kind} jobs did not succeed: {ids[1]} failed ({failed}): {why}" == out["msg"]
    res = out["result"]
    assert res["timed_out"] is False and res["summary"]["failed"] == 1 and res["summary"]["any_failed"] is True
    assert res["summary"]["succeeded"] == 1
    assert res["jobs"][1]["normalized"]["message"] == why


def test_failed_device_job_without_a_message_says_so(emulator, run_playbook):
    # DescribeDeviceJob has no status message; the failure must still name the job and say there is none
    ids = seed(emulator, "panorama_device", [[["PENDING", 0], ["FAILED", 6]]])
    result = run_playbook(PLAYBOOK, emulator=emulator,
                          extra_vars=aws_vars(emulator, "panorama_device", [], wait_for_job_id=ids[0]))
    out = outcome(result)
    assert out["msg"] == f"1 of 1 panorama_device jobs did not succeed: {ids[0]} failed (FAILED): no message from the API"


def test_failed_job_is_reported_not_raised_without_fail_on_failure(emulator, run_playbook):
    ids = seed(emulator, "backup_report", [[["CREATED", 0], ["FAILED", 6, "Access denied to the report bucket"]]])
    extra = aws_vars(emulator, "backup_report", [], wait_for_job_id=ids[0], wait_for_job_fail_on_failure=False)
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars=extra)
    out = outcome(result)
    assert not out["failed"], out["msg"]
    assert out["result"]["summary"]["failed"] == 1 and out["result"]["summary"]["all_terminal"] is True
    assert re.search(rf'"{ids[0]}: failed \(FAILED\), finished \S+Z: Access denied to the report bucket"',
                     result.stdout), result.tail()
    assert "backup_report jobs: 0 succeeded, 1 failed, 0 canceled, 0 still open; waited" in result.stdout


def test_non_retryable_error_stops_at_once(emulator, run_playbook, assert_no_secrets):
    ids = seed(emulator, "panorama_device", [[["PENDING", 0]]])
    emulator.clear_requests()
    # a wrong secret: the signature does not verify; retrying cannot help
    env = {"AWS_SECRET_ACCESS_KEY": "wrong" + emulator.state["aws"]["secret_key"][5:]}
    extra = aws_vars(emulator, "panorama_device", ids, wait_for_job_timeout=60)
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars=extra, env=env)
    out = outcome(result)
    assert out["failed"], result.tail()
    assert out["msg"].startswith(f"Stopped waiting for panorama_device jobs {ids[0]} after "), out["msg"]
    assert "not retryable" in out["msg"]
    assert out["result"]["timed_out"] is False and out["result"]["elapsed"] < 20
    assert len(emulator.requests()) == 1, emulator.requests()
    assert "FAILED - RETRYING" not in result.stdout
    assert_no_secrets(result.output, emulator)


# ansible-core 2.21 registers a module's arguments only when INJECT_INVOCATION is on (the harness turns it on for the
# secret scans); users run with it off, where a failed poll names no job.
INVOCATION = pytest.mark.parametrize("invocation", [{}, {"ANSIBLE_INJECT_INVOCATION": None}],
                                     ids=["invocation", "no-invocation"])


@INVOCATION
def test_transient_errors_are_ridden_through(emulator, run_playbook, invocation):
    ids = seed(emulator, "backup_report", [[["CREATED", 0], ["RUNNING", 1], ["COMPLETED", 9]]])
    # more 503s than the module's own retries absorb, so the role has to retry the poll itself
    emulator.admin("POST", "/faults", {"kind": "error", "status": 503, "count": 9,
                                       "match": {"service": "backup"}})
    emulator.clear_requests()
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars=aws_vars(emulator, "backup_report", ids),
                          env=invocation)
    out = outcome(result)
    assert not out["failed"], str(out["msg"]) + result.tail()
    assert out["result"]["summary"]["all_succeeded"] is True
    # the role polled again after a retryable error: one loop, its poll line names the error
    assert re.search(r"item=poll \d+ at [\d.]+s: \S+ \(retryable\): ", result.stdout), result.tail()
    statuses = [r["status"] for r in emulator.requests(service="backup")]
    assert statuses.count(503) == 9 and statuses[-1] == 200, statuses


def test_bad_selection_fails_before_any_request(emulator, run_playbook):
    result = run_playbook(PLAYBOOK, emulator=emulator,
                          extra_vars={"wait_for_job_kind": "hci_edge_device", "wait_for_job_ids": ["job-1"]})
    out = outcome(result)
    assert out["failed"] and "wait_for_job_resource_uri for hci_edge_device jobs" in out["msg"], out
    assert emulator.requests() == []
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars={"wait_for_job_kind": "ec2_instance",
                                                                   "wait_for_job_ids": ["i-1"]})
    assert outcome(result)["failed"] and "wait_for_job_kind" in outcome(result)["msg"]


PLAY_DEFAULTS = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/jobgate.cloud.aws:
      endpoint_url: "{{ emulator_aws_endpoint }}"
      region: "{{ emulator_region }}"
  tasks:
    - name: Wait with the play's connection defaults
      ansible.builtin.include_role:
        name: jobgate.cloud.wait_for_job
      vars:
        wait_for_job_kind: panorama_package_import
        wait_for_job_ids: "{{ ids }}"
        wait_for_job_delay: 1
        wait_for_job_aws: "{{ role_aws }}"
    - name: Save
      ansible.builtin.copy:
        content: "{{ wait_for_job_result | to_json }}"
        dest: "{{ out_dir }}/result.json"
        mode: "0600"
"""


@pytest.mark.parametrize("role_aws", [{}, {"region": "REGION"}])
def test_play_module_defaults_still_apply_under_the_role(emulator, run_playbook, role_aws):
    """The role's own options go on top of a play's group/jobgate.cloud.aws defaults, key by key."""
    ids = seed(emulator, "panorama_package_import", [[["PENDING", 0], ["SUCCEEDED", 4]]])
    role_aws = {k: (emulator.region if v == "REGION" else v) for k, v in role_aws.items()}
    # no endpoint or region in the environment: only the play's module_defaults can say where to go
    env = {"AWS_URL": None, "AWS_REGION": None, "AWS_DEFAULT_REGION": None}
    result = run_playbook(PLAY_DEFAULTS, emulator=emulator, env=env, extra_vars={"ids": ids, "role_aws": role_aws})
    result.assert_ok()
    assert result.result("result")["summary"]["all_succeeded"] is True


# ------------------------------------------------------------------------------------------------ several kinds
def three_kinds(emulator, *, import_end=("SUCCEEDED", 8), logs_end=("Succeeded", 8)) -> tuple[list, dict]:
    """An OTA on two devices, a package import and an HCI log collection: wait_for_job_jobs and each kind's ids."""
    ota = seed(emulator, "panorama_device", [[["PENDING", 0], ["IN_PROGRESS", 2], ["COMPLETED", 9]],
                                             [["PENDING", 0], ["COMPLETED", 6]]])
    imp = seed(emulator, "panorama_package_import", [[["PENDING", 0], [*import_end]]])
    uri = hci_uri(emulator)
    emulator.admin("POST", "/jobs", {"kind": "hci_edge_device", "resource_uri": uri, "name": "collect-logs-9",
                                     "job_type": "CollectLog",
                                     "timeline": [["Scheduled", 0], ["DeploymentInProgress", 2], [*logs_end]]})
    jobs = [{"kind": "panorama_device", "ids": ota}, {"kind": "panorama_package_import", "id": imp[0]},
            {"kind": "hci_edge_device", "id": "collect-logs-9", "resource_uri": uri}]
    return jobs, {"panorama_device": ota, "panorama_package_import": imp, "hci_edge_device": ["collect-logs-9"]}


def jobs_vars(emulator, jobs: list, **more) -> dict:
    return {"wait_for_job_jobs": jobs, "wait_for_job_aws": {"endpoint_url": emulator.aws_endpoint}, **FAST, **more}


@pytest.mark.smoke
def test_jobs_of_three_kinds_in_one_include(emulator, run_playbook, assert_no_secrets):
    jobs, ids = three_kinds(emulator)
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars=jobs_vars(emulator, jobs))
    out = outcome(result)
    assert not out["failed"], str(out["msg"]) + result.tail()
    res = out["result"]
    # one result over all, in the order given, each job telling its kind
    assert [(j["normalized"]["provider"], j["normalized"]["job_id"]) for j in res["jobs"]] == [
        (kind, job_id) for kind, kind_ids in ids.items() for job_id in kind_ids]
    assert res["summary"]["total"] == 4 and res["summary"]["succeeded"] == 4
    assert res["summary"]["all_succeeded"] is True and res["timed_out"] is False
    assert 0 < res["elapsed"] < FAST["wait_for_job_timeout"]
    # the progress lines name each job with its kind; every kind was polled
    lines = " | ".join(re.findall(r"\(item=poll \d+ at [\d.]+s: (.*)\)(?: => \{)?$", result.stdout, re.MULTILINE))
    for kind, kind_ids in ids.items():
        assert f"{kind} {kind_ids[0]} " in lines, lines
    assert re.search(r"hci_edge_device collect-logs-9 succeeded \(Succeeded", lines), lines
    assert ("jobs: 4 succeeded, 0 failed, "
            "0 canceled, 0 still open") in result.stdout
    # one include: one poll task, one header for it
    assert result.stdout.count("TASK [jobgate.cloud.wait_for_job : Poll") == 1
    assert_no_secrets(result.output, emulator)


@INVOCATION
def test_jobs_of_three_kinds_under_throttling(emulator, run_playbook, invocation):
    jobs, ids = three_kinds(emulator)
    # more throttling than one poll's retries absorb, for an AWS kind and for HCI
    emulator.admin("POST", "/faults", {"faults": [
        {"kind": "throttle", "count": 6, "match": {"service": "panorama", "operation": "DescribePackageImportJob"}},
        {"kind": "throttle", "count": 6, "match": {"service": "azure", "operation": "EdgeDeviceJobs_Get"}}]})
    emulator.clear_requests()
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars=jobs_vars(emulator, jobs, wait_for_job_timeout=90),
                          env=invocation)
    out = outcome(result)
    assert not out["failed"], str(out["msg"]) + result.tail()
    assert out["result"]["summary"]["all_succeeded"] is True and out["result"]["summary"]["total"] == 4
    for operation in ("DescribePackageImportJob", "EdgeDeviceJobs_Get"):
        statuses = [r["status"] for r in emulator.requests(operation=operation)]
        assert statuses.count(429) == 6 and statuses[-1] == 200, (operation, statuses)
    # the role polled again after a retryable error
    assert re.search(r"item=poll \d+ at [\d.]+s: .*\(retryable\): ", result.stdout), result.tail()


def test_jobs_of_three_kinds_with_a_failed_job(emulator, run_playbook):
    why = "Manifest object not found in bucket"
    jobs, ids = three_kinds(emulator, import_end=("FAILED", 5, why))
    result = run_playbook(PLAYBOOK, emulator=emulator, extra_vars=jobs_vars(emulator, jobs))
    out = outcome(result)
    assert out["failed"], result.tail()
    assert out["msg"] == ("1 of 4 jobs did not "
                          f"succeed: panorama_package_import {ids['panorama_package_import'][0]} failed (FAILED): {why}")
    res = out["result"]
    # every job was still waited for: the gate's result covers them all
    assert res["timed_out"] is False and res["summary"]["total"] == 4
    assert res["summary"]["failed"] == 1 and res["summary"]["succeeded"] == 3 and res["summary"]["all_terminal"] is True


def test_jobs_of_three_kinds_share_one_deadline(emulator, run_playbook):
    jobs, ids = three_kinds(emulator, logs_end=("DeploymentInProgress", 3))
    result = run_playbook(PLAYBOOK, emulator=emulator,
                          extra_vars=jobs_vars(emulator, jobs, wait_for_job_timeout=25, wait_for_job_delay=2))
    out = outcome(result)
    assert out["failed"] and out["result"]["timed_out"] is True, result.tail()
    assert re.fullmatch(r"Timed out after [\d.]+s \(wait_for_job_timeout=25\) waiting for 1 of 4 jobs: "
                        r"hci_edge_device collect-logs-9 running "
                        r"\(DeploymentInProgress, \d+%\)\.", out["msg"]), out["msg"]
    assert 25 <= out["result"]["elapsed"] <= 25 + 2 + 10
