"""Faults on both clouds through the emulator's fault hooks: each case either succeeds after retries or fails in a
bounded time with the contract's error block, never a hang and never a traceback as the message.

The AWS and the Azure tables each run in one ansible-playbook process (see reliability_support.case_playbook);
the slow or special cases (a read timeout on Azure, a failing token endpoint) run on their own.
"""
from __future__ import annotations

import time

import pytest

from hci_support import machine_uri
from reliability_support import FakeAuthority, case_playbook, check_error_block, requests_between

# ansible-playbook itself is bounded: a hang fails the test instead of stalling the suite.
PLAYBOOK_TIMEOUT = 240
# Worst case for a fault that never stops: 6 AWS attempts with full-jitter backoff (at most 0.5+1+2+4+8 s) or
# 5 Azure attempts with Retry-After 1 s, plus 1 s read timeouts where armed; well under this bound.
FAIL_BOUND = 30.0
OK_BOUND = 30.0
WAIT_BOUND = 75.0  # the wait cases: wait_timeout 60 s plus start-up
DONE = [["PENDING", 0], ["COMPLETED", 0.1]]
SHORT_TIMEOUTS = {"read_timeout": 1, "connect_timeout": 2}
THREE = {"retries": {"total_max_attempts": 3}}  # keeps the never-ending faults short


def pan(op: str) -> dict:
    return {"service": "panorama", "operation": op}


def bak(op: str) -> dict:
    return {"service": "backup", "operation": op}


def fault(match: dict, kind: str, count: int = 1, **extra) -> dict:
    return {"match": match, "kind": kind, "count": count, **extra}


# id, module, args, faults, expect: ("ok", statuses of the logged requests or None) | ("fail", code, retryable)
AWS_CASES = [
    ("aws-throttle-burst", "panorama_device", {"job_id": "dev-job-1"},
     [fault(pan("DescribeDeviceJob"), "throttle", 4)], ("ok", [429, 429, 429, 429, 200])),
    ("aws-500-twice", "panorama_device", {"job_id": "dev-job-1"},
     [fault(pan("DescribeDeviceJob"), "error", 2, status=500)], ("ok", [500, 500, 200])),
    ("aws-503-twice", "panorama_package_import", {"job_id": "imp-job-1"},
     [fault(pan("DescribePackageImportJob"), "error", 2, status=503)], ("ok", [503, 503, 200])),
    ("aws-backup-500-then-503", "backup_report", {"job_id": "rep-job-1"},
     [fault(bak("DescribeReportJob"), "error", 1, status=500), fault(bak("DescribeReportJob"), "error", 1, status=503)],
     ("ok", [500, 503, 200])),
    ("aws-connection-reset", "backup_report", {"job_id": "rep-job-1"},
     [fault(bak("DescribeReportJob"), "drop", 2)], ("ok", [0, 0, 200])),
    ("aws-slower-than-read-timeout", "panorama_device", {"job_id": "dev-job-1", "aws_config": SHORT_TIMEOUTS},
     [fault(pan("DescribeDeviceJob"), "delay", 1, seconds=2)], ("ok", None)),
    ("aws-malformed-json", "panorama_package_import", {"job_id": "imp-job-1"},
     [fault(pan("DescribePackageImportJob"), "malformed", 1)], ("ok", [200, 200])),
    ("aws-proxy-html-502", "backup_report", {"job_id": "rep-job-1"},
     [fault(bak("DescribeReportJob"), "html", 2)], ("ok", [502, 502, 200])),
    ("aws-proxy-html-503", "panorama_device", {"job_id": "dev-job-1"},
     [fault(pan("DescribeDeviceJob"), "html", 1, status=503)], ("ok", [503, 200])),
    ("aws-list-throttled-then-500", "panorama_device", {"device_id": "device-f1"},
     [fault(pan("ListDevicesJobs"), "throttle", 1), fault(pan("ListDevicesJobs"), "error", 1, status=500)], ("ok", None)),
    ("aws-wait-through-503s", "panorama_device", {"job_id": "dev-wait-1", "wait": True, "wait_sleep": 1,
                                                  "wait_timeout": 60},
     [fault(pan("DescribeDeviceJob"), "error", 2, status=503)], ("ok", None)),
    ("aws-500-forever", "panorama_device", {"job_id": "dev-job-1"},
     [fault(pan("DescribeDeviceJob"), "error", -1, status=500)], ("fail", "InternalServerException", True)),
    ("aws-503-forever", "backup_report", {"job_id": "rep-job-1", "aws_config": THREE},
     [fault(bak("DescribeReportJob"), "error", -1, status=503)], ("fail", None, True)),
    ("aws-reset-forever", "panorama_package_import", {"job_id": "imp-job-1", "aws_config": THREE},
     [fault(pan("DescribePackageImportJob"), "drop", -1)], ("fail", "ConnectionError", True)),
    ("aws-read-timeout-forever", "panorama_device",
     {"job_id": "dev-job-1", "aws_config": dict(SHORT_TIMEOUTS, retries={"total_max_attempts": 2})},
     [fault(pan("DescribeDeviceJob"), "delay", -1, seconds=2)], ("fail", "Timeout", True)),
    ("aws-malformed-forever", "backup_report", {"job_id": "rep-job-1", "aws_config": THREE},
     [fault(bak("DescribeReportJob"), "malformed", -1)], ("fail", "InvalidResponse", True)),
    ("aws-proxy-html-forever", "panorama_package_import", {"job_id": "imp-job-1", "aws_config": THREE},
     [fault(pan("DescribePackageImportJob"), "html", -1)], ("fail", None, True)),
    ("aws-throttle-forever", "panorama_device", {"job_id": "dev-job-1", "aws_config": THREE},
     [fault(pan("DescribeDeviceJob"), "throttle", -1)], ("fail", "ThrottlingException", True)),
    ("aws-access-denied", "backup_report", {"job_id": "rep-job-1"},
     [fault(bak("DescribeReportJob"), "error", 1, status=403)], ("fail", "AccessDeniedException", False)),
]

