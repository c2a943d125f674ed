# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import iso_utc, snake_keys
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import (
    PROVIDERS, job_entry, normalize, summarize,
)

UTC = datetime.timezone.utc
NORMALIZED_KEYS = {"provider", "job_id", "native_status", "state", "terminal", "succeeded", "percent_complete",
                   "message", "created_at", "updated_at", "finished_at"}


# ------------------------------------------------------------------------------------------------ status tables
PANORAMA_DEVICE_ROWS = [
    ("PENDING", "pending"), ("IN_PROGRESS", "running"), ("DOWNLOADING", "running"), ("VERIFYING", "running"),
    ("REBOOTING", "running"), ("COMPLETED", "succeeded"), ("FAILED", "failed"),
    ("CANCELLED", "unknown"), ("completed", "unknown"), ("", "unknown"),
]
PACKAGE_IMPORT_ROWS = [
    ("PENDING", "pending"), ("SUCCEEDED", "succeeded"), ("FAILED", "failed"),
    ("IN_PROGRESS", "unknown"), ("COMPLETED", "unknown"),
]
BACKUP_ROWS = [
    ("CREATED", "pending"), ("RUNNING", "running"), ("COMPLETED", "succeeded"), ("FAILED", "failed"),
    ("SUCCEEDED", "unknown"), ("CANCELED", "unknown"),
]
HCI_ROWS = [
    ("Scheduled", None, "pending"),
    ("ValidationInProgress", None, "running"),
    ("DeploymentInProgress", None, "running"),
    ("ValidationSuccess", "Deploy", "running"),
    ("ValidationSuccess", "Validate", "succeeded"),
    ("ValidationSuccess", None, "running"),
    ("Paused", None, "paused"),
    ("Succeeded", None, "succeeded"),
    ("DeploymentSuccess", None, "succeeded"),
    ("Failed", None, "failed"),
    ("ValidationFailed", None, "failed"),
    ("DeploymentFailed", None, "failed"),
    ("Canceled", None, "canceled"),
    ("NotSpecified", None, "unknown"),
    ("Exploded", None, "unknown"),
    ("deploymentsuccess", None, "succeeded"),  # ARM enums are case-insensitive
    ("VALIDATIONSUCCESS", "validate", "succeeded"),
]
COPY_ROWS = [
    ("CREATED", "pending"), ("RUNNING", "running"), ("COMPLETED", "succeeded"), ("FAILED", "failed"),
    ("PARTIAL", "failed"), ("ABORTED", "unknown"), ("completed", "unknown"), ("", "unknown"),
]
# (State, ScanResult.ScanResultStatus or None for no ScanResult, state): a COMPLETED scan succeeds only when clean.
SCAN_ROWS = [
    ("CREATED", None, "pending"), ("RUNNING", None, "running"),
    ("COMPLETED", "NO_THREATS_FOUND", "succeeded"), ("COMPLETED", "THREATS_FOUND", "failed"),
    ("COMPLETED", "UNKNOWN", "failed"), ("COMPLETED", None, "failed"), ("COMPLETED", "MAYBE", "failed"),
    ("COMPLETED_WITH_ISSUES", "NO_THREATS_FOUND", "failed"), ("COMPLETED_WITH_ISSUES", None, "failed"),
    ("FAILED", None, "failed"), ("CANCELED", None, "canceled"),
    ("PARTIAL", None, "unknown"), ("completed", "NO_THREATS_FOUND", "unknown"), ("", None, "unknown"),
]
HCI_UPDATE_RUN_ROWS = [
    ("InProgress", "running"), ("Succeeded", "succeeded"), ("Failed", "failed"),
    ("Unknown", "unknown"),   # not terminal: the wait goes on
    ("succeeded", "succeeded"),  # ARM enums are case-insensitive
    ("Canceled", "unknown"), ("", "unknown"),
]
TERMINAL = {"succeeded", "failed", "canceled"}


def _check_state(block, provider, native, state):
    assert set(block) == NORMALIZED_KEYS
    assert block["provider"] == provider
    assert block["state"] == state
    assert block["terminal"] is (state in TERMINAL)
    assert block["succeeded"] is (state == "succeeded")
    assert block["native_status"] == native


