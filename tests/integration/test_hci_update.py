"""hci_update_run_info, hci_update and the role's hci_update_run kind through ansible-playbook against the
emulator's authority and Resource Manager (HTTPS). One playbook run of every case (reads, every row of the status
table, list mode paged to the end, waits under throttling, the start module's idempotency and check mode, the role
with the kind alone and beside an edge device job); the tests below each judge a part of it."""
from __future__ import annotations

import re

import pytest

from hci_support import machine_uri
from reliability_support import case_playbook, requests_between

RUN_OK, RUN_FAIL, RUN_UNKNOWN, RUN_NOSTATE, RUN_OPEN = "run-ok", "run-fail", "run-unknown", "run-nostate", "run-open"
RUN_RISE, RUN_ROLE = "run-rise", "run-role"
UPDATE = "Solution12.2604.1003.20"
ROOT_CAUSE = "Host node-2 did not come back after its restart."
WAIT = {"wait": True, "wait_sleep": 1, "wait_timeout": 90}


def cluster_id(emulator, name: str = "cluster-1") -> str:
    sub = emulator.state["azure"]["subscription_id"]
    return f"/subscriptions/{sub}/resourceGroups/edge-rg/providers/Microsoft.AzureStackHCI/clusters/{name}"


def run_spec(cluster: str, update: str, name: str, timeline: list) -> dict:
    return {"kind": "hci_update_run", "cluster_id": cluster, "update_name": update, "name": name, "timeline": timeline}