ARM_GET = {"service": "azure", "operation": "EdgeDeviceJobs_Get"}
ARM_LIST = {"service": "azure", "operation": "EdgeDeviceJobs_ListByEdgeDevice"}
HCI_DONE = [["Scheduled", 0], ["Succeeded", 0.1]]
HCI_OPEN = [["Scheduled", 0], ["DeploymentInProgress", 0.1]]


def azure_cases(uri: str) -> list:
    one = {"resource_uri": uri, "job_name": "hci-job-1"}
    return [
        ("az-throttle-burst", one, [fault(ARM_GET, "throttle", 3, retry_after=0)], ("ok", [429, 429, 429, 200])),
        ("az-500-then-503", one, [fault(ARM_GET, "error", 1, status=500), fault(ARM_GET, "error", 1, status=503)],
         ("ok", [500, 503, 200])),
        ("az-connection-reset", one, [fault(ARM_GET, "drop", 2)], ("ok", [0, 0, 200])),
        ("az-proxy-html-502", one, [fault(ARM_GET, "html", 1)], ("ok", [502, 200])),
        ("az-list-503-once", {"resource_uri": uri}, [fault(ARM_LIST, "error", 1, status=503)], ("ok", [503, 200])),
        ("az-malformed-json", one, [fault(ARM_GET, "malformed", 1)], ("ok", [200, 200])),
        ("az-malformed-forever", one, [fault(ARM_GET, "malformed", -1)], ("fail", "InvalidResponse", True)),
        ("az-503-forever", one, [fault(ARM_GET, "error", -1, status=503, retry_after=0)], ("fail", None, True)),
        ("az-reset-forever", one, [fault(ARM_GET, "drop", -1)], ("fail", "ConnectionError", True)),
        ("az-proxy-html-forever", one, [fault(ARM_GET, "html", -1, retry_after=0)], ("fail", "HTTP502", True)),
        ("az-throttle-forever", one, [fault(ARM_GET, "throttle", -1, retry_after=0)], ("fail", None, True)),
        ("az-forbidden", one, [fault(ARM_GET, "error", 1, status=403)], ("fail", None, False)),
    ]