@pytest.mark.parametrize("status, state", PANORAMA_DEVICE_ROWS)
def test_panorama_device_status(status, state):
    raw = {"JobId": "job-1", "Status": status, "DeviceId": "device-1", "ImageVersion": "1.2",
           "CreatedTime": datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)}
    block = normalize("panorama_device", raw)
    _check_state(block, "panorama_device", status or None, state)
    assert block["job_id"] == "job-1"
    assert block["percent_complete"] is None
    assert block["message"] is None
    assert block["created_at"] == "2024-05-01T12:00:00Z"
    assert block["updated_at"] is None
    assert block["finished_at"] is None  # the API gives no end time


@pytest.mark.parametrize("status, state", PACKAGE_IMPORT_ROWS)
def test_package_import_status(status, state):
    raw = {"JobId": "pi-1", "Status": status, "StatusMessage": "working on it",
           "CreatedTime": datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
           "LastUpdatedTime": datetime.datetime(2024, 5, 1, 12, 5, tzinfo=UTC)}
    block = normalize("panorama_package_import", raw)
    _check_state(block, "panorama_package_import", status, state)
    assert block["job_id"] == "pi-1"
    assert block["message"] == "working on it"
    assert block["created_at"] == "2024-05-01T12:00:00Z"
    assert block["updated_at"] == "2024-05-01T12:05:00Z"
    assert block["finished_at"] == ("2024-05-01T12:05:00Z" if state in TERMINAL else None)


@pytest.mark.parametrize("status, state", HCI_UPDATE_RUN_ROWS)
def test_hci_update_run_status(status, state):
    progress = {"name": "root", "endTimeUtc": "2024-05-01T13:00:00Z", "errorMessage": "",
                "steps": [{"name": "s", "errorMessage": "root cause", "steps": []}]}
    props = {"state": status, "timeStarted": "2024-05-01T12:00:00.1234567+00:00",
             "lastUpdatedTime": "2024-05-01T12:30:00Z", "progress": progress}
    raw = {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.AzureStackHCI/clusters/c/updates/u/updateRuns/r-1",
           "name": "u/r-1", "properties": props}
    block = normalize("hci_update_run", raw)
    _check_state(block, "hci_update_run", status or None, state)
    assert block["job_id"] == "r-1" and block["percent_complete"] is None
    assert block["message"] == "root cause"
    assert block["created_at"] == "2024-05-01T12:00:00Z" and block["updated_at"] == "2024-05-01T12:30:00Z"
    assert block["finished_at"] == ("2024-05-01T13:00:00Z" if state in TERMINAL else None)


@pytest.mark.parametrize("status, state", BACKUP_ROWS)
def test_backup_report_status(status, state):
    raw = {"ReportJobId": "rj-1", "Status": status, "StatusMessage": "msg",
           "CreationTime": datetime.datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC),
           "CompletionTime": datetime.datetime(2024, 5, 1, 13, 0, tzinfo=UTC)}
    block = normalize("backup_report", raw)
    _check_state(block, "backup_report", status, state)
    assert block["job_id"] == "rj-1"
    assert block["message"] == "msg"
    assert block["created_at"] == "2024-05-01T12:00:00Z"
    assert block["finished_at"] == ("2024-05-01T13:00:00Z" if state in TERMINAL else None)


def test_backup_accepts_whole_describe_response():
    raw = {"ReportJob": {"ReportJobId": "rj-2", "Status": "RUNNING"}, "ResponseMetadata": {"RequestId": "r"}}
    assert normalize("backup_report", raw)["job_id"] == "rj-2"
    entry = job_entry("backup_report", raw)
    assert entry["report_job_id"] == "rj-2"
    assert "report_job" not in entry and "response_metadata" not in entry


@pytest.mark.parametrize("status, state", COPY_ROWS)
def test_copy_job_status(status, state):
    raw = {"CopyJob": {"CopyJobId": "cj-1", "State": status, "StatusMessage": "msg", "ChildJobsInState": {"FAILED": 1},
                       "CreationDate": datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
                       "CompletionDate": datetime.datetime(2024, 5, 1, 13, 0, tzinfo=UTC)}}
    block = normalize("copy_job", raw)
    _check_state(block, "copy_job", status or None, state)
    assert (block["job_id"], block["message"], block["percent_complete"]) == ("cj-1", "msg", None)
    assert block["finished_at"] == ("2024-05-01T13:00:00Z" if state in TERMINAL else None)
    entry = job_entry("copy_job", raw)
    assert entry["copy_job_id"] == "cj-1" and entry["child_jobs_in_state"] == {"FAILED": 1}  # state names kept


