"""Starting Panorama jobs: input validation, OTA idempotency decisions, check mode planning, import tokens."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws import source as aws_source
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AwsSettings
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_device import start as pd_start
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_device.source import PanoramaDeviceJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_package_import import start as pi_start
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_package_import.source import (
    PanoramaPackageImportJobSource,
)

import aws_fakes  # tests/unit/plugins/module_utils/aws_fakes.py


FakeModule = aws_fakes.FakeModule


class FakePanorama:
    """A botocore-like Panorama client over in-memory devices and jobs."""

    def __init__(self, devices=None, jobs=None, imports=None):
        self.devices = devices or {}
        self.jobs = jobs or []
        self.imports = imports or []
        self.calls: list = []

    def describe_device(self, DeviceId):
        self.calls.append(("DescribeDevice", DeviceId))
        if DeviceId not in self.devices:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "Device not found."},
                               "ResponseMetadata": {"HTTPStatusCode": 404}}, "DescribeDevice")
        return {"DeviceId": DeviceId, "CurrentSoftware": self.devices[DeviceId]}

    def list_devices_jobs(self, DeviceId=None, NextToken=None):
        self.calls.append(("ListDevicesJobs", DeviceId))
        return {"DeviceJobs": [{"JobId": j["JobId"], "JobType": j["JobType"], "DeviceId": j["DeviceId"]}
                               for j in self.jobs if j["DeviceId"] == DeviceId]}

    def describe_device_job(self, JobId):
        self.calls.append(("DescribeDeviceJob", JobId))
        return dict(next(j for j in self.jobs if j["JobId"] == JobId))

    def create_job_for_devices(self, **kwargs):
        self.calls.append(("CreateJobForDevices", kwargs))
        job = {"JobId": f"new-{len(self.jobs)}", "DeviceId": kwargs["DeviceIds"][0], "JobType": kwargs["JobType"],
               "Status": "PENDING",
               "ImageVersion": (kwargs.get("DeviceJobConfig") or {}).get("OTAJobConfig", {}).get("ImageVersion")}
        self.jobs.append(job)
        return {"Jobs": [{"DeviceId": job["DeviceId"], "JobId": job["JobId"]}]}

    def list_package_import_jobs(self, NextToken=None):
        self.calls.append(("ListPackageImportJobs", None))
        return {"PackageImportJobs": [{"JobId": j["JobId"], "JobType": j["JobType"], "Status": j["Status"]}
                                      for j in self.imports]}

    def describe_package_import_job(self, JobId):
        self.calls.append(("DescribePackageImportJob", JobId))
        return dict(next(j for j in self.imports if j["JobId"] == JobId))

    def create_package_import_job(self, **kwargs):
        self.calls.append(("CreatePackageImportJob", kwargs))
        for job in self.imports:
            if job["ClientToken"] == kwargs["ClientToken"]:
                return {"JobId": job["JobId"]}
        job = {"JobId": f"imp-{len(self.imports)}", "JobType": kwargs["JobType"], "Status": "PENDING",
               "ClientToken": kwargs["ClientToken"]}
        self.imports.append(job)
        return {"JobId": job["JobId"]}

    def ops(self, name):
        return [c for c in self.calls if c[0] == name]


@pytest.fixture
def fake(monkeypatch):
    """Route the handlers' AwsClient to a FakePanorama."""
    holder = FakePanorama()

    def make(settings, service, deadline=None):
        return AwsClient(settings, service, policy=RetryPolicy(), deadline=Deadline(sleep=lambda s: None), client=holder)

    monkeypatch.setattr(aws_source, "AwsClient", make)
    return holder


@pytest.fixture
def no_client(monkeypatch):
    aws_fakes.refuse_clients(monkeypatch)


# ------------------------------------------------------------------------------------------------ validation
@pytest.mark.parametrize("params,words", [
    ({"device_ids": ["d1"], "job_type": "OTA"}, "image_version is required"),
    ({"device_ids": ["d1"], "job_type": "REBOOT", "image_version": "1.0"}, "only applies to job_type=OTA"),
    ({"device_ids": ["d1"], "job_type": "REBOOT", "allow_major_version_update": True}, "only applies"),
    ({"device_ids": [], "job_type": "REBOOT"}, "at least one"),
    ({"device_ids": ["d/1"], "job_type": "REBOOT"}, "'/'"),
    ({"device_ids": ["d1"], "job_type": "UPGRADE"}, "job_type"),
    ({"device_ids": ["d1"], "job_type": "OTA", "image_version": ""}, "image_version"),
])
def test_device_job_bad_input_before_any_client(no_client, params, words):
    with pytest.raises(JobGateError) as err:
        pd_start.device_job(FakeModule(**params))
    assert err.value.code == "ValidationError" and words in err.value.msg


