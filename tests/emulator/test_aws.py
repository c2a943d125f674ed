"""The emulator's AWS side, driven by real boto3 clients; raw JSON checked against the service models."""
from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request

import botocore.exceptions
import pytest
from aws_wire import MODELS, Recorder, check_response

PANORAMA_OPS = {"CreateJobForDevices", "DescribeDeviceJob", "ListDevicesJobs", "DescribeDevice", "ListDevices",
                "CreatePackageImportJob", "DescribePackageImportJob", "ListPackageImportJobs"}
BACKUP_OPS = {"StartReportJob", "DescribeReportJob", "ListReportJobs"}
IMPORT_ARGS = dict(JobType="NODE_PACKAGE_VERSION",
                   InputConfig={"PackageVersionInputConfig": {"S3Location": {"BucketName": "b", "ObjectKey": "k"}}},
                   OutputConfig={"PackageVersionOutputConfig": {"PackageName": "pkg", "PackageVersion": "1.0"}})


@pytest.fixture
def aws(emu, clients):
    rec = Recorder()
    pan, bak = clients("panorama"), clients("backup")
    rec.attach(pan)
    rec.attach(bak)
    yield emu, pan, bak, rec
    for entry in rec.seen:
        check_response(*entry)


def seed(emu, **timelines):
    emu.admin("POST", "/devices", {"devices": [{"device_id": "dev-1", "name": "hub-1", "current_software": "4.3.45"},
                                               {"device_id": "dev-2", "name": "hub-2"}]})
    emu.admin("POST", "/report-plans", {"name": "plan_a"})
    if timelines:
        emu.admin("POST", "/timelines", timelines)


def test_every_operation_answers_in_its_output_shape(aws):
    emu, pan, bak, rec = aws
    seed(emu)
    job = pan.create_job_for_devices(DeviceIds=["dev-1"], JobType="OTA",
                                     DeviceJobConfig={"OTAJobConfig": {"ImageVersion": "4.3.55"}})["Jobs"][0]
    pan.create_job_for_devices(DeviceIds=["dev-2"], JobType="REBOOT")
    pan.describe_device_job(JobId=job["JobId"])
    pan.list_devices_jobs()
    pan.describe_device(DeviceId="dev-1")
    pan.list_devices()
    imp = pan.create_package_import_job(ClientToken="tok-1", JobTags=[{"ResourceType": "PACKAGE",
                                                                       "Tags": {"CostCenter": "42"}}], **IMPORT_ARGS)
    pan.describe_package_import_job(JobId=imp["JobId"])
    pan.list_package_import_jobs()
    rep = bak.start_report_job(ReportPlanName="plan_a")
    bak.describe_report_job(ReportJobId=rep["ReportJobId"])
    bak.list_report_jobs()
    ops = {(s, o) for s, o, status, _unused, _unused in rec.seen if status == 200}
    assert ops == {("panorama", o) for o in PANORAMA_OPS} | {("backup", o) for o in BACKUP_OPS}


def test_timestamps_are_epoch_numbers_and_parse(aws):
    emu, pan, bak, rec = aws
    seed(emu)
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)
    rep = bak.start_report_job(ReportPlanName="plan_a")
    got = bak.describe_report_job(ReportJobId=rep["ReportJobId"])["ReportJob"]
    assert got["CreationTime"] >= before
    raw = json.loads(rec.seen[-1][4])
    assert isinstance(raw["ReportJob"]["CreationTime"], (int, float))