@pytest.mark.parametrize("status, verdict, state", SCAN_ROWS)
def test_scan_job_status_and_verdict(status, verdict, state):
    raw = {"ScanJobId": "sj-1", "State": status, "CreationDate": datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
           "CompletionDate": datetime.datetime(2024, 5, 1, 12, 30, tzinfo=UTC)}
    if verdict is not None:
        raw["ScanResult"] = {"ScanResultStatus": verdict}
    block = normalize("scan_job", raw)
    _check_state(block, "scan_job", status or None, state)
    assert block["finished_at"] == ("2024-05-01T12:30:00Z" if state in TERMINAL else None)
    if status == "COMPLETED" and verdict != "NO_THREATS_FOUND":
        assert block["message"] and (verdict or "without a ScanResult") in block["message"]
    else:
        assert block["message"] is None


def test_scan_verdict_message_keeps_the_status_message():
    raw = {"ScanJobId": "sj-2", "State": "COMPLETED", "StatusMessage": "2 infected files.",
           "ScanResult": {"ScanResultStatus": "THREATS_FOUND"}}
    assert normalize("scan_job", raw)["message"] == (
        "The scan completed and found threats (ScanResultStatus THREATS_FOUND). 2 infected files.")
    clean = dict(raw, ScanResult={"ScanResultStatus": "NO_THREATS_FOUND"}, StatusMessage="Scanned 12 GB.")
    assert normalize("scan_job", clean)["message"] == "Scanned 12 GB."
    assert job_entry("scan_job", raw)["scan_result"] == {"scan_result_status": "THREATS_FOUND"}


def _hci(status=None, mode=None, provisioning=None, reported=None, **props):
    properties = {"jobType": "CollectLog", "jobId": "1b6b52e0-0000", "startTimeUtc": "2024-05-01T10:00:00Z",
                  "endTimeUtc": "2024-05-01T11:00:00.1234567Z"}
    if status is not None:
        properties["status"] = status
    if mode is not None:
        properties["deploymentMode"] = mode
    if provisioning is not None:
        properties["provisioningState"] = provisioning
    if reported is not None:
        properties["reportedProperties"] = reported
    properties.update(props)
    return {
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/m1/providers/"
              "Microsoft.AzureStackHCI/edgeDevices/default/jobs/collect-1",
        "name": "collect-1",
        "type": "Microsoft.AzureStackHCI/edgeDevices/jobs",
        "kind": "HCI",
        "properties": properties,
        "systemData": {"createdAt": "2024-05-01T09:59:00.1234567Z", "lastModifiedAt": "2024-05-01T10:30:00+01:00",
                       "createdBy": "someone"},
    }


@pytest.mark.parametrize("status, mode, state", HCI_ROWS)
def test_hci_status(status, mode, state):
    block = normalize("hci_edge_device", _hci(status, mode, provisioning="Succeeded"))
    _check_state(block, "hci_edge_device", status, state)
    assert block["job_id"] == "collect-1"
    assert block["created_at"] == "2024-05-01T09:59:00Z"
    assert block["updated_at"] == "2024-05-01T09:30:00Z"
    assert block["finished_at"] == ("2024-05-01T11:00:00Z" if state in TERMINAL else None)


@pytest.mark.parametrize("provisioning, state", [
    ("Failed", "failed"), ("Canceled", "canceled"), ("Accepted", "running"), ("Provisioning", "running"),
    ("Updating", "running"), ("Succeeded", "unknown"), ("Deleting", "unknown"), (None, "unknown"),
    ("failed", "failed"),
])
def test_hci_without_status_uses_provisioning_state(provisioning, state):
    block = normalize("hci_edge_device", _hci(None, provisioning=provisioning))
    _check_state(block, "hci_edge_device", None, state)


def test_hci_created_falls_back_to_start_time_and_name_to_id():
    raw = _hci("Scheduled")
    del raw["systemData"]
    del raw["name"]
    block = normalize("hci_edge_device", raw)
    assert block["created_at"] == "2024-05-01T10:00:00Z"
    assert block["updated_at"] is None
    assert block["job_id"] == "collect-1"


