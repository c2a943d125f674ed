# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import inspect

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input


def test_error_block_carries_api_details():
    err = JobGateError("Panorama device job j-1 not found in region us-east-1.", code="ResourceNotFoundException",
                       message="Job not found", http_status=404)
    assert str(err) == "Panorama device job j-1 not found in region us-east-1."
    assert err.msg == str(err)
    assert err.error_block() == {"code": "ResourceNotFoundException", "message": "Job not found", "http_status": 404,
                                 "retryable": False}
    assert err.result == {}


def test_message_defaults_to_msg():
    err = JobGateError("Throttled while reading job j-2.", code="ThrottlingException", retryable=True, http_status=400)
    block = err.error_block()
    assert block["message"] == "Throttled while reading job j-2."
    assert block["retryable"] is True
    assert block["http_status"] == 400


def test_result_is_copied():
    extra = {"jobs": [], "elapsed": 1.5}
    err = JobGateError("Timed out.", code="WaitTimeout", result=extra)
    extra["jobs"].append("later")
    extra["other"] = 1
    assert "other" not in err.result
    assert err.result["elapsed"] == 1.5


def test_details_are_keyword_only():
    params = inspect.signature(JobGateError.__init__).parameters
    assert params["code"].default is inspect.Parameter.empty
    for name in ("code", "message", "http_status", "retryable", "result"):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, name


def test_bad_input():
    err = bad_input("Options job_id and job_ids are mutually exclusive.")
    assert isinstance(err, JobGateError)
    assert err.code == "ValidationError"
    assert err.error_block() == {"code": "ValidationError", "message": "Options job_id and job_ids are mutually exclusive.",
                                 "http_status": None, "retryable": False}


def test_raisable_and_catchable():
    with pytest.raises(JobGateError) as info:
        raise bad_input("bad")
    assert info.value.msg == "bad"
    assert "ValidationError" in repr(info.value)
