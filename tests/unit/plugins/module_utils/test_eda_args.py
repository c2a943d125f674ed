# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The event source's arguments (the info modules' specs and checks) and its main() with a list queue."""
from __future__ import annotations

import asyncio
import datetime
import importlib

import pytest
import yaml
from botocore.stub import Stubber

from ansible_collections.jobgate.cloud.plugins.module_utils._aws import client as aws_client
from ansible_collections.jobgate.cloud.plugins.module_utils._aws import source as aws_source
from ansible_collections.jobgate.cloud.plugins.module_utils._core import kinds as registry
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.params import check_params, spec_names
from ansible_collections.jobgate.cloud.plugins.module_utils._eda import args as eda_args
from ansible_collections.jobgate.cloud.plugins.module_utils._eda import kinds
from ansible_collections.jobgate.cloud.plugins.module_utils._eda import watch as w

import aws_fakes  # tests/unit/plugins/module_utils/aws_fakes.py

SOURCE = "ansible_collections.jobgate.cloud.extensions.eda.plugins.event_source.job_status"
UUID_R1 = "9a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
AWS_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
           "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_URL", "AWS_ROLE_ARN")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "absent"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def no_client(monkeypatch):
    aws_fakes.refuse_clients(monkeypatch)


def stopped(args) -> str:
    with pytest.raises(JobGateError) as caught:
        eda_args.prepare(args)
    assert caught.value.code == "ValidationError" and caught.value.retryable is False
    return caught.value.msg


# ---------------------------------------------------------------------------------------------------------- params
def test_check_params_converts_types_applies_aliases_and_defaults():
    spec = {"count": {"type": "int", "default": 3}, "token": {"type": "str", "no_log": True, "aliases": ["tok"]}}
    params, secrets = check_params(spec, {"count": "5", "tok": "hunter22"})
    assert params["count"] == 5 and params["token"] == "hunter22" and secrets == ("hunter22",)
    assert check_params(spec, {})[0]["count"] == 3
    assert spec_names(spec) == {"count", "token", "tok"}


def test_check_params_joins_errors_and_masks_secrets():
    spec = {"count": {"type": "int"}, "token": {"type": "str", "no_log": True}}
    with pytest.raises(JobGateError) as caught:
        check_params(spec, {"count": "many", "token": "hunter22", "colour": "blue"})
    msg = caught.value.msg
    assert msg.startswith("unknown option(s) colour; ") and "count" in msg and "hunter22" not in msg


CLUSTER = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/edge-rg/providers/" \
          "Microsoft.AzureStackHCI/clusters/c1"


# ---------------------------------------------------------------------------------------------------------- prepare
def test_every_kind_takes_its_info_modules_options():
    for kind, module in kinds.KINDS.items():
        names = spec_names(module.INFO_ARG_SPEC)
        assert not names & {"wait", "wait_timeout", "wait_sleep"}, kind
    assert "job_ids" in spec_names(kinds.KINDS["hci_edge_device"].INFO_ARG_SPEC)  # alias of job_names
    assert {"job_ids", "run_names", "cluster_id", "update_name"} <= spec_names(kinds.KINDS["hci_update_run"].INFO_ARG_SPEC)
    assert "aws_secret_access_key" in spec_names(kinds.KINDS["backup_report"].INFO_ARG_SPEC)


def test_prepare_defaults_aliases_and_engine_keys(no_client):
    watch = eda_args.prepare({"kind": "backup_report", "job_id": UUID_R1, "aws_region": "eu-west-1",
                              "report_plan_name": None, "eda_feedback_queue": object()})
    assert watch.ids == [UUID_R1] and watch.interval == 30 and watch.emit == "terminal" and watch.on_start == "emit"
    list_mode = eda_args.prepare({"kind": "backup_report", "interval": "7", "emit": "transitions",
                                  "on_start": "skip", "region": "eu-west-1"})
    assert list_mode.ids is None and list_mode.interval == 7 and list_mode.on_start == "skip"