@pytest.mark.parametrize("value, expected", [
    (0, 0), (42, 42), (100, 100), (150, 100), (-5, 0), (42.6, 43), ("57", 57), ("junk", None), (None, None),
    (True, None), ([], None), (float("nan"), None),
])
def test_hci_percent_complete(value, expected):
    reported = {} if value is None else {"percentComplete": value}
    assert normalize("hci_edge_device", _hci("DeploymentInProgress", reported=reported))["percent_complete"] == expected


def test_hci_message_first_exception_in_nested_steps():
    reported = {
        "validationStatus": {"status": "Success", "steps": [{"name": "v1", "status": "Success", "exception": []}]},
        "deploymentStatus": {"status": "Error", "steps": [
            {"name": "outer", "status": "Error", "steps": [
                {"name": "inner-ok", "status": "Success"},
                {"name": "inner-bad", "status": "Error", "exception": ["", "Disk 3 is offline"]},
            ]},
            {"name": "later", "status": "Error", "exception": ["later problem"]},
        ]},
        "nodeSettings": {"connectionErrorMessage": "not this one"},
    }
    block = normalize("hci_edge_device", _hci("DeploymentFailed", reported=reported))
    assert block["message"] == "Disk 3 is offline"


def test_hci_message_validation_before_deployment():
    reported = {
        "deploymentStatus": {"steps": [{"exception": ["deploy failure"]}]},
        "validationStatus": {"steps": [{"exception": ["validation failure"]}]},
    }
    assert normalize("hci_edge_device", _hci("Failed", reported=reported))["message"] == "validation failure"


@pytest.mark.parametrize("settings", [{"connectionErrorMessage": "Node unreachable"},
                                      [{"connectionErrorMessage": ""}, {"connectionErrorMessage": "Node unreachable"}]])
def test_hci_message_node_connection_error(settings):
    reported = {"deploymentStatus": {"steps": [{"name": "s", "exception": []}]}, "nodeSettings": settings}
    assert normalize("hci_edge_device", _hci("Failed", reported=reported))["message"] == "Node unreachable"


@pytest.mark.parametrize("reported", [None, {}, {"validationStatus": None}, {"deploymentStatus": {"steps": "junk"}},
                                      {"nodeSettings": "junk"}, "junk"])
def test_hci_message_absent(reported):
    raw = _hci("Succeeded")
    raw["properties"]["reportedProperties"] = reported
    assert normalize("hci_edge_device", raw)["message"] is None


def test_hci_rest_spec_example_without_status():
    # Shape of the REST spec's own EdgeDeviceJobs_Get example: no status, no systemData.
    raw = {
        "id": "/subscriptions/fd3c3665-1729-4b7b-9a38-238e83b0f98b/resourceGroups/ArcInstance-rg/providers/"
              "Microsoft.HybridCompute/machines/Node-1/providers/Microsoft.AzureStackHCI/edgeDevices/default/jobs/collectLog",
        "name": "collectLog",
        "type": "Microsoft.AzureStackHCI/edgeDevices/jobs",
        "kind": "HCI",
        "properties": {"jobType": "CollectLog", "fromDate": "2024-01-29T10:43:27.9471574Z",
                       "toDate": "2024-01-29T10:43:27.9471574Z", "provisioningState": "Succeeded"},
    }
    block = normalize("hci_edge_device", raw)
    assert block["native_status"] is None
    assert block["state"] == "unknown"
    assert block["terminal"] is False
    assert block["created_at"] is None
    entry = job_entry("hci_edge_device", raw)
    assert entry["properties"]["from_date"] == "2024-01-29T10:43:27.9471574Z"


# ------------------------------------------------------------------------------------------------ missing fields
@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("raw", [{}, None, "junk", {"Status": None, "status": None}])
def test_missing_everything(provider, raw):
    block = normalize(provider, raw)
    assert set(block) == NORMALIZED_KEYS
    assert block["provider"] == provider
    assert block["state"] == "unknown"
    assert block["terminal"] is False
    for key in ("job_id", "native_status", "percent_complete", "message", "created_at", "updated_at", "finished_at"):
        assert block[key] is None, key


def test_empty_status_message_is_null():
    assert normalize("panorama_package_import", {"JobId": "x", "Status": "FAILED", "StatusMessage": "  "})["message"] is None


def test_unknown_provider():
    with pytest.raises(ValueError):
        normalize("gcp", {})