def build(cases: list, module_of) -> list:
    out = []
    for cid, *rest in cases:
        module, args, faults, _expect = module_of(rest)
        out.append({"id": cid, "module": module, "args": args, "faults": faults, "clear_after": True})
    return out


def check_cases(result, emulator, table: list, module_of, assert_no_secrets) -> list:
    """Check every case of a table; returns the problems (empty = all passed)."""
    cases = result.result("cases")
    log = emulator.requests()
    problems: list = []
    for cid, *rest in table:
        _module, _args, _faults, expect = module_of(rest)
        if cid not in cases:
            problems.append(f"{cid}: did not run")
            continue
        case = cases[cid]
        out, seconds = case["result"], case["t1"] - case["t0"]
        statuses = [r["status"] for r in requests_between(log, case["t0"], case["t1"])
                    if r.get("service") in ("panorama", "backup", "azure-arm")]
        if expect[0] == "ok":
            if out.get("failed") or not out.get("jobs"):
                problems.append(f"{cid}: should succeed after retries: {str(out.get('msg') or out)[:300]}")
            elif expect[1] is not None and statuses != expect[1]:
                problems.append(f"{cid}: requests {statuses}, want {expect[1]}")
            if seconds > OK_BOUND:
                problems.append(f"{cid}: took {seconds:.1f}s")
        else:
            check_error_block(out, problems, cid, code=expect[1], retryable=expect[2])
            if seconds > FAIL_BOUND:
                problems.append(f"{cid}: failed only after {seconds:.1f}s (bound {FAIL_BOUND}s)")
            if expect[2] is False and len(statuses) != 1:
                problems.append(f"{cid}: a non-retryable error was retried: {statuses}")
            # (a request abandoned at the read timeout is logged only when the emulator's late answer ends)
            if expect[2] is True and len(statuses) < 2 and expect[1] != "Timeout":
                problems.append(f"{cid}: a retryable error was not retried: {statuses}")
    assert_no_secrets(result.output, emulator)
    return problems


@pytest.mark.parametrize("part", ["recovers", "fails"])
def test_aws_fault_table(emulator, run_playbook, assert_no_secrets, part):
    emulator.admin("POST", "/devices", {"devices": [{"device_id": "device-f1", "name": "hub-f1"}]})
    emulator.admin("POST", "/report-plans", {"name": "plan_faults"})
    ids = emulator.admin("POST", "/jobs", {"jobs": [
        {"kind": "panorama_device", "fields": {"JobId": "dev-job-1", "DeviceId": "device-f1", "JobType": "REBOOT"},
         "timeline": DONE, "created_ago": 60},
        {"kind": "panorama_package_import", "created_ago": 60},
        {"kind": "backup_report", "fields": {"ReportPlanName": "plan_faults"}, "created_ago": 60},
    ]})["job_ids"]
    # Package import and report ids are the emulator's own: put them where the table says imp-job-1 / rep-job-1.
    real = {"imp-job-1": ids[1], "rep-job-1": ids[2]}
    table = [(cid, module, {k: real.get(v, v) if isinstance(v, str) else v for k, v in args.items()}, faults, expect)
             for cid, module, args, faults, expect in AWS_CASES if (expect[0] == "ok") == (part == "recovers")]
    cases = build(table, lambda rest: rest)
    # The wait case needs a job that is still running when its turn comes (and after its retries, on a busy machine),
    # and done early enough that the poll which sees it ends within OK_BOUND: poll n's pause is drawn up to 2^n times
    # wait_sleep (CONTRACT.md: later polls back off with jitter), so a job done at 12 s could be seen only at ~45 s
    # (1 run in about 70); done at 8 s, the pause that follows is at most 16 s.
    for wait_case in [c for c in cases if c["id"] == "aws-wait-through-503s"]:
        wait_case["before"] = [("/jobs", {
            "kind": "panorama_device", "timeline": [["PENDING", 0], ["IN_PROGRESS", 1], ["COMPLETED", 8]],
            "fields": {"JobId": "dev-wait-1", "DeviceId": "device-f1", "JobType": "REBOOT"}})]
    start = time.monotonic()
    result = run_playbook(case_playbook(cases), emulator=emulator, azure=False, timeout=PLAYBOOK_TIMEOUT,
                          extra_vars={"admin_url": emulator.admin_url})
    assert result.rc == 0, result.tail()
    problems = check_cases(result, emulator, table, lambda rest: rest, assert_no_secrets)
    assert not problems, "\n".join(problems)
    if part == "recovers":
        out = result.result("cases")["aws-wait-through-503s"]["result"]
        assert out["job"]["normalized"]["state"] == "succeeded" and out["elapsed"] > 0
    assert time.monotonic() - start < PLAYBOOK_TIMEOUT


