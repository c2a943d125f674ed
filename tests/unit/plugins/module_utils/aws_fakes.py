# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-ins shared by the unit tests of the AWS handlers."""
from __future__ import annotations

AWS_PARAMS = {"region": "us-east-1", "access_key": "AKIDEXAMPLE", "secret_key": "s3cr3t-value", "session_token": None,
              "profile": None, "endpoint_url": None, "aws_ca_bundle": None, "validate_certs": True, "aws_config": None}
WAIT_PARAMS = {"wait": False, "wait_timeout": 1800, "wait_sleep": 5}


class FakeModule:
    """Just enough of AnsibleModule for a handler: params (connection and wait defaults, the module's own
    `defaults`, then the test's) and check_mode."""

    defaults: dict = {}

    def __init__(self, check_mode=False, **params):
        self.params = {**AWS_PARAMS, **WAIT_PARAMS, **self.defaults, **params}
        self.check_mode = check_mode


def refuse_clients(monkeypatch, *modules) -> None:
    """Fail the test if a handler of `modules` gets as far as building a client (i.e. would send a request)."""
    def refuse(*args, **kwargs):
        raise AssertionError("a client was created for bad input")
    for module in modules:
        monkeypatch.setattr(module, "AwsClient", refuse)
