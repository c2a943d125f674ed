"""Answers the APIs should never give (CONTRACT.md, "Failures"): bodies that are not what the operation returns, jobs
without their id or status, lists that repeat a page token or nextLink, a list longer than any page cap, and the
answer AWS gives a request signed for a region that does not exist. Real modules against the emulator's faults.
"""
from __future__ import annotations

import pytest

from hci_support import machine_uri
from reliability_support import case_playbook, check_error_block, requests_between

PLAYBOOK_TIMEOUT = 300
THREE = {"retries": {"total_max_attempts": 3}}   # keeps the never-ending faults short
DONE = {"panorama_device": [["PENDING", 0], ["COMPLETED", 0.1]], "panorama_package_import": [["SUCCEEDED", 0]],
        "backup_report": [["COMPLETED", 0]], "backup_job": [["COMPLETED", 0]], "restore_job": [["COMPLETED", 0]],
        "hci_edge_device": [["Scheduled", 0], ["Succeeded", 0.1]]}
# The read of each kind's one-job info module.
READ = {"panorama_device": ("panorama", "DescribeDeviceJob"),
        "panorama_package_import": ("panorama", "DescribePackageImportJob"),
        "backup_report": ("backup", "DescribeReportJob"), "backup_job": ("backup", "DescribeBackupJob"),
        "restore_job": ("backup", "DescribeRestoreJob"), "hci_edge_device": ("azure", "EdgeDeviceJobs_Get")}
ID_OPTION = {"panorama_device": "job_id", "panorama_package_import": "job_id", "backup_report": "report_job_id",
             "backup_job": "backup_job_id", "restore_job": "restore_job_id", "hci_edge_device": "job_name"}
# Bodies no operation returns, each on a 200: a cut-off JSON, a proxy's HTML page, nothing at all.
BODIES = {"malformed": {"kind": "malformed"}, "html": {"kind": "html", "status": 200},
          "empty": {"kind": "malformed", "message": ""}}


def seed_one_of_each(emulator, uri: str) -> dict:
    """{kind: the id of a finished job of that kind}."""
    emulator.admin("POST", "/devices", {"device_id": "device-h1", "name": "hub-h1"})
    emulator.admin("POST", "/report-plans", {"name": "plan_hostile"})
    specs = [{"kind": "panorama_device", "fields": {"DeviceId": "device-h1", "JobType": "REBOOT"}},
             {"kind": "panorama_package_import"},
             {"kind": "backup_report", "fields": {"ReportPlanName": "plan_hostile"}},
             {"kind": "backup_job"}, {"kind": "restore_job"},
             {"kind": "hci_edge_device", "resource_uri": uri, "name": "hostile-1"}]
    for spec in specs:
        spec.update(timeline=DONE[spec["kind"]], created_ago=60)
    ids = emulator.admin("POST", "/jobs", {"jobs": specs})["job_ids"]
    out = dict(zip(["panorama_device", "panorama_package_import", "backup_report", "backup_job", "restore_job"], ids))
    return out | {"hci_edge_device": "hostile-1"}


def args_for(kind: str, job_id: str, uri: str) -> dict:
    extra = {"resource_uri": uri} if kind == "hci_edge_device" else {"aws_config": THREE}
    return {ID_OPTION[kind]: job_id, **extra}


def run_cases(run_playbook, emulator, cases: list) -> dict:
    result = run_playbook(case_playbook(cases), emulator=emulator, timeout=PLAYBOOK_TIMEOUT,
                          extra_vars={"admin_url": emulator.admin_url})
    assert result.rc == 0, result.tail()
    return result.result("cases")


def test_a_body_that_is_not_the_operations_answer_is_a_retryable_transport_error(emulator, run_playbook):
    """Every kind, every bad body: InvalidResponse, retryable, never "not found"; and a wait rides through one."""
    uri = machine_uri(emulator, machine="hostile-node")
    ids = seed_one_of_each(emulator, uri)
    cases = []
    for kind, (service, operation) in READ.items():
        for body, spec in BODIES.items():
            cases.append({"id": f"{kind}-{body}", "module": kind, "args": args_for(kind, ids[kind], uri),
                          "faults": [dict(spec, match={"service": service, "operation": operation}, count=-1)],
                          "clear_after": True})
        # Two empty answers, then the real one: a wait reads through them to the job's end.
        cases.append({"id": f"{kind}-empty-then-ok", "module": kind,
                      "args": dict(args_for(kind, ids[kind], uri), wait=True, wait_timeout=60, wait_sleep=1),
                      "faults": [dict(BODIES["empty"], match={"service": service, "operation": operation},
                                      count=2)], "clear_after": True})
    out = run_cases(run_playbook, emulator, cases)
    problems: list = []
    for case in cases:
        cid, res = case["id"], out[case["id"]]["result"]
        if cid.endswith("-empty-then-ok"):
            if res.get("failed") or res["job"]["normalized"]["state"] != "succeeded":
                problems.append(f"{cid}: the wait did not ride through two empty answers: {str(res)[:300]}")
            continue
        check_error_block(res, problems, cid, code="InvalidResponse", retryable=True)
        if "not found" in str(res.get("msg")).lower():
            problems.append(f"{cid}: a broken answer reads as not found: {res.get('msg')}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", ["panorama_device", "hci_edge_device"])
