"""Panorama job sources: id validation before any request, list mode pagination and describe-after-list."""
from __future__ import annotations

import datetime
import threading

import pytest
from botocore.stub import Stubber

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws import source as aws_source
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AwsSettings
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama.service import DEVICE_ID, JOB_ID
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_device import source as pd_source
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_device.source import PanoramaDeviceJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_package_import import source as pi_source
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_package_import.source import (
    PanoramaPackageImportJobSource,
)

import aws_fakes  # tests/unit/plugins/module_utils/aws_fakes.py

T0 = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)


class FakeModule(aws_fakes.FakeModule):
    defaults = {"job_id": None, "job_ids": None, "device_id": None}


@pytest.fixture
def no_client(monkeypatch):
    aws_fakes.refuse_clients(monkeypatch)


# ------------------------------------------------------------------------------------------------ validation
def test_rules_come_from_the_carried_model():
    assert (JOB_ID.min, JOB_ID.max) == (1, 255) and JOB_ID.regex.pattern == r"^[a-zA-Z0-9\-\_]+$"
    assert (DEVICE_ID.min, DEVICE_ID.max) == (1, 255)


@pytest.mark.parametrize("good", ["a", "2c9d4e5a-7d3b-4a0e-9f1e-3b5e8f0c1a2b", "job_1-X", "x" * 255])
def test_valid_job_ids(good):
    assert JOB_ID.check("job_id", good) == good


@pytest.mark.parametrize("bad", ["", "..", "a/b", "a?b", "a#b", "../etc", "x" * 256, "a b", "a.b", "job\n", "é", 5, None])
def test_invalid_job_ids(bad):
    with pytest.raises(JobGateError) as err:
        JOB_ID.check("job_id", bad)
    assert err.value.code == "ValidationError" and err.value.retryable is False and err.value.http_status is None
    assert "job_id" in err.value.msg


@pytest.mark.parametrize("params", [
    {"job_id": "a/b"},
    {"job_ids": ["good-1", "bad?id"]},
    {"job_id": "a", "job_ids": ["b"]},
    {"job_ids": []},
    {"device_id": "dev/1"},
    {"job_id": "a", "device_id": "dev-1"},
])
def test_device_handler_rejects_bad_input_before_any_client(no_client, params):
    with pytest.raises(JobGateError) as err:
        pd_source.device_job_info(FakeModule(**params))
    assert err.value.code == "ValidationError"


@pytest.mark.parametrize("params", [{"job_id": "#1"}, {"job_ids": ["ok", ".."]}, {"job_id": "a", "job_ids": ["a"]}])
def test_package_handler_rejects_bad_input_before_any_client(no_client, params):
    with pytest.raises(JobGateError) as err:
        pi_source.package_import_job_info(FakeModule(**params))
    assert err.value.code == "ValidationError"


def test_profile_and_keys_rejected_before_any_client(no_client):
    with pytest.raises(JobGateError) as err:
        pd_source.device_job_info(FakeModule(job_id="a", profile="prod"))
    assert err.value.code == "ValidationError"


# ------------------------------------------------------------------------------------------------ sources
class FakePanorama:
    """Thread-safe stand-in for the botocore client: list pages by token, describe by id."""

    def __init__(self, pages, statuses):
        self.pages = pages
        self.statuses = statuses
        self.lock = threading.Lock()
        self.list_calls = []
        self.described = []

        class Meta:
            region_name = "us-east-1"
            endpoint_url = "http://127.0.0.1:9"
        self.meta = Meta()

    def list_devices_jobs(self, **kwargs):
        with self.lock:
            self.list_calls.append(kwargs)
        return self.pages[kwargs.get("NextToken")]

    def describe_device_job(self, JobId):
        with self.lock:
            self.described.append(JobId)
        return {"JobId": JobId, "Status": self.statuses[JobId], "CreatedTime": T0,
                "ResponseMetadata": {"HTTPStatusCode": 200}}


def aws(fake):
    return AwsClient(AwsSettings(region="us-east-1"), "panorama", policy=RetryPolicy(), deadline=Deadline(sleep=lambda s: None), client=fake)