def test_azure_fault_table(emulator, run_playbook, assert_no_secrets, tmp_path):
    uri = machine_uri(emulator, machine="fault-node")
    emulator.admin("POST", "/jobs", {"jobs": [
        {"kind": "hci_edge_device", "resource_uri": uri, "name": "hci-job-1", "timeline": HCI_DONE, "created_ago": 60},
        {"kind": "hci_edge_device", "resource_uri": uri, "name": "hci-job-2", "timeline": HCI_DONE, "created_ago": 60},
    ]})
    table = [(cid, "hci_edge_device", args, faults, expect) for cid, args, faults, expect in azure_cases(uri)]
    cases = build(table, lambda rest: rest)
    # A token that expires while the module waits: Resource Manager answers 401, the module gets a fresh token.
    cases.append({"id": "az-token-expires-mid-wait", "module": "hci_edge_device", "async": 120,
                  "args": {"resource_uri": uri, "job_name": "hci-wait-1", "wait": True, "wait_sleep": 1,
                           "wait_timeout": 60},
                  "before": [("/jobs", {"kind": "hci_edge_device", "resource_uri": uri, "name": "hci-wait-1",
                                        "timeline": HCI_OPEN})],
                  "mid_wait": [("/azure/tokens/expire", {}),
                               ("/azure/jobs/continue", {"resource_uri": uri, "name": "hci-wait-1",
                                                         "timeline": [["Succeeded", 2]]})]})
    # Tokens that live 2 s, so every poll of a wait finds the last one expired or about to.
    cases.append({"id": "az-short-lived-tokens", "module": "hci_edge_device",
                  "args": {"resource_uri": uri, "job_name": "hci-wait-2", "wait": True, "wait_sleep": 1,
                           "wait_timeout": 60},
                  "before": [("/azure/settings", {"token_lifetime": 2}),
                             ("/jobs", {"kind": "hci_edge_device", "resource_uri": uri, "name": "hci-wait-2",
                                        "timeline": [["Scheduled", 0], ["DeploymentInProgress", 1],
                                                     ["Succeeded", 5]]})]})
    home = tmp_path / "home"
    home.mkdir()
    result = run_playbook(case_playbook(cases, aws_endpoint=False), emulator=emulator, aws=False,
                          env={"HOME": str(home), "ANSIBLE_ASYNC_DIR": str(tmp_path / "async")},
                          timeout=PLAYBOOK_TIMEOUT, extra_vars={"admin_url": emulator.admin_url})
    assert result.rc == 0, result.tail()
    problems = check_cases(result, emulator, table, lambda rest: rest, assert_no_secrets)
    saved = result.result("cases")
    for cid in ("az-token-expires-mid-wait", "az-short-lived-tokens"):
        case = saved.get(cid, {})
        out = case.get("result", {})
        if out.get("failed") or (out.get("job") or {}).get("normalized", {}).get("state") != "succeeded":
            problems.append(f"{cid}: should wait to succeeded: {str(out)[:400]}")
        elif case["t1"] - case["t0"] > WAIT_BOUND:
            problems.append(f"{cid}: took {case['t1'] - case['t0']:.1f}s")
    case = saved["az-token-expires-mid-wait"]
    statuses = [r["status"] for r in requests_between(emulator.requests(service="azure-arm"), case["t0"], case["t1"])]
    if 401 not in statuses:
        problems.append(f"az-token-expires-mid-wait: the expired token was never refused: {statuses}")
    assert not problems, "\n".join(problems)