def test_a_job_without_id_or_status_is_named_by_the_id_asked_for(emulator, run_playbook, kind):
    uri = machine_uri(emulator, machine="hostile-node")
    ids = seed_one_of_each(emulator, uri)
    service, operation = READ[kind]
    cases = [{"id": "nameless", "module": kind,
              "args": dict(args_for(kind, ids[kind], uri), wait=True, wait_timeout=8, wait_sleep=1),
              "faults": [{"kind": "malformed", "message": "{}", "count": -1,
                          "match": {"service": service, "operation": operation}}]}]
    res = run_cases(run_playbook, emulator, cases)["nameless"]["result"]
    assert res["failed"] and res["error"]["code"] == "WaitTimeout", res
    assert f": {ids[kind]} unknown" in res["msg"] and "None" not in res["msg"], res["msg"]
    assert res["job"]["normalized"]["job_id"] == ids[kind]


def test_a_list_that_repeats_its_page_token_ends_with_a_clear_error(emulator, run_playbook):
    """AWS NextToken and ARM nextLink alike: the page that repeats a token is the last one read, then an error that
    is not retryable (the second request is the last; before, ARM sent 1,001)."""
    uri = machine_uri(emulator, machine="loop-node")
    emulator.admin("POST", "/devices", {"device_id": "device-loop", "name": "hub-loop"})
    emulator.admin("POST", "/azure/settings", {"page_size": 2})
    emulator.admin("POST", "/jobs", {"jobs": [
        {"kind": "panorama_device", "fields": {"DeviceId": "device-loop", "JobType": "REBOOT"}, "count": 80},
        {"kind": "hci_edge_device", "resource_uri": uri, "count": 7}]})
    loops = {"aws": ("panorama_device", {"device_id": "device-loop"}, "ListDevicesJobs"),
             "arm": ("hci_edge_device", {"resource_uri": uri}, "EdgeDeviceJobs_ListByEdgeDevice")}
    cases = [{"id": cid, "module": kind, "args": args, "clear_after": True,
              "faults": [{"kind": "page_loop", "count": -1, "match": {"operation": operation}}]}
             for cid, (kind, args, operation) in loops.items()]
    out = run_cases(run_playbook, emulator, cases)
    log = emulator.requests()
    for cid, (_kind, _args, operation) in loops.items():
        res, case = out[cid]["result"], out[cid]
        problems: list = []
        check_error_block(res, problems, cid, code="PaginationLoop", retryable=False)
        assert not problems, problems
        assert "repeated" in res["msg"].lower(), res["msg"]
        sent = [r for r in requests_between(log, case["t0"], case["t1"]) if r.get("operation") == operation]
        assert len(sent) == 2, sent


def test_a_list_longer_than_a_thousand_pages_is_followed_to_its_end(emulator, run_playbook):
    """1,100 HCI jobs in pages of one: no page count ends a real list (before: "kept paging beyond 1000 pages")."""
    uri = machine_uri(emulator, machine="long-node")
    emulator.admin("POST", "/azure/settings", {"page_size": 1})
    emulator.admin("POST", "/jobs", {"kind": "hci_edge_device", "resource_uri": uri, "count": 1100,
                                     "timeline": DONE["hci_edge_device"]})
    cases = [{"id": "long", "module": "hci_edge_device", "args": {"resource_uri": uri}}]
    res = run_cases(run_playbook, emulator, cases)["long"]["result"]
    assert not res.get("failed"), res.get("msg")
    assert res["summary"]["total"] == 1100 and len({j["name"] for j in res["jobs"]}) == 1100


def test_a_region_typo_is_reported_as_the_region(emulator, run_playbook):
    """AWS answers a request signed for a region it does not serve with InvalidSignatureException ("Credential
    should be scoped to a valid region"): the message points at the region option, not at the keys."""
    cases = [{"id": "typo", "module": "backup_report", "args": {"report_job_id": "rep-1", "region": "us-east1"}}]
    res = run_cases(run_playbook, emulator, cases)["typo"]["result"]
    problems: list = []
    check_error_block(res, problems, "typo", code="InvalidSignatureException", retryable=False)
    assert not problems, problems
    assert "refused the region" in res["msg"] and "us-east1" in res["msg"] and "region option" in res["msg"], res["msg"]
