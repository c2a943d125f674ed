"""panorama_device_job_info and panorama_package_import_job_info through ansible-playbook against the emulator."""
from __future__ import annotations

import pytest

from aws_support import add_devices, aws_requests, seed, start_ota

DEVICE = "playbooks/aws_panorama_device.yml"
IMPORT = "playbooks/aws_panorama_package_import.yml"


def info(result):
    return result.assert_ok().result("info")


def test_ota_job_waited_to_completed_with_signed_requests_only(emulator, run_playbook, assert_no_secrets):
    add_devices(emulator, "device-ota-1")
    # The real OTA sequence, slow enough that the module's first look finds the job open even on a busy machine
    # (ansible-playbook has been seen to take 16 s to start under a parallel test load).
    emulator.admin("POST", "/timelines", {"panorama_device:OTA": [["PENDING", 0], ["DOWNLOADING", 20], ["VERIFYING", 21],
                                                                  ["REBOOTING", 22], ["COMPLETED", 23]]})
    job_id = start_ota(emulator, "device-ota-1")
    emulator.clear_requests()
    result = run_playbook(DEVICE, emulator=emulator, extra_vars={"job_id": job_id, "wait": True, "wait_sleep": 1})
    out = info(result)
    assert not out.get("failed"), out
    assert out["changed"] is False
    job = out["job"]
    assert job["job_id"] == job_id and job["status"] == "COMPLETED" and job["job_type"] == "OTA"
    assert job["normalized"]["state"] == "succeeded" and job["normalized"]["terminal"] is True
    assert job["normalized"]["provider"] == "panorama_device"
    assert out["jobs"] == [job]
    assert out["summary"]["succeeded"] == 1 and out["summary"]["all_succeeded"] is True
    log = aws_requests(emulator)
    assert out["elapsed"] > 0
    assert len(log) >= 2  # the first look saw it open, later polls saw it finish
    assert emulator.admin("GET", "/devices")["devices"][0]["CurrentSoftware"] == "4.3.55"
    assert all(r["operation"] == "DescribeDeviceJob" for r in log)
    assert all(r["signed"] and r["auth_ok"] and r["status"] == 200 for r in log), log
    assert_no_secrets(result.output, emulator)


@pytest.mark.smoke
def test_job_ids_fetched_in_order(emulator, run_playbook, assert_no_secrets):
    add_devices(emulator, "device-a", "device-b")
    ids = [start_ota(emulator, "device-a"), start_ota(emulator, "device-b")]
    emulator.admin("POST", "/jobs", {"kind": "panorama_device",
                                     "fields": {"JobId": "reboot-1", "DeviceId": "device-a", "JobType": "REBOOT"},
                                     "timeline": [["PENDING", 0], ["IN_PROGRESS", 0.1], ["COMPLETED", 0.2]],
                                     "created_ago": 10})
    asked = [ids[1], "reboot-1", ids[0], ids[1]]
    out = info(run_playbook(DEVICE, emulator=emulator, extra_vars={"job_ids": asked}))
    assert [j["job_id"] for j in out["jobs"]] == [ids[1], "reboot-1", ids[0]]
    assert "job" not in out
    assert out["jobs"][1]["job_type"] == "REBOOT" and out["jobs"][1]["normalized"]["state"] == "succeeded"
    assert out["summary"]["total"] == 3


def test_list_mode_filters_by_device_and_describes_each_job(emulator, run_playbook):
    add_devices(emulator, "device-l1", "device-l2")
    mine = [start_ota(emulator, "device-l1") for _unused in range(3)]
    start_ota(emulator, "device-l2")
    # 30 more jobs on the device make ListDevicesJobs page (25 per page).
    mine += seed(emulator, "panorama_device", count=30, fields={"DeviceId": "device-l1", "JobType": "REBOOT"})
    emulator.clear_requests()
    out = info(run_playbook(DEVICE, emulator=emulator, extra_vars={"device_id": "device-l1"}))
    assert sorted(j["job_id"] for j in out["jobs"]) == sorted(mine)
    assert all(j["device_id"] == "device-l1" and j["status"] for j in out["jobs"])
    assert all(j["normalized"]["native_status"] == j["status"] for j in out["jobs"])
    ops = [r["operation"] for r in aws_requests(emulator)]
    assert ops.count("ListDevicesJobs") == 2
    assert ops.count("DescribeDeviceJob") == len(mine)