def test_not_found_errors_use_declared_shapes(aws):
    emu, pan, bak, rec = aws
    seed(emu)
    calls = [
        (lambda: pan.describe_device_job(JobId="missing-job"), "ResourceNotFoundException", 404),
        (lambda: pan.describe_device(DeviceId="missing-dev"), "ResourceNotFoundException", 404),
        (lambda: pan.create_job_for_devices(DeviceIds=["missing-dev"], JobType="REBOOT"),
         "ResourceNotFoundException", 404),
        (lambda: pan.describe_package_import_job(JobId="missing"), "ResourceNotFoundException", 404),
        (lambda: bak.describe_report_job(ReportJobId="missing"), "ResourceNotFoundException", 400),
        (lambda: bak.start_report_job(ReportPlanName="no_such_plan"), "ResourceNotFoundException", 400),
    ]
    for call, code, status in calls:
        with pytest.raises(botocore.exceptions.ClientError) as info:
            call()
        assert info.value.response["Error"]["Code"] == code
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    err = rec.seen[0]
    assert json.loads(err[4])["ResourceId"] == "missing-job"
    # every error these operations answered is one the model declares for them (DescribePackageImportJob's
    # ResourceNotFoundException is the one the service sends although the model does not list it)
    for service, op, status, headers, _unused in rec.seen:
        declared = {e["shape"] for e in MODELS[service]["operations"][op].get("errors", [])}
        if op != "DescribePackageImportJob":
            assert headers["x-amzn-ErrorType"] in declared, (op, headers["x-amzn-ErrorType"])


def test_validation_follows_the_model(aws):
    emu, pan, bak, rec = aws
    seed(emu)
    with pytest.raises(pan.exceptions.ValidationException) as info:
        pan.describe_device_job(JobId="bad id!")
    assert info.value.response["Reason"] == "FIELD_VALIDATION_FAILED"
    assert info.value.response["Fields"][0]["Name"] == "JobId"
    with pytest.raises(pan.exceptions.ValidationException):
        pan.list_devices_jobs(MaxResults=26)  # botocore does not check maxima; the service does
    with pytest.raises(pan.exceptions.ValidationException):
        pan.create_job_for_devices(DeviceIds=["dev-1"], JobType="OTA")  # OTA needs an image version
    with pytest.raises(pan.exceptions.ValidationException):
        pan.create_job_for_devices(DeviceIds=["dev-1"], JobType="OTA",
                                   DeviceJobConfig={"OTAJobConfig": {"ImageVersion": "5.0.1"}})
    with pytest.raises(bak.exceptions.InvalidParameterValueException):
        bak.list_report_jobs(MaxResults=1001)
    with pytest.raises(bak.exceptions.InvalidParameterValueException):
        bak.list_report_jobs(ByStatus="NOT A STATUS")  # also proves query signing with spaces
    with pytest.raises(pan.exceptions.ValidationException):
        pan.list_devices_jobs(NextToken="garbage")
    assert all(status == 400 for _unused, _unused, status, _unused, _unused in rec.seen)


def test_label_with_slash_and_space_is_signed_and_decoded(aws):
    emu, pan, bak, rec = aws
    with pytest.raises(bak.exceptions.ResourceNotFoundException) as info:
        bak.describe_report_job(ReportJobId="a/b c")
    assert info.value.response["Context"] == "a/b c"


def test_wrong_secret_unknown_key_and_missing_auth(emu, clients):
    seed(emu)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        clients("panorama", secret="not-the-secret").describe_device(DeviceId="dev-1")
    err = info.value.response
    assert err["Error"]["Code"] == "InvalidSignatureException"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err["Error"]["Message"].startswith("The request signature we calculated does not match")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        clients("backup", access="AKIAUNKNOWNKEY000000").list_report_jobs()
    assert info.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert info.value.response["Error"]["Message"] == "The security token included in the request is invalid."
    with pytest.raises(urllib.error.HTTPError) as http_err:
        urllib.request.urlopen(f"{emu.endpoint}/jobs/abc", timeout=5)
    assert http_err.value.code == 403
    assert http_err.value.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    log = emu.requests()
    expected = [(True, False, 403), (True, False, 403), (False, False, 403)]
    assert [(e["signed"], e["auth_ok"], e["status"]) for e in log] == expected
    assert log[2]["service"] == "panorama" and log[2]["operation"] == "DescribeDeviceJob"
    text = json.dumps(log)
    assert emu.aws["secret_key"] not in text


