"""Failures of the AWS info modules: not found, throttling that recovers, a wrong secret, bad input, no secrets."""
from __future__ import annotations

import pytest

from aws_support import add_devices, aws_requests, seed, start_ota

DEVICE = "playbooks/aws_panorama_device.yml"
IMPORT = "playbooks/aws_panorama_package_import.yml"
BACKUP = "playbooks/aws_backup_report.yml"


def saved(result):
    return result.assert_ok().result("info")  # the playbooks ignore the module's failure and save it


# Panorama's model gives ResourceNotFoundException HTTP 404; Backup's gives none, so AWS Backup answers 400.
@pytest.mark.parametrize("playbook,code,status", [
    (DEVICE, "ResourceNotFoundException", 404),
    (IMPORT, "ResourceNotFoundException", 404),
    (BACKUP, "ResourceNotFoundException", 400),
])
def test_not_found(emulator, run_playbook, assert_no_secrets, playbook, code, status):
    result = run_playbook(playbook, emulator=emulator, extra_vars={"job_id": "no-such-job-42"})
    out = saved(result)
    assert out["failed"] is True
    assert out["error"]["code"] == code and out["error"]["http_status"] == status
    assert "was not found" in out["msg"]
    assert out["error"]["retryable"] is False
    assert "no-such-job-42" in out["msg"] and emulator.region in out["msg"] and emulator.aws_endpoint in out["msg"]
    assert "Traceback" not in out["msg"]
    assert_no_secrets(result.output, emulator)


def test_throttling_recovers(emulator, run_playbook, assert_no_secrets):
    add_devices(emulator, "device-t")
    job_id = start_ota(emulator, "device-t")
    emulator.clear_requests()
    emulator.admin("POST", "/faults", {"kind": "throttle", "count": 3,
                                       "match": {"service": "panorama", "operation": "DescribeDeviceJob"}})
    result = run_playbook(DEVICE, emulator=emulator, extra_vars={"job_id": job_id})
    out = saved(result)
    assert not out.get("failed"), out
    assert out["job"]["job_id"] == job_id
    log = aws_requests(emulator)
    assert [r["status"] for r in log] == [429, 429, 429, 200]
    assert [r.get("fault") for r in log[:3]] == ["throttle"] * 3
    assert_no_secrets(result.output, emulator)


def test_5xx_then_success_in_list_mode(emulator, run_playbook):
    seed(emulator, "panorama_package_import", count=2)
    emulator.clear_requests()
    emulator.admin("POST", "/faults", {"kind": "error", "status": 503, "count": 1,
                                       "match": {"service": "panorama", "operation": "ListPackageImportJobs"}})
    out = saved(run_playbook(IMPORT, emulator=emulator))
    assert out["summary"]["total"] == 2
    assert [r["status"] for r in aws_requests(emulator)] == [503, 200]


def test_throttling_that_never_stops_is_retryable(emulator, run_playbook):
    emulator.admin("POST", "/faults", {"kind": "throttle", "count": -1, "match": {"service": "backup"}})
    result = run_playbook(BACKUP, emulator=emulator,
                          extra_vars={"job_id": "r1"})
    out = saved(result)
    assert out["failed"] is True
    assert out["error"]["code"] == "ThrottlingException" and out["error"]["retryable"] is True
    assert out["error"]["http_status"] == 429
    assert len(aws_requests(emulator)) == 6  # bounded: the default attempt count


def test_wrong_secret(emulator, run_playbook, assert_no_secrets):
    wrong = "WRONGsecretWRONGsecretWRONGsecret0123456"
    job = seed(emulator, "panorama_device")[0]
    result = run_playbook(DEVICE, emulator=emulator, env={"AWS_SECRET_ACCESS_KEY": wrong},
                          extra_vars={"job_id": job})
    out = saved(result)
    assert out["failed"] is True
    assert out["error"]["code"] == "InvalidSignatureException" and out["error"]["http_status"] == 403
    assert out["error"]["retryable"] is False
    assert "credentials" in out["msg"] and job in out["msg"]
    log = aws_requests(emulator)
    assert len(log) == 1 and log[0]["signed"] and not log[0]["auth_ok"]  # not retried
    assert wrong not in result.output
    assert_no_secrets(result.output, emulator)


@pytest.mark.parametrize("playbook,extra", [
    (DEVICE, {"job_id": "../../devices"}),
    (DEVICE, {"job_id": "a#b"}),
    (DEVICE, {"job_ids": ["ok-1", "bad?one"]}),
    (DEVICE, {"job_id": "x" * 256}),
    (DEVICE, {"job_id": "a", "job_ids": ["b"]}),
    (DEVICE, {"device_id": "dev/1"}),
    (IMPORT, {"job_id": "has space"}),
    (BACKUP, {"job_id": "a/b"}),
    (BACKUP, {"created_after": "last tuesday"}),
    (BACKUP, {"report_plan_name": "bad-plan"}),
    (BACKUP, {"job_id": "r1", "status": "FAILED"}),
])
def test_bad_input_fails_before_any_request(emulator, run_playbook, assert_no_secrets, playbook, extra):
    emulator.clear_requests()
    result = run_playbook(playbook, emulator=emulator, extra_vars=extra)
    out = saved(result)
    assert out["failed"] is True
    assert out["error"] == {"code": "ValidationError", "message": out["msg"], "http_status": None, "retryable": False}
    assert emulator.requests() == []
    assert_no_secrets(result.output, emulator)