def test_device_list_mode_paginates_then_describes_each_job():
    pages = {
        None: {"DeviceJobs": [{"JobId": "j1", "DeviceId": "dev-1"}, {"JobId": "j2", "DeviceId": "dev-1"}],
               "NextToken": "t1"},
        "t1": {"DeviceJobs": [{"JobId": "j3", "DeviceId": "dev-1"}, {"JobId": "j1", "DeviceId": "dev-1"}]},
    }
    fake = FakePanorama(pages, {"j1": "COMPLETED", "j2": "DOWNLOADING", "j3": "FAILED"})
    source = PanoramaDeviceJobSource(aws(fake), device_id="dev-1")
    jobs = source.list_jobs()
    assert fake.list_calls == [{"DeviceId": "dev-1"}, {"DeviceId": "dev-1", "NextToken": "t1"}]
    assert [j["JobId"] for j in jobs] == ["j1", "j2", "j3"]  # listed order, a repeated id described once
    assert [j["Status"] for j in jobs] == ["COMPLETED", "DOWNLOADING", "FAILED"]
    assert sorted(fake.described) == ["j1", "j2", "j3"]
    assert all("ResponseMetadata" not in j for j in jobs)


def test_device_list_without_filter_sends_no_device_id():
    fake = FakePanorama({None: {"DeviceJobs": []}}, {})
    assert PanoramaDeviceJobSource(aws(fake)).list_jobs() == []
    assert fake.list_calls == [{}] and fake.described == []


def test_device_list_through_real_botocore_and_stubber(monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = AwsClient(AwsSettings(region="us-east-1", access_key="AKIDEXAMPLE", secret_key="s3cr3t-value"), "panorama",
                       policy=RetryPolicy(), deadline=Deadline(sleep=lambda s: None))
    source = PanoramaPackageImportJobSource(client)
    with Stubber(client.client) as stub:
        stub.add_response("list_package_import_jobs",
                          {"PackageImportJobs": [{"JobId": "p1", "Status": "PENDING", "CreatedTime": T0}],
                           "NextToken": "next-page"}, {})
        stub.add_response("list_package_import_jobs",
                          {"PackageImportJobs": [{"JobId": "p2", "Status": "SUCCEEDED", "CreatedTime": T0,
                                                  "StatusMessage": "done"}]}, {"NextToken": "next-page"})
        jobs = source.list_jobs()
        stub.assert_no_pending_responses()
    assert [(j["JobId"], j["Status"]) for j in jobs] == [("p1", "PENDING"), ("p2", "SUCCEEDED")]


def test_describe_not_found_names_job_and_region(monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = AwsClient(AwsSettings(region="eu-west-1", access_key="AKIDEXAMPLE", secret_key="s3cr3t-value"), "panorama",
                       policy=RetryPolicy(), deadline=Deadline(sleep=lambda s: None))
    source = PanoramaDeviceJobSource(client)
    with Stubber(client.client) as stub:
        stub.add_client_error("describe_device_job", "ResourceNotFoundException", "Job missing-1 not found", 404,
                              expected_params={"JobId": "missing-1"})
        with pytest.raises(JobGateError) as err:
            source.describe("missing-1")
    assert err.value.code == "ResourceNotFoundException" and err.value.http_status == 404
    assert err.value.retryable is False
    assert "missing-1" in err.value.msg and "eu-west-1" in err.value.msg
    assert source.location().startswith("in region eu-west-1")


def test_handler_collects_one_job(monkeypatch):
    fake = FakePanorama({}, {"j1": "REBOOTING"})
    monkeypatch.setattr(aws_source, "AwsClient", lambda settings, service, **kw: aws(fake))
    result = pd_source.device_job_info(FakeModule(job_id="j1"))
    assert result["changed"] is False
    assert result["job"]["job_id"] == "j1" and result["job"]["normalized"]["state"] == "running"
    assert result["summary"]["total"] == 1 and result["summary"]["running"] == 1


def test_device_list_since_describes_only_jobs_not_known():
    pages = {None: {"DeviceJobs": [{"JobId": "j1", "DeviceId": "dev-1"}, {"JobId": "j2", "DeviceId": "dev-1"}]}}
    fake = FakePanorama(pages, {"j1": "COMPLETED", "j2": "DOWNLOADING"})
    jobs = PanoramaDeviceJobSource(aws(fake), device_id="dev-1").list_since(None, frozenset({"j1"}))
    assert fake.described == ["j2"]
    assert jobs == [{"JobId": "j1", "DeviceId": "dev-1"}, {"JobId": "j2", "Status": "DOWNLOADING", "CreatedTime": T0}]