def ops(log: list, case: dict, *names: str) -> list:
    """The Resource Manager operations a case sent (all, or those named)."""
    return [r["operation"] for r in requests_between(log, case["t0"], case["t1"])
            if r["service"] == "azure-arm" and (not names or r["operation"] in names)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from harness import EmulatorProcess, run_playbook

    workdir = tmp_path_factory.mktemp("hci-update")
    emulator = EmulatorProcess(workdir / "emulator")
    try:
        cluster = cluster_id(emulator)
        emulator.admin("POST", "/azure/updates", {"updates": [
            {"cluster_id": cluster, "name": UPDATE, "state": "Installing"},
            {"cluster_id": cluster, "name": "Solution12.2603.1002.5", "state": "Installed",
             "installed_date": "2026-03-20T04:00:00Z"},
            {"cluster_id": cluster, "name": "Solution12.2605.1001.1", "state": "Ready"},
            {"cluster_id": cluster, "name": "SBE4.2.2605.9", "state": "ReadyToInstall"},
        ]})
        emulator.admin("POST", "/jobs", {"jobs": [
            run_spec(cluster, UPDATE, RUN_OK, [["InProgress", 0], ["Succeeded", 0]]),
            run_spec(cluster, UPDATE, RUN_FAIL, [["InProgress", 0], ["Failed", 0, ROOT_CAUSE]]),
            run_spec(cluster, UPDATE, RUN_UNKNOWN, [["Unknown", 0]]),
            run_spec(cluster, UPDATE, RUN_NOSTATE, [["NoState", 0]]),
            run_spec(cluster, UPDATE, RUN_OPEN, [["InProgress", 0]]),
        ] + [run_spec(cluster, "Solution12.2511.1.1", f"page-{i}", [["Succeeded", 0]]) for i in range(7)]})
        # An edge device job beside them, for the role's one include over two Azure kinds.
        emulator.admin("POST", "/jobs", {"kind": "hci_edge_device", "resource_uri": machine_uri(emulator),
                                         "name": "collect-1", "timeline": [["Scheduled", 0], ["Succeeded", 0.5]]})
        emulator.admin("POST", "/timelines", {
            "hci_update_run": [["InProgress", 0], ["Succeeded", 3]],
            "overrides": [{"kind": "hci_update_run", "match": {"update": "SBE4.2.2605.9"},
                           "timeline": [["InProgress", 0], ["Failed", 2, "The storage pool is degraded."]]}]})
        result = run_playbook(case_playbook(cases(emulator, cluster), aws_endpoint=False), emulator=emulator,
                              timeout=500, env={"HOME": str(workdir)}, extra_vars={"admin_url": emulator.admin_url},
                              out_dir=workdir / "run")
        assert result.rc == 0, result.tail()
        saved = result.result("cases")
        leaked = [s for s in emulator.secrets() if s in result.output]
        yield {"saved": saved, "out": {cid: case["result"] for cid, case in saved.items()}, "cluster": cluster,
               "log": emulator.requests(), "output": result.output, "leaked": len(leaked)}
    finally:
        emulator.stop()


def cases(emulator, cluster: str) -> list:
    info = "jobgate.cloud.hci_update_run_info"
    start = "jobgate.cloud.hci_update"
    where = {"cluster_id": cluster, "update_name": UPDATE}
    role = {"wait_for_job_delay": 1, "wait_for_job_timeout": 120}
    return [
        {"id": "one", "module": info, "args": {**where, "run_name": RUN_FAIL}},
        {"id": "many", "module": info, "args": {**where, "job_ids": [RUN_OK, RUN_FAIL, RUN_OPEN]}},
        {"id": "rows", "module": info, "args": {**where, "run_names": [RUN_OK, RUN_FAIL, RUN_UNKNOWN, RUN_NOSTATE,
                                                                       RUN_OPEN]}},
        {"id": "missing", "module": info, "args": {**where, "run_name": "no-such-run"}},
        {"id": "list", "module": info, "args": {"cluster_id": cluster, "update_name": "Solution12.2511.1.1"},
         "before": [("/azure/settings", {"page_size": 3})]},
        # Unknown is not terminal: a wait on it runs into its deadline (8 s: a read even after a loaded start-up).
        {"id": "unknown-wait", "module": info, "args": {**where, "run_name": RUN_UNKNOWN, "wait": True,
                                                        "wait_sleep": 1, "wait_timeout": 8}},
        # a run (of another update) that succeeds after 8 s, waited for through throttled reads
        {"id": "throttled-wait", "module": info, "args": {"cluster_id": cluster, "update_name": "Solution12.2511.1.1",
                                                          "run_name": RUN_RISE, **WAIT},
         "before": [("/azure/settings", {"page_size": 50}),
                    ("/jobs", run_spec(cluster, "Solution12.2511.1.1", RUN_RISE, [["InProgress", 0], ["Succeeded", 8]]))],
         "faults": [{"match": {"service": "azure", "operation": "UpdateRuns_Get"}, "kind": "throttle", "count": 4,
                     "retry_after": 1}],
         "clear_after": True},
        # the start module: an installed update, a run in progress, check mode, an apply waited for, its rerun
        {"id": "installed", "module": start, "args": {"cluster_id": cluster, "update_name": "Solution12.2603.1002.5"}},
        {"id": "in-progress", "module": start, "args": where},
        {"id": "check", "module": start, "args": {"cluster_id": cluster, "update_name": "Solution12.2605.1001.1"},
         "check_mode": True},
        {"id": "apply", "module": start, "args": {"cluster_id": cluster, "update_name": "Solution12.2605.1001.1",
                                                  **WAIT}},
        {"id": "rerun", "module": start, "args": {"cluster_id": cluster, "update_name": "Solution12.2605.1001.1",
                                                  **WAIT}},
        {"id": "apply-fails", "module": start, "args": {"cluster_id": cluster, "update_name": "SBE4.2.2605.9", **WAIT}},
        # the role: the kind alone, a failed run, and with an edge device job in one include
        {"id": "role", "module": "role", "args": {"wait_for_job_kind": "hci_update_run", "wait_for_job_id": RUN_ROLE,
                                                  "wait_for_job_cluster_id": cluster, "wait_for_job_update_name": UPDATE,
                                                  **role},
         "before": [("/jobs", run_spec(cluster, UPDATE, RUN_ROLE, [["InProgress", 0], ["Succeeded", 12]]))]},
        {"id": "role-failed", "module": "role", "args": {"wait_for_job_kind": "hci_update_run",
                                                         "wait_for_job_ids": [RUN_OK, RUN_FAIL],
                                                         "wait_for_job_cluster_id": cluster,
                                                         "wait_for_job_update_name": UPDATE, **role}},
        {"id": "role-jobs", "module": "role", "args": {"wait_for_job_jobs": [
            {"kind": "hci_update_run", "id": RUN_OK, "cluster_id": cluster, "update_name": UPDATE},
            {"kind": "hci_edge_device", "id": "collect-1", "resource_uri": machine_uri(emulator)}], **role}},
        {"id": "role-no-cluster", "module": "role", "args": {"wait_for_job_kind": "hci_update_run",
                                                             "wait_for_job_id": RUN_OK, **role}},
    ]


def test_one_run_by_id_with_its_root_cause(runs):
    job = runs["out"]["one"]["job"]
    assert job["id"].endswith(f"/updateRuns/{RUN_FAIL}") and job["name"] == f"{UPDATE}/{RUN_FAIL}"
    assert job["type"] == "Microsoft.AzureStackHCI/clusters/updates/updateRuns"
    assert job["properties"]["state"] == "Failed" and job["properties"]["progress"]["steps"]
    assert job["normalized"] == {**job["normalized"], "provider": "hci_update_run", "job_id": RUN_FAIL,
                                 "native_status": "Failed", "state": "failed", "terminal": True,
                                 "message": ROOT_CAUSE, "percent_complete": None}
    assert job["normalized"]["finished_at"].endswith("Z") and job["normalized"]["created_at"].endswith("Z")
    log = [r for r in requests_between(runs["log"], runs["saved"]["one"]["t0"], runs["saved"]["one"]["t1"])
           if r["service"] == "azure-arm"]
    assert [r["operation"] for r in log] == ["UpdateRuns_Get"] and all(r["bearer"] and r["auth_ok"] for r in log)
    assert log[0]["query"]["api-version"] == "2025-10-01"


def test_many_ids_and_not_found(runs):
    out = runs["out"]
    many = out["many"]
    assert [j["normalized"]["job_id"] for j in many["jobs"]] == [RUN_OK, RUN_FAIL, RUN_OPEN] and "job" not in many
    assert many["summary"]["succeeded"] == 1 and many["summary"]["failed"] == 1 and many["summary"]["running"] == 1
    missing = out["missing"]
    assert missing["failed"] and missing["error"]["code"] == "ResourceNotFound" and missing["error"]["retryable"] is False
    assert "no-such-run" in missing["msg"] and "cluster-1" in missing["msg"]


def test_every_row_of_the_status_table(runs):
    rows = {j["normalized"]["job_id"]: (j["normalized"]["native_status"], j["normalized"]["state"],
                                        j["normalized"]["terminal"], j["normalized"]["finished_at"] is not None)
            for j in runs["out"]["rows"]["jobs"]}
    assert rows == {RUN_OK: ("Succeeded", "succeeded", True, True), RUN_FAIL: ("Failed", "failed", True, True),
                    RUN_UNKNOWN: ("Unknown", "unknown", False, False), RUN_NOSTATE: (None, "unknown", False, False),
                    RUN_OPEN: ("InProgress", "running", False, False)}
    summary = runs["out"]["rows"]["summary"]
    assert summary["unknown"] == 2 and summary["all_terminal"] is False
    # five ids: read from the list in one request
    assert ops(runs["log"], runs["saved"]["rows"], "UpdateRuns_Get", "UpdateRuns_List") == ["UpdateRuns_List"]


def test_list_mode_pages_to_the_end(runs):
    out = runs["out"]["list"]
    assert sorted(j["normalized"]["job_id"] for j in out["jobs"]) == [f"page-{i}" for i in range(7)]
    assert "job" not in out and out["summary"]["all_succeeded"] is True
    listed = [r for r in requests_between(runs["log"], runs["saved"]["list"]["t0"], runs["saved"]["list"]["t1"])
              if r["operation"] == "UpdateRuns_List"]
    assert len(listed) == 3 and [r["query"].get("$skipToken") for r in listed] == [None, "3", "6"]


def test_unknown_is_not_terminal(runs):
    out = runs["out"]["unknown-wait"]
    assert out["failed"] and out["error"]["code"] == "WaitTimeout" and out["job"]["normalized"]["state"] == "unknown"
    assert RUN_UNKNOWN in out["msg"] and out["elapsed"] <= 8 + 2


def test_waits_through_throttling_within_the_deadline(runs):
    case = runs["saved"]["throttled-wait"]
    out = case["result"]
    assert not out.get("failed"), out
    assert out["job"]["normalized"]["state"] == "succeeded" and out["elapsed"] < 90
    sent = requests_between(runs["log"], case["t0"], case["t1"])
    assert sum(1 for r in sent if r.get("fault") == "throttle") == 4
    # the four throttled reads, then reads until the run ended
    assert len(ops(runs["log"], case, "UpdateRuns_Get")) >= 5


def test_an_installed_update_starts_nothing_and_opens_the_gate(runs):
    out = runs["out"]["installed"]
    assert not out.get("failed"), out
    assert out["changed"] is False and out["jobs"] == [] and "job" not in out
    assert out["cluster_update"]["properties"]["state"] == "Installed" and out["cluster_update"]["name"] == "Solution12.2603.1002.5"
    assert out["summary"]["all_succeeded"] is True and out["summary"]["all_terminal"] is True
    assert ops(runs["log"], runs["saved"]["installed"]) == ["Updates_Get"]


def test_a_run_in_progress_is_returned_not_started(runs):
    out = runs["out"]["in-progress"]
    assert out["changed"] is False and out["job"]["normalized"]["job_id"] == RUN_OPEN
    assert "Updates_Post" not in ops(runs["log"], runs["saved"]["in-progress"])


def test_check_mode_lists_what_would_start(runs):
    out = runs["out"]["check"]
    assert out["changed"] is True and out["jobs"] == [] and out["summary"]["all_succeeded"] is False
    assert out["would_start"] == [{"cluster_id": runs["cluster"], "update_name": "Solution12.2605.1001.1",
                                   "update_state": "Ready", "api_version": "2025-10-01"}]
    assert "Updates_Post" not in ops(runs["log"], runs["saved"]["check"])


def test_apply_follows_the_operation_and_waits_for_the_run(runs):
    out = runs["out"]["apply"]
    assert not out.get("failed"), out
    job = out["job"]
    assert out["changed"] is True and job["normalized"]["state"] == "succeeded" and out["summary"]["all_succeeded"]
    assert re.fullmatch(r"[0-9a-f-]{36}", job["normalized"]["job_id"]) and job["id"].endswith(job["normalized"]["job_id"])
    sent = ops(runs["log"], runs["saved"]["apply"])
    assert sent[:3] == ["Updates_Get", "UpdateRuns_List", "Updates_Post"] and "OperationStatus" in sent
    assert sent.count("Updates_Post") == 1
    rerun = runs["out"]["rerun"]
    assert rerun["changed"] is False and rerun["jobs"] == [] and rerun["cluster_update"]["properties"]["state"] == "Installed"
    assert rerun["summary"]["all_succeeded"] is True


def test_a_failed_run_is_returned_with_its_root_cause(runs):
    out = runs["out"]["apply-fails"]
    assert not out.get("failed"), out
    assert out["changed"] is True and out["job"]["normalized"]["state"] == "failed"
    assert out["job"]["normalized"]["message"] == "The storage pool is degraded." and out["summary"]["any_failed"]


def test_the_role_waits_for_update_runs(runs):
    out = runs["out"]
    assert out["role"] == {"role_ok": True}, out["role"]
    assert re.search(rf"{RUN_ROLE} running \(InProgress\)", runs["output"])
    assert f"{RUN_FAIL} failed (Failed)" in out["role-failed"]["msg"] and ROOT_CAUSE in out["role-failed"]["msg"]
    assert out["role-jobs"] == {"role_ok": True}, out["role-jobs"]
    assert "wait_for_job_cluster_id for hci_update_run jobs" in out["role-no-cluster"]["msg"]
    assert "wait_for_job_update_name for hci_update_run jobs" in out["role-no-cluster"]["msg"]


def test_no_secret_in_the_output(runs):
    assert runs["leaked"] == 0