# ------------------------------------------------------------------------------------------------ times
@pytest.mark.parametrize("value, expected", [
    (datetime.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC), "2024-02-29T23:59:59Z"),
    (datetime.datetime(2024, 3, 1, 1, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2))), "2024-02-29T23:30:00Z"),
    (datetime.datetime(2024, 3, 1, 1, 30), "2024-03-01T01:30:00Z"),  # naive -> UTC
    (datetime.date(2024, 3, 1), "2024-03-01T00:00:00Z"),
    (0, "1970-01-01T00:00:00Z"),
    (1714564800, "2024-05-01T12:00:00Z"),
    (1714564800.75, "2024-05-01T12:00:00Z"),
    (1714564800000, "2024-05-01T12:00:00Z"),  # epoch milliseconds
    ("1714564800", "2024-05-01T12:00:00Z"),
    ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z"),
    ("2024-05-01T12:00:00z", "2024-05-01T12:00:00Z"),
    ("2024-05-01T12:00:00.1234567Z", "2024-05-01T12:00:00Z"),  # Azure's 7-digit fraction
    ("2024-05-01T12:00:00.5+00:00", "2024-05-01T12:00:00Z"),
    ("2024-05-01T14:00:00+02:00", "2024-05-01T12:00:00Z"),
    ("2024-05-01T07:30:00-04:30", "2024-05-01T12:00:00Z"),
    ("2024-05-01T17:30:00+0530", "2024-05-01T12:00:00Z"),
    ("2024-05-01T14:00:00+02", "2024-05-01T12:00:00Z"),
    ("2024-05-01 12:00:00", "2024-05-01T12:00:00Z"),
    ("2024-05-01T12:00", "2024-05-01T12:00:00Z"),
    ("2024-05-01", "2024-05-01T00:00:00Z"),
    (" 2024-05-01T12:00:00Z ", "2024-05-01T12:00:00Z"),
    ("2024-12-31T23:30:00-01:00", "2025-01-01T00:30:00Z"),
    ("0001-01-01T00:00:00Z", None),  # .NET "not set"
    (None, None), ("", None), ("soon", None), ("2024-13-01T00:00:00Z", None), (True, None), ([], None),
    (float("nan"), None), (1e300, None),
])
def test_iso_utc(value, expected):
    assert iso_utc(value) == expected


def test_iso_utc_local_offset_datetime():
    # botocore hands epoch timestamps back in the controller's local zone; the result must not depend on it.
    local = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC).astimezone()
    assert iso_utc(local) == "2024-05-01T12:00:00Z"


# ------------------------------------------------------------------------------------------------ snake_keys
@pytest.mark.parametrize("key, expected", [
    ("ReportJobId", "report_job_id"), ("DeviceARN", "device_arn"), ("DeviceArn", "device_arn"),
    ("percentComplete", "percent_complete"), ("startTimeUtc", "start_time_utc"), ("JobId", "job_id"),
    ("S3Location", "s3_location"), ("ResourceARNs", "resource_arns"), ("ARNPrefix", "arn_prefix"),
    ("ip4Address", "ip4_address"), ("bandwidthPercentage_SMB", "bandwidth_percentage_smb"),
    ("systemData", "system_data"), ("id", "id"), ("already_snake", "already_snake"), ("HTTPSettings", "http_settings"),
    ("/subscriptions/S1/ids", "/subscriptions/S1/ids"), ("some-key", "some-key"),
])
def test_snake_key_names(key, expected):
    assert list(snake_keys({key: 1})) == [expected]


def test_snake_keys_keeps_tag_maps():
    raw = {
        "JobTags": [{"ResourceType": "PACKAGE", "Tags": {"CostCenter": "cc-1", "Team Name": "x"}}],
        "Tags": {"CostCenter": "cc-2"},
        "TagList": [{"Key": "CostCenter", "Value": "v"}],
        "Nested": {"Deeper": [{"InnerKey": {"Tags": {"KeepMe": "1"}}}]},
    }
    out = snake_keys(raw)
    assert out["job_tags"] == [{"resource_type": "PACKAGE", "tags": {"CostCenter": "cc-1", "Team Name": "x"}}]
    assert out["tags"] == {"CostCenter": "cc-2"}
    assert out["tag_list"] == [{"key": "CostCenter", "value": "v"}]
    assert out["nested"] == {"deeper": [{"inner_key": {"tags": {"KeepMe": "1"}}}]}
    assert raw["Tags"] == {"CostCenter": "cc-2"}  # input untouched


