# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JobGateModule: AnsibleModule's own argument failures carry the contract's error block."""
from __future__ import annotations

import json

import pytest

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core 2.18 has no testing helper; AnsibleModule reads the same _ANSIBLE_ARGS there
    from contextlib import contextmanager
    from unittest import mock

    from ansible.module_utils import basic

    @contextmanager
    def patch_module_args(args: dict):
        with mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()):
            yield

from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import JobGateModule

SPEC = {"status": {"type": "str", "choices": ["CREATED", "RUNNING"]}, "wait_timeout": {"type": "int"}}


def _failure(capsys, args: dict) -> dict:
    with patch_module_args(args), pytest.raises(SystemExit) as exited:
        JobGateModule(argument_spec=SPEC, supports_check_mode=True)
    assert exited.value.code == 1
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("args, words", [
    ({"status": "DONE"}, "must be one of"),
    ({"wait_timeout": "soon"}, "wait_timeout"),
    ({"no_such_option": 1}, "no_such_option"),
])
def test_argument_check_failures_carry_the_error_block(capsys, args, words):
    result = _failure(capsys, args)
    assert result["failed"] is True and words in result["msg"]
    assert result["error"] == {"code": "ValidationError", "message": result["msg"], "http_status": None,
                               "retryable": False}


def test_valid_arguments_build_a_module():
    with patch_module_args({"status": "RUNNING"}):
        module = JobGateModule(argument_spec=SPEC, supports_check_mode=True)
    assert module.params["status"] == "RUNNING"
