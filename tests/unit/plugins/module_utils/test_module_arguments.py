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

from ansible_collections.jobgate.cloud.plugins.module_utils._core.module import JobGateModule, run_module, task_module

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


def test_main_is_a_modules_main_its_options_the_wait_options_and_check_mode(capsys):
    seen = {}

    def handler(module):
        seen.update(params=dict(module.params), check_mode=module.check_mode)
        return {"changed": False, "jobs": []}

    with patch_module_args({"status": "RUNNING", "_ansible_check_mode": True}), pytest.raises(SystemExit) as exited:
        run_module(task_module({"status": SPEC["status"]}), handler)
    assert exited.value.code == 0
    assert json.loads(capsys.readouterr().out)["jobs"] == []
    assert seen["check_mode"] is True
    assert seen["params"] == {"status": "RUNNING", "wait": False, "wait_timeout": 1800, "wait_sleep": 5}


def test_main_refuses_an_option_the_module_does_not_take(capsys):
    with patch_module_args({"state": "RUNNING"}), pytest.raises(SystemExit) as exited:
        run_module(task_module({"status": SPEC["status"]}), lambda module: pytest.fail("the handler ran"))
    assert exited.value.code == 1
    assert "state" in json.loads(capsys.readouterr().out)["msg"]


# The bad wait options the handlers' and the Report's own tests refused before the check moved here: each module
# passes through run_module, which refuses them once, before its handler (so before any client or request).
@pytest.mark.parametrize("args, words", [
    ({"wait_sleep": -1}, "wait_sleep"),
    ({"wait_sleep": -3}, "wait_sleep"),
    ({"wait_timeout": 0}, "wait_timeout"),
    ({"wait_timeout": -1}, "wait_timeout"),
    ({"wait_sleep": 0}, "wait_sleep"),
    ({"wait": True, "wait_timeout": 0}, "wait_timeout"),
    ({"wait": True, "wait_timeout": -1}, "wait_timeout"),
    ({"wait": True, "wait_timeout": -1, "wait_sleep": 5}, "wait_timeout"),
    ({"wait": True, "wait_sleep": 0}, "wait_sleep"),
    ({"wait": True, "wait_sleep": -3}, "wait_sleep"),
])
def test_main_refuses_bad_wait_options_before_the_handler(capsys, args, words):
    with patch_module_args(args), pytest.raises(SystemExit) as exited:
        run_module(task_module({}), lambda module: pytest.fail("the handler ran"))
    assert exited.value.code == 1
    result = json.loads(capsys.readouterr().out)
    assert result["error"]["code"] == "ValidationError" and words in result["msg"]
    assert result["msg"] == f"Option {words} must be a positive number of seconds, got {args[words]}."