def test_snake_keys_arm_tags_and_drops_response_metadata():
    out = snake_keys({"tags": {"CostCenter": "a"}, "ResponseMetadata": {"RequestId": "r"}, "Items": ("A", {"B": 1})})
    assert out == {"tags": {"CostCenter": "a"}, "items": ["A", {"b": 1}]}


def test_job_entry_package_import():
    created = datetime.datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)
    raw = {
        "JobId": "pi-9", "JobType": "NODE_PACKAGE_VERSION", "Status": "SUCCEEDED", "StatusMessage": "done",
        "CreatedTime": created, "LastUpdatedTime": created,
        "JobTags": [{"ResourceType": "PACKAGE", "Tags": {"CostCenter": "42"}}],
        "InputConfig": {"PackageVersionInputConfig": {"S3Location": {"BucketName": "b", "ObjectKey": "k", "Region": "r"}}},
        "ResponseMetadata": {"RequestId": "abc", "HTTPStatusCode": 200},
    }
    entry = job_entry("panorama_package_import", raw)
    assert "response_metadata" not in entry
    assert entry["job_id"] == "pi-9"
    assert entry["job_tags"][0]["tags"] == {"CostCenter": "42"}
    assert entry["input_config"]["package_version_input_config"]["s3_location"]["bucket_name"] == "b"
    assert entry["created_time"] == "2024-05-01T12:00:00.500000Z"  # full precision kept in the entry, as UTC
    assert entry["normalized"]["state"] == "succeeded"
    assert entry["normalized"]["finished_at"] == "2024-05-01T12:00:00Z"
    json.dumps(entry)  # module results must be JSON-serializable
    assert "ResponseMetadata" in raw  # input untouched


def test_job_entry_hci_keeps_whole_resource():
    entry = job_entry("hci_edge_device", _hci("Succeeded", reported={"percentComplete": 100}))
    assert set(entry) == {"id", "name", "type", "kind", "properties", "system_data", "normalized"}
    assert entry["properties"]["reported_properties"]["percent_complete"] == 100
    assert entry["normalized"]["percent_complete"] == 100


# ------------------------------------------------------------------------------------------------ summary
def _n(state):
    return {"normalized": {"state": state, "terminal": state in TERMINAL}}


def test_summary_counts():
    states = ["pending", "running", "running", "paused", "succeeded", "failed", "canceled", "unknown", "weird"]
    summary = summarize([_n(s) for s in states])
    assert summary == {"total": 9, "pending": 1, "running": 2, "paused": 1, "succeeded": 1, "failed": 1, "canceled": 1,
                       "unknown": 2, "all_terminal": False, "all_succeeded": False, "any_failed": True}


@pytest.mark.parametrize("states, all_terminal, all_succeeded, any_failed", [
    (["succeeded", "succeeded"], True, True, False),
    (["succeeded", "failed"], True, False, True),
    (["succeeded", "canceled"], True, False, False),
    (["succeeded", "running"], False, False, False),
    (["unknown"], False, False, False),
    ([], False, False, False),  # no jobs: never "all done"
])
def test_summary_flags(states, all_terminal, all_succeeded, any_failed):
    summary = summarize([_n(s) for s in states])
    assert summary["total"] == len(states)
    assert summary["all_terminal"] is all_terminal
    assert summary["all_succeeded"] is all_succeeded
    assert summary["any_failed"] is any_failed


def test_summary_over_nothing_to_do_opens_the_gate_and_only_over_nothing():
    settled = summarize([], nothing_to_do=True)
    assert settled["total"] == 0 and settled["all_terminal"] is True and settled["all_succeeded"] is True
    assert settled["any_failed"] is False
    # with jobs, the flag changes nothing: the jobs decide
    assert summarize([_n("running")], nothing_to_do=True)["all_succeeded"] is False
    assert summarize([_n("failed")], nothing_to_do=True)["all_terminal"] is True


def test_summary_of_real_entries_and_bare_blocks():
    entries = [job_entry("backup_report", {"ReportJobId": "a", "Status": "COMPLETED"}),
               normalize("backup_report", {"ReportJobId": "b", "Status": "RUNNING"})]
    summary = summarize(entries)
    assert (summary["succeeded"], summary["running"], summary["total"]) == (1, 1, 2)