def test_session_token_must_match(emu, clients, panorama_model_dir):
    emu.config["aws"]["session_token"] = "the-session-token"
    seed(emu)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        clients("panorama").list_devices()
    assert info.value.response["Error"]["Code"] == "UnrecognizedClientException"
    ok = clients("panorama", token="the-session-token")
    assert len(ok.list_devices()["Devices"]) == 2


def test_faults_throttle_error_and_recover(aws):
    emu, pan, bak, rec = aws
    seed(emu)
    emu.admin("POST", "/faults", {"match": {"service": "panorama", "operation": "DescribeDevice"},
                                  "kind": "throttle", "count": 2, "retry_after": 1})
    for _unused in range(2):
        with pytest.raises(botocore.exceptions.ClientError) as info:
            pan.describe_device(DeviceId="dev-1")
        assert info.value.response["Error"]["Code"] == "ThrottlingException"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert info.value.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "1"
    assert pan.describe_device(DeviceId="dev-1")["DeviceId"] == "dev-1"
    pan.list_devices()  # other operations were never affected
    emu.admin("POST", "/faults", {"match": {"service": "panorama"}, "kind": "error", "status": 500})
    with pytest.raises(botocore.exceptions.ClientError) as info:
        pan.list_devices()
    assert info.value.response["Error"]["Code"] == "InternalServerException"
    emu.admin("POST", "/faults", {"match": {"service": "backup"}, "kind": "error", "status": 500})
    with pytest.raises(botocore.exceptions.ClientError) as info:
        bak.list_report_jobs()
    assert info.value.response["Error"]["Code"] == "ServiceUnavailableException"
    assert emu.admin("GET", "/faults")["faults"] == []


def test_botocore_retries_through_throttling(emu, clients):
    seed(emu)
    pan = clients("panorama", retries=4)
    emu.admin("POST", "/faults", {"match": {"service": "panorama"}, "kind": "throttle", "count": 2})
    resp = pan.describe_device(DeviceId="dev-1")
    assert resp["ResponseMetadata"]["RetryAttempts"] == 2
    assert [e["status"] for e in emu.requests()] == [429, 429, 200]


def test_faults_apply_after_authentication(emu, clients):
    seed(emu)
    emu.admin("POST", "/faults", {"match": {"service": "panorama"}, "kind": "throttle", "count": 1})
    with pytest.raises(botocore.exceptions.ClientError) as info:
        clients("panorama", secret="wrong").list_devices()
    assert info.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert len(emu.admin("GET", "/faults")["faults"]) == 1  # not consumed by the rejected request


def test_drop_malformed_html_and_delay(emu, clients):
    seed(emu)
    pan = clients("panorama")
    emu.admin("POST", "/faults", {"faults": [
        {"match": {"operation": "ListDevices"}, "kind": "drop"},
        {"match": {"operation": "DescribeDevice"}, "kind": "malformed"},
        {"match": {"operation": "ListDevicesJobs"}, "kind": "html", "status": 502},
        {"match": {"operation": "ListPackageImportJobs"}, "kind": "delay", "seconds": 0.3}]})
    with pytest.raises((botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)):
        pan.list_devices()
    broken = pan.describe_device(DeviceId="dev-1")  # botocore swallows an unparsable 200 body
    assert "DeviceId" not in broken
    with pytest.raises(botocore.exceptions.ClientError) as info:
        pan.list_devices_jobs()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 502
    started = time.monotonic()
    pan.list_package_import_jobs()
    assert time.monotonic() - started >= 0.3
    assert [e.get("fault") for e in emu.requests()] == ["drop", "malformed", "html", "delay"]


def test_throttle_rate_token_bucket(emu, clients):
    seed(emu)
    pan = clients("panorama")
    emu.admin("POST", "/settings", {"throttle_rate": 0.5, "throttle_burst": 2})
    pan.list_devices()
    pan.list_devices()
    with pytest.raises(botocore.exceptions.ClientError) as info:
        pan.list_devices()
    assert info.value.response["Error"]["Code"] == "ThrottlingException"
    clients("backup").list_report_jobs()  # buckets are per service
    emu.admin("POST", "/settings", {"throttle_rate": None})
    pan.list_devices()