def test_list_mode_without_filter_lists_every_device(emulator, run_playbook):
    add_devices(emulator, "device-x", "device-y")
    ids = {start_ota(emulator, "device-x"), start_ota(emulator, "device-y")}
    out = info(run_playbook(DEVICE, emulator=emulator))
    assert {j["job_id"] for j in out["jobs"]} == ids
    assert out["summary"]["total"] == 2


@pytest.mark.smoke
def test_package_import_single_list_and_wait(emulator, run_playbook, assert_no_secrets):
    seed(emulator, "panorama_package_import", count=2, timeline=[["PENDING", 0], ["SUCCEEDED", 0.1, "Done."]])
    slow = seed(emulator, "panorama_package_import", timeline=[["PENDING", 0, "Queued."], ["FAILED", 2, "Bad manifest."]])[0]
    listed = info(run_playbook(IMPORT, emulator=emulator, env={"AWS_REGION": None, "AWS_DEFAULT_REGION": None}))
    assert listed["summary"]["total"] == 3
    assert all(j["normalized"]["native_status"] in ("PENDING", "SUCCEEDED", "FAILED") for j in listed["jobs"])

    result = run_playbook(IMPORT, emulator=emulator, extra_vars={"job_id": slow, "wait": True})
    waited = info(result)
    job = waited["job"]
    assert job["status"] == "FAILED" and job["normalized"]["state"] == "failed"
    assert job["normalized"]["message"] == "Bad manifest."
    assert job["normalized"]["finished_at"] is not None
    assert waited["summary"]["any_failed"] is True and not waited.get("failed")  # a failed job is not a failed task
    assert "input_config" in job and "output_config" in job
    assert_no_secrets(result.output, emulator)


@pytest.mark.parametrize("playbook", [DEVICE, IMPORT])
def test_awx_style_security_token(emulator_with_token, run_playbook, assert_no_secrets, playbook):
    emu, token = emulator_with_token
    job = seed(emu, "panorama_device" if playbook == DEVICE else "panorama_package_import")[0]
    env = {"AWS_SESSION_TOKEN": None, "AWS_SECURITY_TOKEN": token}
    result = run_playbook(playbook, emulator=emu, env=env, extra_vars={"job_id": job})
    out = info(result)
    assert not out.get("failed"), out
    assert out["job"]["job_id"] == job
    assert all(r["auth_ok"] for r in aws_requests(emu))
    assert_no_secrets(result.output, emu)


@pytest.fixture
def emulator_with_token(tmp_path_factory):
    from harness import EmulatorProcess

    token = "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKEN" + tmp_path_factory.getbasetemp().name[-6:]
    emu = EmulatorProcess(tmp_path_factory.mktemp("emulator-token"), extra_args=["--aws-session-token", token])
    try:
        yield emu, token
    finally:
        emu.stop()


def test_credentials_as_options_are_masked(emulator_with_token, run_playbook, assert_no_secrets):
    emu, token = emulator_with_token
    job = seed(emu, "panorama_package_import")[0]
    creds = emu.state["aws"]
    env = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None, "AWS_REGION": None,
           "AWS_DEFAULT_REGION": None}
    result = run_playbook(IMPORT, emulator=emu, env=env, extra_vars={
        "job_id": job, "opt_access_key": creds["access_key"], "opt_secret_key": creds["secret_key"],
        "opt_session_token": token})
    out = info(result)
    assert not out.get("failed"), out
    assert out["job"]["job_id"] == job
    # The secret key and the token are no_log (masked in the -vvv invocation); the access key ID is an identifier,
    # shown like amazon.aws shows it, because masking it would also mask any output that happens to contain it.
    assert "aws_access_key_id" in result.output
    assert_no_secrets(result.output, emu, allow=("aws.access_key",))
