# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The walk from a module's run to a read's pauses (docs/dev/architecture.md, "From a module's main()"): run_module,
run_jobs, fetch_many, the kind's describe and the client's loop, then the deadline's sleep; the polls through
wait_for. The same for an info module and a start module: the start has returned by the first look. No other
function of the collection stands between them: a helper put there would be a frame every read walks through, and
this test fails when one is."""
from __future__ import annotations

import traceback

from botocore.stub import Stubber

from ansible_collections.jobgate.cloud.plugins.module_utils._aws import source as aws_source
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_job.source import backup_job_info
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_job.start import backup_job
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import run_module

import aws_fakes  # tests/unit/plugins/module_utils/aws_fakes.py

PLUGINS = "/ansible_collections/jobgate/cloud/plugins/"
JOB = "9a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


class InfoModule(aws_fakes.FakeModule):
    defaults = {"backup_job_id": None, "job_ids": None, "resource_arn": None, "state": None, "backup_vault_name": None,
                "resource_type": None, "created_after": None, "created_before": None,
                "wait": True, "wait_timeout": 60, "wait_sleep": 1}
    result: dict | None = None

    def exit_json(self, **result):
        self.result = result

    def fail_json(self, **result):
        raise AssertionError(result["msg"])


def _walk() -> list:
    """The collection's functions on the stack, outermost first."""
    return [frame.name for frame in traceback.extract_stack() if PLUGINS in frame.filename.replace("\\", "/")]


class StartModule(InfoModule):
    defaults = {"backup_vault_name": "Default", "resource_arn": "arn:aws:rds:us-east-1:123456789012:db:orders-db",
                "iam_role_arn": "arn:aws:iam::123456789012:role/backup", "idempotency_token": None,
                "start_window_minutes": None, "complete_window_minutes": None, "lifecycle": None,
                "recovery_point_tags": None, "backup_options": None, "wait": True, "wait_timeout": 60, "wait_sleep": 1}


def _stubbed(monkeypatch, start: bool) -> None:
    """Clients whose answers are: the start (a start module's), a 503, RUNNING, COMPLETED."""
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    def client(settings, service, **kwargs):
        aws = AwsClient(settings, service, deadline=kwargs["deadline"])
        stub = Stubber(aws.client)
        if start:
            stub.add_response("start_backup_job", {"BackupJobId": JOB})
        stub.add_client_error("describe_backup_job", "ServiceUnavailableException", http_status_code=503)
        stub.add_response("describe_backup_job", {"BackupJobId": JOB, "State": "RUNNING"})
        stub.add_response("describe_backup_job", {"BackupJobId": JOB, "State": "COMPLETED"})
        stub.activate()
        return aws

    monkeypatch.setattr(aws_source, "AwsClient", client)


def test_a_read_is_retried_and_polled_a_few_functions_below_run_module(monkeypatch):
    walks: list = []
    module = InfoModule(backup_job_id=JOB)
    module.deadline = Deadline(60, sleep=lambda _seconds: walks.append(_walk()))
    _stubbed(monkeypatch, start=False)
    run_module(module, backup_job_info)
    assert module.result["job"]["normalized"]["state"] == "succeeded"
    assert walks == [
        ["run_module", "run_jobs", "fetch_many", "describe", "call", "sleep"],  # the first look, tried again
        ["run_module", "run_jobs", "wait_for", "sleep"],                         # the pause before the poll
    ]


def test_a_start_module_reads_its_job_as_few_functions_below_run_module(monkeypatch):
    walks: list = []
    module = StartModule()
    module.deadline = Deadline(60, sleep=lambda _seconds: walks.append(_walk()))
    _stubbed(monkeypatch, start=True)
    run_module(module, backup_job)
    assert module.result["changed"] is True and module.result["job"]["normalized"]["state"] == "succeeded"
    assert walks == [
        ["run_module", "run_jobs", "fetch_many", "describe", "call", "sleep"],  # the first look after the start
        ["run_module", "run_jobs", "wait_for", "sleep"],
    ]