def test_pagination(aws):
    emu, pan, bak, rec = aws
    seed(emu)
    ids = emu.admin("POST", "/jobs", {"kind": "panorama_device", "count": 12,
                                      "fields": {"DeviceId": "dev-1", "JobType": "REBOOT"}})["job_ids"]
    ids += emu.admin("POST", "/jobs", {"kind": "panorama_device", "count": 3, "fields": {"DeviceId": "dev-2"}})["job_ids"]
    seen, token, pages = [], None, 0
    while True:
        kw = {"MaxResults": 5, "DeviceId": "dev-1"}
        if token:
            kw["NextToken"] = token
        page = pan.list_devices_jobs(**kw)
        pages += 1
        seen += [j["JobId"] for j in page["DeviceJobs"]]
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3 and seen == ids[:12]
    assert len(pan.list_devices_jobs()["DeviceJobs"]) == 15
    emu.admin("POST", "/jobs", {"kind": "backup_report", "count": 5, "fields": {"ReportPlanName": "plan_a"}})
    got, kw = [], {"ByReportPlanName": "plan_a", "MaxResults": 2}
    while True:
        page = bak.list_report_jobs(**kw)
        got += page["ReportJobs"]
        if "NextToken" not in page:
            break
        kw["NextToken"] = page["NextToken"]
    assert len(got) == 5 and len({j["ReportJobId"] for j in got}) == 5
    imports = emu.admin("POST", "/jobs", {"kind": "panorama_package_import", "count": 4})["job_ids"]
    first = pan.list_package_import_jobs(MaxResults=3)
    second = pan.list_package_import_jobs(MaxResults=3, NextToken=first["NextToken"])
    assert [j["JobId"] for j in first["PackageImportJobs"] + second["PackageImportJobs"]] == imports
    assert "NextToken" not in second


def test_backup_list_filters(aws):
    emu, pan, bak, rec = aws
    seed(emu)
    emu.admin("POST", "/report-plans", {"name": "plan_b"})
    old = emu.admin("POST", "/jobs", {"kind": "backup_report", "created_ago": 3600,
                                      "fields": {"ReportPlanName": "plan_a"},
                                      "timeline": [["CREATED", 0], ["FAILED", 1, "bucket gone"]]})["job_ids"][0]
    new = bak.start_report_job(ReportPlanName="plan_b")["ReportJobId"]
    cut = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    assert [j["ReportJobId"] for j in bak.list_report_jobs(ByCreationAfter=cut)["ReportJobs"]] == [new]
    assert [j["ReportJobId"] for j in bak.list_report_jobs(ByCreationBefore=cut)["ReportJobs"]] == [old]
    assert [j["ReportJobId"] for j in bak.list_report_jobs(ByStatus="FAILED")["ReportJobs"]] == [old]
    assert [j["ReportJobId"] for j in bak.list_report_jobs(ByReportPlanName="plan_b")["ReportJobs"]] == [new]
    failed = bak.describe_report_job(ReportJobId=old)["ReportJob"]
    assert failed["StatusMessage"] == "bucket gone" and "CompletionTime" in failed