# The Resource Manager read timeout is fixed at 60 s (ArmClient's timeout is not an option), so this one case
# waits it out once: a response 61 s late is abandoned, retried, and the retry succeeds.
def test_azure_response_slower_than_the_read_timeout(emulator, run_playbook, assert_no_secrets, tmp_path):
    uri = machine_uri(emulator, machine="slow-node")
    emulator.admin("POST", "/jobs", {"kind": "hci_edge_device", "resource_uri": uri, "name": "hci-slow-1",
                                     "timeline": HCI_DONE, "created_ago": 60})
    emulator.admin("POST", "/faults", fault(ARM_GET, "delay", 1, seconds=61))
    home = tmp_path / "home"
    home.mkdir()
    start = time.monotonic()
    result = run_playbook("playbooks/hci_edge_device.yml", emulator=emulator, aws=False, env={"HOME": str(home)},
                          timeout=PLAYBOOK_TIMEOUT, extra_vars={"resource_uri": uri, "job_name": "hci-slow-1"})
    took = time.monotonic() - start
    out = result.assert_ok().result("info")
    assert not out.get("failed"), out
    assert out["job"]["normalized"]["state"] == "succeeded"
    # The abandoned request is logged once its late answer is ready (maybe after the playbook ended), marked with
    # its fault; besides it, only the module's successful retry.
    arm = emulator.requests(service="azure-arm")
    assert [r["status"] for r in arm if r.get("fault") != "delay"] == [200]
    assert len([r for r in arm if r.get("fault") == "delay"]) <= 1
    assert 60 < took < 150
    assert_no_secrets(result.output, emulator)


@pytest.mark.parametrize("status,body,drop", [(503, "html", False), (500, "json", False), (None, None, True)],
                         ids=["token-503-html", "token-500-json", "token-connection-reset"])
def test_failing_token_endpoint(emulator, run_playbook, assert_no_secrets, tmp_path, status, body, drop):
    """The authority's token endpoint fails (a proxy page, a server error, a reset): a bounded, clear failure."""
    az = emulator.state["azure"]
    fake = FakeAuthority(tmp_path, tenant=az["tenant"], token_status=status or 503, token_body=body or "json",
                         drop=drop)
    bundle = tmp_path / "ca-bundle.pem"
    bundle.write_text(open(emulator.ca_file).read() + open(fake.ca_file).read())
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "AZURE_CLOUD_ENVIRONMENT": fake.url,
           **{name: str(bundle) for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")}}
    start = time.monotonic()
    try:
        result = run_playbook("playbooks/hci_edge_device.yml", emulator=emulator, aws=False, env=env,
                              timeout=PLAYBOOK_TIMEOUT,
                              extra_vars={"resource_uri": machine_uri(emulator), "job_name": "hci-job-1"})
    finally:
        fake.close()
    took = time.monotonic() - start
    out = result.assert_ok().result("info")
    problems: list = []
    check_error_block(out, problems, "token endpoint")
    assert not problems, "\n".join(problems)
    assert fake.url.split("//")[1] in out["msg"] or "token" in out["msg"].lower(), out["msg"]
    assert fake.token_posts >= 1
    assert took < FAIL_BOUND + 30
    assert emulator.requests(service="azure-arm") == []   # no Resource Manager call without a token
    assert_no_secrets(result.output, emulator)
