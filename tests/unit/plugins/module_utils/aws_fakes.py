# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-ins shared by the unit tests of the handlers (most of them AWS's)."""
from __future__ import annotations

from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline
from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import ModuleRun
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Begun, Report, run_jobs
from ansible_collections.jobgate.cloud.plugins.module_utils._aws import source as aws_source

AWS_PARAMS = {"region": "us-east-1", "access_key": "AKIDEXAMPLE", "secret_key": "s3cr3t-value", "session_token": None,
              "profile": None, "endpoint_url": None, "aws_ca_bundle": None, "validate_certs": True, "aws_config": None}
WAIT_PARAMS = {"wait": False, "wait_timeout": 1800, "wait_sleep": 5}


class FakeModule(ModuleRun):
    """Just enough of AnsibleModule for a handler: params (connection and wait defaults, the module's own
    `defaults`, then the test's), check_mode, and the run's deadline and report."""

    defaults: dict = {}

    def __init__(self, check_mode=False, **params):
        self.params = {**AWS_PARAMS, **WAIT_PARAMS, **self.defaults, **params}
        self.check_mode = check_mode
        self.deadline = Deadline.for_params(self.params)


def refuse_clients(monkeypatch) -> None:
    """Fail the test if a handler gets as far as building a client (i.e. would send a request)."""
    def refuse(*args, **kwargs):
        raise AssertionError("a client was created for bad input")
    monkeypatch.setattr(aws_source, "AwsClient", refuse)


def collect(report: Report, ids: list | None) -> dict:
    """What ``run_jobs`` does with a report a test made: the first look at ``ids`` (every listed job when None),
    the wait when its params ask, the result."""
    return run_jobs(lambda _module: Begun(report, ids), None)
