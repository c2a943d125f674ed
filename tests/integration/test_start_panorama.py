"""panorama_device_job and panorama_package_import_job through ansible-playbook against the emulator."""
from __future__ import annotations

import pytest

from start_support import job_ids, operations, started

DEVICE = "playbooks/start_panorama_device.yml"
IMPORT = "playbooks/start_panorama_package_import.yml"
SLOW_OTA = [["PENDING", 0], ["DOWNLOADING", 600], ["COMPLETED", 1200]]


def add_device(emulator, device_id: str, software: str = "4.3.45") -> None:
    emulator.admin("POST", "/devices", {"device_id": device_id, "name": f"hub-{device_id}", "current_software": software,
                                        "latest_software": "4.3.55"})


@pytest.mark.smoke
def test_ota_starts_waits_and_a_rerun_starts_nothing(emulator, run_playbook, assert_no_secrets):
    add_device(emulator, "dev-old")
    add_device(emulator, "dev-new", "4.3.55")
    add_device(emulator, "dev-old-2")
    extra = {"device_ids": ["dev-old", "dev-new", "dev-old-2"], "image_version": "4.3.55", "wait": True}
    first = run_playbook(DEVICE, emulator=emulator, extra_vars=extra)
    out = started(first)
    assert not out.get("failed"), out
    assert out["changed"] is True
    assert out["unchanged_devices"] == ["dev-new"]
    assert [j["device_id"] for j in out["jobs"]] == ["dev-old", "dev-old-2"]
    assert all(j["status"] == "COMPLETED" and j["normalized"]["succeeded"] for j in out["jobs"])
    assert out["summary"]["total"] == 2 and out["summary"]["all_succeeded"] is True
    assert out["elapsed"] > 0 and "job" not in out
    creates = operations(emulator, "CreateJobForDevices")
    assert len(creates) == 2 and all(r["status"] == 200 and r["signed"] for r in creates)
    assert_no_secrets(first.output, emulator)
    assert len(job_ids(emulator, "panorama_device")) == 2

    emulator.clear_requests()
    second = started(run_playbook(DEVICE, emulator=emulator, extra_vars=extra))
    assert second["changed"] is False
    assert second["unchanged_devices"] == ["dev-old", "dev-new", "dev-old-2"]
    assert second["jobs"] == [] and second["summary"]["total"] == 0
    assert operations(emulator, "CreateJobForDevices") == []
    assert len(job_ids(emulator, "panorama_device")) == 2


def test_an_open_ota_to_the_same_version_is_returned_not_doubled(emulator, run_playbook):
    add_device(emulator, "dev-busy")
    other = emulator.admin("POST", "/jobs", {"kind": "panorama_device", "timeline": SLOW_OTA, "fields": {
        "DeviceId": "dev-busy", "JobType": "OTA", "ImageVersion": "4.3.50"}})["job_ids"][0]
    busy = emulator.admin("POST", "/jobs", {"kind": "panorama_device", "timeline": SLOW_OTA, "fields": {
        "DeviceId": "dev-busy", "JobType": "OTA", "ImageVersion": "4.3.55"}})["job_ids"][0]
    emulator.clear_requests()
    out = started(run_playbook(DEVICE, emulator=emulator, extra_vars={"device_ids": ["dev-busy"], "image_version": "4.3.55"}))
    assert out["changed"] is False and out["unchanged_devices"] == []
    assert out["job"]["job_id"] == busy and out["job"]["status"] == "PENDING"
    assert out["jobs"] == [out["job"]]
    assert operations(emulator, "CreateJobForDevices") == []
    assert set(job_ids(emulator, "panorama_device")) == {other, busy}

    # A different version is a different update: it starts, beside the open one.
    new = started(run_playbook(DEVICE, emulator=emulator, extra_vars={"device_ids": ["dev-busy"], "image_version": "4.3.60"}))
    assert new["changed"] is True and new["job"]["image_version"] == "4.3.60"
    assert len(job_ids(emulator, "panorama_device")) == 3


def test_reboot_always_starts_one_job_per_device(emulator, run_playbook):
    for device in ("dev-r1", "dev-r2", "dev-r3"):
        add_device(emulator, device)
    extra = {"device_ids": ["dev-r1", "dev-r2", "dev-r3"], "job_type": "REBOOT"}
    for run in (1, 2):
        out = started(run_playbook(DEVICE, emulator=emulator, extra_vars=extra))
        assert out["changed"] is True and out["unchanged_devices"] == []
        assert [j["job_type"] for j in out["jobs"]] == ["REBOOT"] * 3
        assert [j["device_id"] for j in out["jobs"]] == extra["device_ids"]
        assert len(job_ids(emulator, "panorama_device")) == 3 * run
    # One device per call, the API's limit; no DescribeDevice for a reboot.
    assert len(operations(emulator, "CreateJobForDevices")) == 6
    assert operations(emulator, "DescribeDevice") == []


def test_check_mode_starts_nothing_and_says_what_would_start(emulator, run_playbook):
    add_device(emulator, "dev-c1")
    add_device(emulator, "dev-c2", "4.3.55")
    out = started(run_playbook(DEVICE, emulator=emulator, check=True,
                               extra_vars={"device_ids": ["dev-c1", "dev-c2"], "image_version": "4.3.55", "wait": True}))
    assert out["changed"] is True
    assert out["would_start"] == [{"device_id": "dev-c1", "job_type": "OTA", "image_version": "4.3.55",
                                   "allow_major_version_update": False}]
    assert out["unchanged_devices"] == ["dev-c2"] and out["jobs"] == []
    assert operations(emulator, "CreateJobForDevices") == []
    assert job_ids(emulator, "panorama_device") == []