def test_prepare_keeps_the_list_filters_given_for_the_start_line(no_client):
    watch = eda_args.prepare({"kind": "restore_job", "status": "FAILED", "resource_type": "RDS",
                              "created_after": "2026-05-01", "region": "eu-west-1"})
    assert watch.filters == {"status": "FAILED", "resource_type": "RDS", "created_after": "2026-05-01"}
    assert eda_args.prepare({"kind": "backup_report", "region": "eu-west-1"}).filters == {}
    copies = eda_args.prepare({"kind": "copy_job", "state": "PARTIAL", "parent_job_id": "P-1", "region": "eu-west-1",
                               "destination_vault_arn": "arn:aws:backup:us-west-2:123456789012:backup-vault:dr"})
    assert copies.filters == {"state": "PARTIAL", "parent_job_id": "P-1",
                              "destination_vault_arn": "arn:aws:backup:us-west-2:123456789012:backup-vault:dr"}
    scans = eda_args.prepare({"kind": "scan_job", "scan_result_status": "THREATS_FOUND", "resource_type": "EBS",
                              "completed_after": "2026-05-01", "region": "eu-west-1"})
    assert scans.filters == {"scan_result_status": "THREATS_FOUND", "resource_type": "EBS",
                             "completed_after": "2026-05-01"} and scans.ids is None
    assert eda_args.prepare({"kind": "scan_job", "scan_job_id": "S-1", "region": "eu-west-1"}).ids == ["S-1"]


@pytest.mark.parametrize("args, expected", [
    ({}, "jobgate.cloud.job_status stopped: bad arguments: missing required arguments: kind"),
    ({"kind": "ec2"}, "value of kind must be one of"),
    ({"kind": "backup_report", "interval": 4}, "interval must be at least 5 seconds, got 4."),
    ({"kind": "backup_report", "interval": "soon"}, "interval"),
    ({"kind": "backup_report", "emit": "always"}, "value of emit must be one of: terminal, transitions"),
    ({"kind": "backup_report", "wait": True}, "unknown option(s) for kind backup_report: wait."),
    ({"kind": "backup_report", "device_id": "d"}, "device_id (an option of panorama_device)"),
    ({"kind": "backup_report", "job_ids": ["a/b"]}, "not a valid Backup report job id"),
    ({"kind": "backup_report", "job_ids": []}, "must name at least one job"),
    ({"kind": "backup_report", "job_ids": ["a"], "status": "FAILED"}, "filter list mode"),
    ({"kind": "backup_report", "created_after": "yesterday"}, "not an ISO 8601 date"),
    ({"kind": "panorama_device", "job_id": "x" * 300}, "job_id"),
    ({"kind": "copy_job", "state": "ABORTED"}, "state"),
    ({"kind": "copy_job", "job_ids": ["c/1"]}, "not a valid Backup copy job id"),
    ({"kind": "copy_job", "completed_after": "2026-05-01"}, "completed_after (an option of scan_job)"),
    ({"kind": "scan_job", "scan_result_status": "CLEAN"}, "scan_result_status"),
    ({"kind": "scan_job", "created_after": "2026-05-01"}, "unknown option(s) for kind scan_job: created_after"),
    ({"kind": "scan_job", "job_ids": ["s#1"]}, "not a valid Backup scan job id"),
    ({"kind": "hci_edge_device", "job_names": ["ok-name"]}, "missing required arguments: resource_uri"),
    ({"kind": "hci_edge_device", "resource_uri": "/subscriptions/x/../y"}, "resource_uri"),
    ({"kind": "hci_update_run", "run_names": ["r-1"], "update_name": "u"}, "missing required arguments: cluster_id"),
    ({"kind": "hci_update_run", "cluster_id": CLUSTER, "update_name": "u/.."}, "update_name"),
    ({"kind": "hci_update_run", "cluster_id": CLUSTER + "/..", "update_name": "u"}, "cluster_id"),
    ({"kind": "hci_update_run", "cluster_id": CLUSTER, "update_name": "u", "resource_uri": "/x"},
     "resource_uri (an option of hci_edge_device)"),
    ({"kind": "backup_report", "profile": "p", "access_key": "AKIDEXAMPLE"}, "cannot be combined"),
    # percent-encoded path breakers, for every kind, through the same shared check as the modules
    ({"kind": "backup_report", "job_ids": ["%2e%2e"]}, "Option job_ids: '%2e%2e' is not a valid Backup report job id"),
    ({"kind": "backup_report", "report_plan_name": "p%252F"}, "a percent-encoded '/'"),
    ({"kind": "panorama_device", "device_id": "dev%5Cx"}, "a percent-encoded '\\'"),
    ({"kind": "panorama_package_import", "job_ids": ["job%23x"]}, "a percent-encoded '#'"),
    ({"kind": "hci_edge_device", "resource_uri": "/subscriptions/x/resourceGroups/rg/providers/"
      "Microsoft.HybridCompute/machines/m1", "job_names": ["job%3F1"]}, "a percent-encoded '?'"),
    ({"kind": "hci_update_run", "cluster_id": CLUSTER, "update_name": "u", "job_ids": ["run%2F1"]},
     "a percent-encoded '/'"),
])
def test_prepare_refuses_bad_input_before_any_client(no_client, args, expected):
    msg = stopped(args)
    assert msg.startswith("jobgate.cloud.job_status") and "stopped: bad arguments: " in msg
    assert expected in msg and "\n" not in msg