def test_device_ids_are_deduplicated_in_order():
    inputs = pd_start.validate_device_job({"device_ids": ["b", "a", "b"], "job_type": "OTA", "image_version": "4.3.55"})
    assert inputs["device_ids"] == ["b", "a"] and inputs["allow_major"] is False


def test_request_shape():
    ota = {"job_type": "OTA", "image_version": "5.0.1", "allow_major": True}
    assert pd_start.device_job_request("d1", ota) == {"DeviceIds": ["d1"], "JobType": "OTA", "DeviceJobConfig": {
        "OTAJobConfig": {"ImageVersion": "5.0.1", "AllowMajorVersionUpdate": True}}}
    assert pd_start.device_job_request("d1", {"job_type": "REBOOT"}) == {"DeviceIds": ["d1"], "JobType": "REBOOT"}


# ------------------------------------------------------------------------------------------------ OTA decisions
def source_for(fake_client):
    return PanoramaDeviceJobSource(AwsClient(AwsSettings(region="us-east-1"), "panorama",
                                             policy=RetryPolicy(), deadline=Deadline(sleep=lambda s: None), client=fake_client))


def test_device_on_the_version_is_unchanged():
    fake_client = FakePanorama(devices={"d1": "4.3.55"})
    plan = pd_start.plan_device(source_for(fake_client), "d1", "OTA", "4.3.55")
    assert plan.action == "unchanged" and fake_client.ops("ListDevicesJobs") == []


def test_open_ota_to_the_version_is_reused_but_not_a_finished_or_other_one():
    jobs = [
        {"JobId": "old-done", "DeviceId": "d1", "JobType": "OTA", "ImageVersion": "4.3.55", "Status": "FAILED"},
        {"JobId": "other-version", "DeviceId": "d1", "JobType": "OTA", "ImageVersion": "4.3.50", "Status": "PENDING"},
        {"JobId": "reboot", "DeviceId": "d1", "JobType": "REBOOT", "Status": "IN_PROGRESS"},
        {"JobId": "open", "DeviceId": "d1", "JobType": "OTA", "ImageVersion": "4.3.55", "Status": "DOWNLOADING"},
    ]
    fake_client = FakePanorama(devices={"d1": "4.3.45"}, jobs=jobs)
    plan = pd_start.plan_device(source_for(fake_client), "d1", "OTA", "4.3.55")
    assert plan.action == "existing" and plan.existing_job["JobId"] == "open"
    assert ("DescribeDeviceJob", "reboot") not in fake_client.calls   # only OTA jobs are described

    fake_client.jobs[-1]["Status"] = "COMPLETED"
    assert pd_start.plan_device(source_for(fake_client), "d1", "OTA", "4.3.55").action == "start"


def test_reboot_plans_without_reads():
    fake_client = FakePanorama()
    assert pd_start.plan_device(source_for(fake_client), "d1", "REBOOT", None).action == "start"
    assert fake_client.calls == []


def test_handler_mixes_unchanged_existing_and_started(fake):
    fake.devices.update({"d-new": "4.3.55", "d-open": "4.3.45", "d-old": "4.3.45"})
    fake.jobs.append({"JobId": "open-1", "DeviceId": "d-open", "JobType": "OTA", "ImageVersion": "4.3.55", "Status": "PENDING"})
    out = pd_start.device_job(FakeModule(device_ids=["d-old", "d-new", "d-open"], job_type="OTA", image_version="4.3.55",
                                         allow_major_version_update=False))
    assert out["changed"] is True and out["unchanged_devices"] == ["d-new"]
    assert [j["device_id"] for j in out["jobs"]] == ["d-old", "d-open"]
    creates = fake.ops("CreateJobForDevices")
    assert len(creates) == 1 and creates[0][1]["DeviceIds"] == ["d-old"]


def test_handler_unchanged_everywhere_is_not_a_change(fake):
    fake.devices.update({"d1": "4.3.55"})
    out = pd_start.device_job(FakeModule(device_ids=["d1"], job_type="OTA", image_version="4.3.55"))
    assert out["changed"] is False and out["jobs"] == [] and fake.ops("CreateJobForDevices") == []


def test_check_mode_plans_but_creates_nothing(fake):
    fake.devices.update({"d1": "4.3.45", "d2": "4.3.55"})
    out = pd_start.device_job(FakeModule(check_mode=True, device_ids=["d1", "d2"], job_type="OTA", image_version="4.3.55"))
    assert out["changed"] is True and out["unchanged_devices"] == ["d2"]
    assert out["would_start"] == [{"device_id": "d1", "job_type": "OTA", "image_version": "4.3.55",
                                   "allow_major_version_update": False}]
    assert fake.ops("CreateJobForDevices") == []