def test_bad_input_fails_before_any_request(emulator, run_playbook, assert_no_secrets):
    add_device(emulator, "dev-ok")
    cases = [
        {"device_ids": ["dev-ok"]},                                         # OTA without image_version
        {"device_ids": ["dev/../x"], "image_version": "4.3.55"},
        {"device_ids": ["dev-ok"], "job_type": "REBOOT", "image_version": "4.3.55"},
        {"device_ids": [], "image_version": "4.3.55"},
    ]
    for extra in cases:
        result = run_playbook(DEVICE, emulator=emulator, extra_vars=extra)
        out = started(result)
        assert out["failed"] is True and out["changed"] is False, out
        assert out["error"]["code"] == "ValidationError" and out["error"]["retryable"] is False
        assert_no_secrets(result.output, emulator)
    assert operations(emulator) == []


def test_a_missing_device_fails_before_any_job_starts(emulator, run_playbook):
    add_device(emulator, "dev-here")
    out = started(run_playbook(DEVICE, emulator=emulator,
                               extra_vars={"device_ids": ["dev-here", "dev-gone"], "image_version": "4.3.55"}))
    assert out["failed"] is True and out["changed"] is False
    assert out["error"]["code"] == "ResourceNotFoundException" and "dev-gone" in out["msg"]
    assert operations(emulator, "CreateJobForDevices") == []
    assert job_ids(emulator, "panorama_device") == []


IMPORT_VARS = {
    "input_config": {"s3_location": {"bucket_name": "pkg-bucket", "object_key": "people_counter/1.0/package.json",
                                     "region": "us-east-1"}},
    "output_config": {"package_name": "people_counter", "package_version": "1.0", "mark_latest": True},
    "job_tags": [{"resource_type": "PACKAGE", "tags": {"CostCenter": "edge-vision"}}],
}


@pytest.mark.smoke
def test_package_import_starts_waits_and_a_rerun_returns_the_same_job(emulator, run_playbook, assert_no_secrets):
    check = started(run_playbook(IMPORT, emulator=emulator, check=True, extra_vars=IMPORT_VARS))
    assert check["changed"] is True and check["jobs"] == []
    assert check["would_start"][0]["package_name"] == "people_counter"
    assert operations(emulator, "CreatePackageImportJob") == [] and job_ids(emulator, "panorama_package_import") == []

    first_run = run_playbook(IMPORT, emulator=emulator, extra_vars=dict(IMPORT_VARS, wait=True))
    first = started(first_run)
    assert first["changed"] is True and not first.get("failed")
    job = first["job"]
    assert job["status"] == "SUCCEEDED" and job["normalized"]["succeeded"] is True
    assert job["client_token"] == first["client_token"] == check["client_token"]
    assert first["client_token"].startswith("jobgate-") and len(first["client_token"]) == 64
    assert job["job_tags"] == [{"resource_type": "PACKAGE", "tags": {"CostCenter": "edge-vision"}}]
    assert job["output_config"]["package_version_output_config"]["mark_latest"] is True
    assert_no_secrets(first_run.output, emulator)

    emulator.clear_requests()
    second = started(run_playbook(IMPORT, emulator=emulator, extra_vars=IMPORT_VARS))
    assert second["changed"] is False and second["job"]["job_id"] == job["job_id"]
    assert job_ids(emulator, "panorama_package_import") == [job["job_id"]]
    again = started(run_playbook(IMPORT, emulator=emulator, check=True, extra_vars=IMPORT_VARS))
    assert again["changed"] is False and again["would_start"] == [] and again["job"]["job_id"] == job["job_id"]

    # Different inputs derive a different token: a new job.
    newer = dict(IMPORT_VARS, output_config=dict(IMPORT_VARS["output_config"], package_version="1.1"))
    third = started(run_playbook(IMPORT, emulator=emulator, extra_vars=newer))
    assert third["changed"] is True and third["job"]["job_id"] != job["job_id"]
    assert len(job_ids(emulator, "panorama_package_import")) == 2


def test_package_import_token_reused_with_other_inputs_fails_clearly(emulator, run_playbook):
    started(run_playbook(IMPORT, emulator=emulator, extra_vars=dict(IMPORT_VARS, client_token="release-42")))
    other = dict(IMPORT_VARS, client_token="release-42",
                 output_config=dict(IMPORT_VARS["output_config"], package_name="other_package"))
    out = started(run_playbook(IMPORT, emulator=emulator, extra_vars=other))
    assert out["failed"] is True and out["error"]["code"] == "ConflictException"
    assert "release-42" in out["msg"] and "client_token" in out["msg"]
    assert len(job_ids(emulator, "panorama_package_import")) == 1


def test_package_import_bad_input_sends_nothing(emulator, run_playbook):
    bad = [
        dict(IMPORT_VARS, client_token="not a token!"),
        dict(IMPORT_VARS, output_config={"package_name": "pkg", "package_version": "v1"}),
        dict(IMPORT_VARS, output_config={"package_name": "bad/name", "package_version": "1.0"}),
    ]
    for extra in bad:
        out = started(run_playbook(IMPORT, emulator=emulator, extra_vars=extra))
        assert out["failed"] is True and out["error"]["code"] == "ValidationError", out
    assert operations(emulator) == []
