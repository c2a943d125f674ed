# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many ids through list APIs: fetch_many's batch path and each source's fetch_batch (stubbed clients)."""
from __future__ import annotations

import datetime
import threading

import pytest
from botocore.stub import Stubber

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import AwsSettings
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_report.source import (
    CREATION_MARGIN, BackupReportJobSource,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Report
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import (
    BATCH_MIN, JobSource, fetch_many, pick_from_pages,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._core.waiter import wait_for
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_edge_device.source import HciJobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_package_import.source import (
    PanoramaPackageImportJobSource,
)

UTC = datetime.timezone.utc
T0 = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def not_found(job_id):
    return JobGateError(f"Backup report job {job_id} was not found in region r", code="ResourceNotFoundException",
                        http_status=404, retryable=False)


class ListingSource(JobSource):
    """A source whose list answers some ids (pages of `page_size`) and whose describe answers the rest."""

    provider = "backup_report"
    id_label = "Backup report job"

    def __init__(self, listed, described, page_size=2, batch_error=None):
        self.listed = list(listed)
        self.described = dict(described)
        self.page_size = page_size
        self.batch_error = batch_error
        self.pages_read = 0
        self.batch_calls = []
        self.describes = []
        self.lock = threading.Lock()

    def _pages(self):
        for start in range(0, len(self.listed), self.page_size):
            self.pages_read += 1
            yield self.listed[start:start + self.page_size]

    def fetch_batch(self, ids, hints):
        self.batch_calls.append((list(ids), dict(hints)))
        if self.batch_error is not None:
            raise self.batch_error
        return pick_from_pages(self._pages(), ids, lambda job: job["ReportJobId"])

    def describe(self, job_id):
        with self.lock:
            self.describes.append(job_id)
        if job_id not in self.described:
            raise not_found(job_id)
        return self.described[job_id]


def job(job_id, status="RUNNING", **extra):
    return {"ReportJobId": job_id, "Status": status, **extra}


def test_many_ids_come_from_the_list_and_the_rest_are_described_in_order():
    listed = [job("a"), job("x"), job("c"), job("d")]
    source = ListingSource(listed, {"b": job("b", "COMPLETED")}, page_size=10)
    out = fetch_many(source, ["a", "b", "c", "d"])
    assert [j["ReportJobId"] for j in out] == ["a", "b", "c", "d"]
    assert out[1]["Status"] == "COMPLETED"
    assert source.describes == ["b"] and source.pages_read == 1


def test_few_ids_are_described_without_the_list():
    ids = [f"j{n}" for n in range(BATCH_MIN - 1)]
    source = ListingSource([job(i) for i in ids], {i: job(i, "COMPLETED") for i in ids})
    out = fetch_many(source, ids)
    assert source.batch_calls == [] and sorted(source.describes) == sorted(ids)
    assert all(j["Status"] == "COMPLETED" for j in out)


def test_an_id_nobody_knows_still_fails_as_not_found():
    source = ListingSource([job("a"), job("b"), job("c")], {}, page_size=10)
    with pytest.raises(JobGateError) as err:
        fetch_many(source, ["a", "b", "c", "ghost"])
    assert err.value.code == "ResourceNotFoundException" and "ghost" in err.value.msg
    assert source.describes == ["ghost"]


def test_pages_stop_once_every_id_is_found():
    listed = [job(f"j{n}") for n in range(20)]
    source = ListingSource(listed, {}, page_size=2)
    fetch_many(source, ["j0", "j1", "j2", "j3"])
    assert source.pages_read == 2 and source.describes == []


def test_pages_stop_once_they_outnumber_the_missing_ids():
    listed = [job(f"other{n}") for n in range(100)] + [job("a"), job("b"), job("c"), job("d")]
    source = ListingSource(listed, {i: job(i) for i in "abcd"}, page_size=2)
    fetch_many(source, ["a", "b", "c", "d"])
    # 4 ids missing: after the 5th page, describing the 4 is cheaper than paging on.
    assert source.pages_read == 5 and sorted(source.describes) == ["a", "b", "c", "d"]


def test_pick_from_pages_counts_only_asked_ids():
    pages = iter([[{"id": "x"}, {"id": "a"}], [{"id": "b"}], [{"id": "never read"}]])
    assert pick_from_pages(pages, ["a", "b"], lambda item: item["id"]) == {"a": {"id": "a"}, "b": {"id": "b"}}
    assert next(pages) == [{"id": "never read"}]


def test_a_list_the_caller_may_not_use_falls_back_to_describes_once():
    denied = JobGateError("Access denied when trying to list", code="AccessDeniedException", http_status=403)
    ids = ["a", "b", "c", "d"]
    source = ListingSource([], {i: job(i) for i in ids}, batch_error=denied)
    assert [j["ReportJobId"] for j in fetch_many(source, ids)] == ids
    fetch_many(source, ids)
    assert len(source.batch_calls) == 1 and len(source.describes) == 8


def test_a_retryable_list_error_is_raised_not_multiplied():
    throttled = JobGateError("AWS throttled", code="ThrottlingException", http_status=400, retryable=True)
    source = ListingSource([], {i: job(i) for i in "abcd"}, batch_error=throttled)
    with pytest.raises(JobGateError) as err:
        fetch_many(source, list("abcd"))
    assert err.value.code == "ThrottlingException" and source.describes == []


def test_wait_hands_the_last_seen_jobs_to_fetch_batch():
    now = [0.0]
    deadline = Deadline(100, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    ids = ["a", "b", "c", "d"]
    first = [job(i, CreationTime=T0) for i in ids]
    source = ListingSource([job(i, "COMPLETED") for i in ids], {}, page_size=10)
    seen = Report(source, deadline, {"wait": True, "wait_timeout": 100, "wait_sleep": 5})
    seen.seen(first, ids)
    entries, _elapsed = wait_for(seen, ids, sleep=5)
    assert all(e["normalized"]["state"] == "succeeded" for e in entries)
    assert source.batch_calls == [(ids, dict(zip(ids, first)))]


# ------------------------------------------------------------------------------------------------ Backup
@pytest.fixture
def backup_client(monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return AwsClient(AwsSettings(region="us-east-1", access_key="AKIDEXAMPLE", secret_key="s3cr3t-value"), "backup",
                     policy=RetryPolicy(), deadline=Deadline(sleep=lambda s: None))


def test_backup_batch_lists_after_the_earliest_known_creation(backup_client):
    source = BackupReportJobSource(backup_client)
    ids = ["r1", "r2", "r3", "r4"]
    hints = {"r1": job("r1", CreationTime=T0 + datetime.timedelta(hours=1)), "r2": job("r2", CreationTime=T0)}
    answer = [job(i, "COMPLETED", CreationTime=T0) for i in ids]
    with Stubber(backup_client.client) as stub:
        stub.add_response("list_report_jobs", {"ReportJobs": answer[:2], "NextToken": "n1"},
                          {"ByCreationAfter": T0 - CREATION_MARGIN, "MaxResults": 1000})
        stub.add_response("list_report_jobs", {"ReportJobs": answer[2:]},
                          {"ByCreationAfter": T0 - CREATION_MARGIN, "MaxResults": 1000, "NextToken": "n1"})
        found = source.fetch_batch(ids, hints)
        stub.assert_no_pending_responses()
    assert found == dict(zip(ids, answer))


def test_backup_batch_without_hints_lists_without_a_time_filter(backup_client):
    source = BackupReportJobSource(backup_client)
    with Stubber(backup_client.client) as stub:
        stub.add_response("list_report_jobs", {"ReportJobs": [job("r1", "COMPLETED")]}, {"MaxResults": 1000})
        found = source.fetch_batch(["r1"], {})
        stub.assert_no_pending_responses()
    assert found == {"r1": job("r1", "COMPLETED")}


def test_backup_fetch_many_describes_what_the_list_missed(backup_client):
    source = BackupReportJobSource(backup_client)
    ids = ["r1", "r2", "r3", "r4"]
    with Stubber(backup_client.client) as stub:
        stub.add_response("list_report_jobs", {"ReportJobs": [job(i, "COMPLETED") for i in ids[:3]]}, {"MaxResults": 1000})
        stub.add_response("describe_report_job", {"ReportJob": job("r4", "FAILED")}, {"ReportJobId": "r4"})
        out = fetch_many(source, ids)
        stub.assert_no_pending_responses()
    assert [j["Status"] for j in out] == ["COMPLETED", "COMPLETED", "COMPLETED", "FAILED"]


# ------------------------------------------------------------------------------------------------ package import
@pytest.fixture
def panorama_client(monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return AwsClient(AwsSettings(region="us-east-1", access_key="AKIDEXAMPLE", secret_key="s3cr3t-value"), "panorama",
                     policy=RetryPolicy(), deadline=Deadline(sleep=lambda s: None))


def described_import(job_id, status, updated):
    return {"JobId": job_id, "JobType": "NODE_PACKAGE_VERSION", "Status": status, "StatusMessage": f"{status} msg",
            "CreatedTime": T0, "LastUpdatedTime": updated, "ClientToken": "t", "JobTags": [],
            "InputConfig": {"PackageVersionInputConfig": {"S3Location": {"BucketName": "b", "ObjectKey": "k"}}},
            "OutputConfig": {"PackageVersionOutputConfig": {"PackageName": "p", "PackageVersion": "1.0"}},
            "Output": {"PackageId": "pkg-1", "PackageVersion": "1.0", "PatchVersion": "abc123",
                       "OutputS3Location": {"BucketName": "b", "ObjectKey": "out"}}}


def listed_import(job_id, status, updated):
    return {"JobId": job_id, "JobType": "NODE_PACKAGE_VERSION", "Status": status, "StatusMessage": f"{status} msg",
            "CreatedTime": T0, "LastUpdatedTime": updated}


def test_package_import_reuses_unchanged_descriptions_and_describes_changed_ones(panorama_client):
    source = PanoramaPackageImportJobSource(panorama_client)
    ids = ["job-a", "job-b", "job-c", "job-d"]
    hints = {i: described_import(i, "PENDING", T0) for i in ids}
    later = T0 + datetime.timedelta(minutes=1)
    listing = [listed_import("job-a", "PENDING", T0), listed_import("job-b", "SUCCEEDED", later),
               listed_import("job-c", "PENDING", T0), listed_import("job-d", "FAILED", later)]
    with Stubber(panorama_client.client) as stub:
        stub.add_response("list_package_import_jobs", {"PackageImportJobs": listing}, {"MaxResults": 25})
        for changed in ("job-b", "job-d"):
            status = "SUCCEEDED" if changed == "job-b" else "FAILED"
            stub.add_response("describe_package_import_job", described_import(changed, status, later), {"JobId": changed})
        out = fetch_many(source, ids, max_workers=1, hints=hints)
        stub.assert_no_pending_responses()
    assert out[0] is hints["job-a"] and out[2] is hints["job-c"]
    assert out[1]["Status"] == "SUCCEEDED" and out[1]["Output"] and out[3]["StatusMessage"] == "FAILED msg"


def test_package_import_without_descriptions_does_not_list(panorama_client):
    source = PanoramaPackageImportJobSource(panorama_client)
    assert source.fetch_batch(["job-a", "job-b", "job-c", "job-d"], {}) == {}


# ------------------------------------------------------------------------------------------------ HCI
URI = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/m1"


class PagedArm:
    def __init__(self, pages):
        self.pages_given = list(pages)
        self.read = 0
        self.gets = []

    def url(self, path):
        return "https://management.example" + path

    def pages(self, url, what, params=None):
        for page in self.pages_given:
            self.read += 1
            yield page

    def get_json(self, url, what, params=None):
        self.gets.append(url)
        return {"name": url.rsplit("/", 1)[-1], "properties": {"status": "Succeeded"}}


def test_hci_batch_reads_the_edge_device_list_case_insensitively():
    arm = PagedArm([[{"name": "job-one", "properties": {"status": "DeploymentInProgress"}}, {"name": "JOB-TWO"}],
                    [{"name": "job-three"}], [{"name": "never-read"}]])
    source = HciJobSource(arm, URI)
    out = fetch_many(source, ["job-one", "job-two", "job-three", "job-four"], max_workers=1)
    assert [j["name"] for j in out] == ["job-one", "JOB-TWO", "job-three", "job-four"]
    assert arm.read == 2 and arm.gets == [arm.url(f"{URI}/providers/Microsoft.AzureStackHCI/edgeDevices/default/jobs/job-four")]