def test_a_missing_device_stops_everything_before_a_create(fake):
    fake.devices.update({"d1": "4.3.45"})
    with pytest.raises(JobGateError) as err:
        pd_start.device_job(FakeModule(device_ids=["d1", "ghost"], job_type="OTA", image_version="4.3.55"))
    assert err.value.code == "ResourceNotFoundException" and "ghost" in err.value.msg
    assert fake.ops("CreateJobForDevices") == []


# ------------------------------------------------------------------------------------------------ package import
IMPORT = {
    "job_type": "NODE_PACKAGE_VERSION",
    "input_config": {"s3_location": {"bucket_name": "bkt", "object_key": "a/b/package.json", "region": None}},
    "output_config": {"package_name": "pkg", "package_version": "1.0", "mark_latest": None},
    "job_tags": None, "client_token": None,
}


def test_import_request_shape_and_default_token():
    request = pi_start.import_request(dict(IMPORT, job_tags=[{"resource_type": "PACKAGE", "tags": {"CostCenter": 7}}]))
    assert request["InputConfig"] == {"PackageVersionInputConfig": {"S3Location": {"BucketName": "bkt", "ObjectKey": "a/b/package.json"}}}
    assert request["OutputConfig"] == {"PackageVersionOutputConfig": {"PackageName": "pkg", "PackageVersion": "1.0"}}
    assert request["JobTags"] == [{"ResourceType": "PACKAGE", "Tags": {"CostCenter": "7"}}]
    assert request["ClientToken"].startswith("jobgate-") and len(request["ClientToken"]) == 64
    # Stable across runs, different for different inputs, the user's own token kept.
    assert pi_start.import_request(dict(IMPORT, job_tags=[{"resource_type": "PACKAGE", "tags": {"CostCenter": 7}}]))["ClientToken"] == request["ClientToken"]
    assert pi_start.import_request(IMPORT)["ClientToken"] != request["ClientToken"]
    assert pi_start.import_request(dict(IMPORT, client_token="mine-1"))["ClientToken"] == "mine-1"


@pytest.mark.parametrize("change,words", [
    ({"client_token": "has space"}, "client token"),
    ({"client_token": "x" * 65}, "64"),
    ({"output_config": {"package_name": "pkg", "package_version": "1"}}, "package version"),
    ({"output_config": {"package_name": "p/kg", "package_version": "1.0"}}, "node package name"),
    ({"input_config": {"s3_location": {"bucket_name": "", "object_key": "k"}}}, "bucket"),
    ({"job_type": "OTHER"}, "job_type"),
    ({"job_tags": [{"resource_type": "PACKAGE", "tags": {"": "v"}}]}, "tag key"),
])
def test_import_bad_input_before_any_client(no_client, change, words):
    with pytest.raises(JobGateError) as err:
        pi_start.package_import_job(FakeModule(**dict(IMPORT, **change)))
    assert err.value.code == "ValidationError" and words in err.value.msg


def test_import_rerun_returns_the_same_job_unchanged(fake):
    first = pi_start.package_import_job(FakeModule(**IMPORT))
    assert first["changed"] is True and first["job"]["job_id"] == "imp-0"
    second = pi_start.package_import_job(FakeModule(**IMPORT))
    assert second["changed"] is False and second["job"]["job_id"] == "imp-0" and len(fake.imports) == 1
    assert second["client_token"] == first["client_token"]


def test_import_check_mode_finds_the_job_by_token(fake):
    out = pi_start.package_import_job(FakeModule(check_mode=True, **IMPORT))
    assert out["changed"] is True and out["would_start"][0]["package_name"] == "pkg"
    assert fake.ops("CreatePackageImportJob") == []
    pi_start.package_import_job(FakeModule(**IMPORT))
    again = pi_start.package_import_job(FakeModule(check_mode=True, **IMPORT))
    assert again["changed"] is False and again["job"]["job_id"] == "imp-0" and again["would_start"] == []
    assert len(fake.ops("CreatePackageImportJob")) == 1


def test_find_import_by_token_ignores_other_tokens():
    fake_client = FakePanorama(imports=[{"JobId": "a", "JobType": "NODE_PACKAGE_VERSION", "Status": "SUCCEEDED",
                                         "ClientToken": "t-a"}])
    source = PanoramaPackageImportJobSource(AwsClient(AwsSettings(region="us-east-1"), "panorama", client=fake_client))
    assert pi_start.find_import_by_token(source, {"JobType": "NODE_PACKAGE_VERSION", "ClientToken": "t-b"}) is None
    assert pi_start.find_import_by_token(source, {"JobType": "NODE_PACKAGE_VERSION", "ClientToken": "t-a"})["JobId"] == "a"