def test_timelines_advance_and_ota_updates_device(aws):
    emu, pan, bak, rec = aws
    seed(emu, panorama_device=[["PENDING", 0], ["DOWNLOADING", 0.2], ["VERIFYING", 0.4], ["REBOOTING", 0.6],
                               ["COMPLETED", 0.8]])
    emu.admin("POST", "/timelines", {"overrides": [{"kind": "panorama_device", "match": {"ImageVersion": "4.3.99"},
                                                    "timeline": [["PENDING", 0], ["FAILED", 0.3]]}]})
    good = pan.create_job_for_devices(DeviceIds=["dev-1"], JobType="OTA",
                                      DeviceJobConfig={"OTAJobConfig": {"ImageVersion": "4.3.55"}})["Jobs"][0]["JobId"]
    bad = pan.create_job_for_devices(DeviceIds=["dev-2"], JobType="OTA",
                                     DeviceJobConfig={"OTAJobConfig": {"ImageVersion": "4.3.99"}})["Jobs"][0]["JobId"]
    statuses = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = pan.describe_device_job(JobId=good)["Status"]
        if not statuses or statuses[-1] != status:
            statuses.append(status)
        if status == "COMPLETED":
            break
        time.sleep(0.05)
    assert statuses[0] == "PENDING" and statuses[-1] == "COMPLETED"
    order = ["PENDING", "DOWNLOADING", "VERIFYING", "REBOOTING", "COMPLETED"]
    assert statuses == sorted(statuses, key=order.index)
    assert pan.describe_device(DeviceId="dev-1")["CurrentSoftware"] == "4.3.55"
    assert pan.describe_device_job(JobId=bad)["Status"] == "FAILED"
    dev2 = pan.describe_device(DeviceId="dev-2")
    assert dev2["CurrentSoftware"] != "4.3.99" and dev2["LatestDeviceJob"]["Status"] == "FAILED"


def test_package_import_idempotency_and_failure(aws):
    emu, pan, bak, rec = aws
    emu.admin("POST", "/timelines", {"overrides": [{"kind": "panorama_package_import", "match": {"tag:fail": "yes"},
                                                    "timeline": [["PENDING", 0], ["FAILED", 0, "manifest invalid"]]}]})
    first = pan.create_package_import_job(ClientToken="same", **IMPORT_ARGS)["JobId"]
    assert pan.create_package_import_job(ClientToken="same", **IMPORT_ARGS)["JobId"] == first
    other = dict(IMPORT_ARGS, OutputConfig={"PackageVersionOutputConfig": {"PackageName": "x", "PackageVersion": "2.0"}})
    with pytest.raises(pan.exceptions.ConflictException):
        pan.create_package_import_job(ClientToken="same", **other)
    failing = pan.create_package_import_job(ClientToken="t2", JobTags=[{"ResourceType": "PACKAGE",
                                                                        "Tags": {"fail": "yes"}}], **IMPORT_ARGS)
    got = pan.describe_package_import_job(JobId=failing["JobId"])
    assert (got["Status"], got["StatusMessage"]) == ("FAILED", "manifest invalid")
    assert got["JobTags"][0]["Tags"] == {"fail": "yes"}


def test_backup_idempotency_token(aws):
    emu, pan, bak, rec = aws
    seed(emu)
    a = bak.start_report_job(ReportPlanName="plan_a", IdempotencyToken="k1")["ReportJobId"]
    assert bak.start_report_job(ReportPlanName="plan_a", IdempotencyToken="k1")["ReportJobId"] == a
    assert bak.start_report_job(ReportPlanName="plan_a", IdempotencyToken="k2")["ReportJobId"] != a


def test_reset_clears_everything(aws):
    emu, pan, bak, rec = aws
    seed(emu)
    emu.admin("POST", "/jobs", {"kind": "backup_report"})
    emu.admin("POST", "/faults", {"kind": "throttle", "match": {"service": "backup"}, "count": -1})
    emu.admin("POST", "/reset")
    assert emu.admin("GET", "/jobs")["jobs"] == []
    assert emu.admin("GET", "/faults")["faults"] == []
    assert emu.requests() == []
    assert pan.list_devices()["Devices"] == []
    assert bak.list_report_jobs()["ReportJobs"] == []


def test_admin_rejects_bad_input(emu):
    for path, payload in [("/timelines", {"nope": [["X", 0]]}), ("/timelines", {"backup_report": []}),
                          ("/faults", {"kind": "explode"}), ("/jobs", {"kind": "unknown"})]:
        with pytest.raises(urllib.error.HTTPError) as info:
            emu.admin("POST", path, payload)
        assert info.value.code == 400