def test_prepare_never_shows_a_secret(no_client):
    msg = stopped({"kind": "backup_report", "secret_key": "wJalrXUtnFEMI/K7MDENG", "job_ids": ["../x"]})
    assert "wJalrXUtnFEMI" not in msg


def test_environment_fallbacks_and_location_key(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-value")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "older-awx-token")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    watch = eda_args.prepare({"kind": "backup_report"})
    source = watch.connect()
    assert source.client.settings.session_token == "older-awx-token"
    assert source.location_key() == "aws/ap-south-1"
    with_endpoint = eda_args.prepare({"kind": "panorama_device", "endpoint_url": "http://127.0.0.1:9"}).connect()
    assert with_endpoint.location_key() == "aws/ap-south-1@http://127.0.0.1:9"


def test_hci_update_run_prepare_and_location_key(no_client):
    watch = eda_args.prepare({"kind": "hci_update_run", "cluster_id": CLUSTER, "update_name": "Solution12.1",
                              "job_ids": ["r-1"]})
    assert watch.ids == ["r-1"]
    from ansible_collections.jobgate.cloud.plugins.module_utils._hci_update_run.source import HciUpdateRunSource
    key = HciUpdateRunSource(None, CLUSTER.replace("edge-rg", "Edge-RG"), "Solution12.1").location_key()
    assert key == "azure" + CLUSTER.lower() + "/updates/solution12.1"


def test_hci_location_key_ignores_case():
    uri = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/Edge-RG/providers/" \
          "Microsoft.HybridCompute/machines/Node-1"
    from ansible_collections.jobgate.cloud.plugins.module_utils._hci_edge_device.source import HciJobSource
    key = HciJobSource(None, uri, "Default").location_key()
    assert key == "azure" + uri.lower() + "/edgeDevices/default"


# ---------------------------------------------------------------------------------------------------------- docs
def _documented(text: str) -> set:
    return set((yaml.safe_load(text).get("options") or {}))


def test_documentation_lists_every_option_and_only_those():
    module = importlib.import_module(SOURCE)
    doc = yaml.safe_load(module.DOCUMENTATION)
    fragments = set()
    for name in doc["extends_documentation_fragment"]:
        fragment = importlib.import_module(f"ansible_collections.jobgate.cloud.plugins.doc_fragments.{name.split('.')[-1]}")
        fragments |= _documented(fragment.ModuleDocFragment.DOCUMENTATION)
    documented = set(doc["options"]) | fragments
    accepted = set(eda_args.SOURCE_ARG_SPEC)
    for module_ in kinds.KINDS.values():
        accepted |= set(module_.INFO_ARG_SPEC)
    # the single-id options are mentioned under job_ids rather than documented one by one
    singles = {kind.id_option.name for kind in registry.KINDS.values()}
    assert documented == accepted - singles
    specs = {name: [spec] for name, spec in eda_args.SOURCE_ARG_SPEC.items()}
    for module_ in kinds.KINDS.values():
        for name, spec in module_.INFO_ARG_SPEC.items():
            if name in doc["options"]:
                specs.setdefault(name, []).append(spec)
    for name, option in doc["options"].items():
        for key in ("default", "type", "choices"):
            values = [spec.get(key) for spec in specs[name]]
            # an option kinds share with other choices (status: report and restore jobs) documents none
            want = values[0] if all(v == values[0] for v in values) else None
            assert option.get(key) == want, (name, key)
    assert doc["options"]["kind"]["choices"] == list(kinds.KINDS)
    yaml.safe_load(module.EXAMPLES)


# ---------------------------------------------------------------------------------------------------------- main()
class ListQueue:
    def __init__(self):
        self.events = []

    async def put(self, event):
        self.events.append(event)


class Stop(Exception):
    pass


def test_main_with_a_list_queue(monkeypatch):
    """The source's own main(): arguments as a rulebook gives them, botocore stubbed, the loop on a fake clock."""
    created = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
    job = {"ReportJobId": UUID_R1, "Status": "RUNNING", "CreationTime": created}
    stubs = []

    def stubbed_client(settings, service, **kwargs):
        made = aws_client.AwsClient(settings, service)
        stub = Stubber(made.client)
        stub.add_response("describe_report_job", {"ReportJob": job}, {"ReportJobId": UUID_R1})
        stub.add_client_error("describe_report_job", "ThrottlingException", "Rate exceeded", 429,
                              response_meta={"HTTPHeaders": {"retry-after": "12"}})
        stub.add_response("describe_report_job", {"ReportJob": dict(job, Status="COMPLETED", CompletionTime=created)},
                          {"ReportJobId": UUID_R1})
        stub.activate()
        stubs.append(stub)
        return made

    monkeypatch.setattr(aws_source, "AwsClient", stubbed_client)
    sleeps = []
    now = [0.0]

    async def sleep(seconds):
        sleeps.append(round(seconds, 1))
        now[0] += seconds
        if len(sleeps) > 5:
            raise Stop()

    async def inline(func, *args):
        return func(*args)

    async def idle():
        sleeps.append("idle")

    monkeypatch.setattr(w, "_deadline", lambda: Deadline(clock=lambda: now[0], async_sleep=sleep))
    monkeypatch.setattr(w, "_blocking", inline)
    monkeypatch.setattr(w, "_idle", idle)
    monkeypatch.setattr(w, "_uniform", lambda low, high: low)
    module = importlib.import_module(SOURCE)
    queue = ListQueue()
    asyncio.run(module.main(queue, {"kind": "backup_report", "job_ids": [UUID_R1], "interval": 5, "region": "us-east-1",
                                    "access_key": "AKIDEXAMPLE", "secret_key": "s3cr3t-value",
                                    "aws_config": {"retries": {"total_max_attempts": 1}}}))
    (event,) = queue.events
    assert event["job_status"]["kind"] == "backup_report" and event["job_status"]["previous_state"] == "running"
    assert event["job_status"]["job"]["state"] == "succeeded" and event["job_status"]["detail"]["status"] == "COMPLETED"
    assert event["meta"]["uuid"] == w.event_uuid("backup_report", "aws/us-east-1", UUID_R1, "succeeded")
    assert sleeps == [5, 12, "idle"]  # the interval, the Retry-After, then nothing left to poll
    stubs[0].assert_no_pending_responses()
