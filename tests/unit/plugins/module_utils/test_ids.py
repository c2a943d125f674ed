"""The shared id and name check (_core/ids.py): written-out and percent-encoded path breakers, for every kind."""
from __future__ import annotations

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._backup_report import source as backup_source
from ansible_collections.jobgate.cloud.plugins.module_utils._core import ids
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_edge_device import source as hci_source
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama.service import DEVICE_ID, JOB_ID

URI = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/m1"


@pytest.mark.parametrize("value, escape, char", [
    ("%2e%2e", "%2e", "."),
    ("%2E%2E", "%2E", "."),
    ("abc%2fdef", "%2f", "/"),
    ("abc%2Fdef", "%2F", "/"),
    ("job%3fx=1", "%3f", "?"),
    ("job%3Fx=1", "%3F", "?"),
    ("job%23frag", "%23", "#"),
    ("dev%5c..", "%5c", "\\"),
    ("dev%5C..", "%5C", "\\"),
    ("%252e%252e", "%252e", "."),          # encoded twice
    ("%252F", "%252F", "/"),
    ("%25252e", "%25252e", "."),           # three times
])
def test_encoded_breakers_are_found_with_the_escape_as_written(value, escape, char):
    assert ids.encoded_breaker(value) == (escape, char)


@pytest.mark.parametrize("value, char", [
    ("%%32%65", "."),        # '%' then an encoded '2' and 'e': %2e after one decoding, '.' after two
    ("%25%32%66", "/"),
    ("x%25%35%63", "\\"),
])
def test_escapes_that_only_decoding_reveals_are_found_too(value, char):
    assert ids.encoded_breaker(value) == (value, char)


@pytest.mark.parametrize("value", ["job-1", "100%", "%41", "%2541", "%20", "%2", "%zz", "%25", "a.b", "%2g"])
def test_other_percent_signs_and_escapes_pass(value):
    assert ids.encoded_breaker(value) is None
    assert ids.refuse_encoded("job_id", value, "job id") == value


def test_endless_encoding_is_refused():
    value = "%" + "25" * (ids.MAX_DECODES + 2) + "41"   # an 'A' encoded more often than anyone would
    assert ids.encoded_breaker(value) == (value, "%")


def test_refusal_is_bad_input_naming_option_escape_and_character():
    with pytest.raises(JobGateError) as err:
        ids.refuse_encoded("report_job_id", "%2e%2e", "Backup report job id")
    msg = err.value.msg
    assert msg.startswith("Option report_job_id: '%2e%2e' is not a valid Backup report job id; it contains '%2e'")
    assert "percent-encoded '.'" in msg
    assert err.value.code == "ValidationError" and err.value.retryable is False and err.value.http_status is None


@pytest.mark.parametrize("value, bad", [("../x", ".."), ("a/b", "/"), ("a?b", "?"), ("a#b", "#")])
def test_written_out_breakers_keep_their_message(value, bad):
    with pytest.raises(JobGateError) as err:
        ids.refuse_path_breakers("job_id", value, "Panorama job id")
    assert err.value.msg == f"Option job_id: {value!r} is not a valid Panorama job id; it contains {bad!r}."


def test_path_breakers_include_the_encoded_ones():
    with pytest.raises(JobGateError, match="percent-encoded '/'"):
        ids.refuse_path_breakers("job_id", "a%2Fb", "Panorama job id")


# Every kind's validators go through the one check, so the words are the same everywhere.
@pytest.mark.parametrize("check, option", [
    (lambda v: JOB_ID.check("job_id", v), "job_id"),
    (lambda v: DEVICE_ID.check("device_ids", v), "device_ids"),
    (lambda v: backup_source.check_report_job_id("report_job_id", v), "report_job_id"),
    (backup_source.check_report_plan_name, "report_plan_name"),
    (lambda v: hci_source.validate_name(v, "job_name"), "job_name"),
    (lambda v: hci_source.validate_name(v, "edge_device_name"), "edge_device_name"),
    (lambda v: hci_source.parse_resource_uri(URI + "/" + v), "resource_uri"),
], ids=["panorama-job", "panorama-device", "backup-job", "backup-plan", "hci-job", "hci-edge", "hci-uri"])
@pytest.mark.parametrize("value", ["%2e%2e", "%252F", "ab%5Ccd", "%23x", "x%3f"])
def test_every_kind_refuses_encoded_breakers_in_the_same_words(check, option, value):
    with pytest.raises(JobGateError) as err:
        check(value)
    assert err.value.msg.startswith(f"Option {option}: ") and "percent-encoded" in err.value.msg, err.value.msg
    assert "is not a valid" in err.value.msg


@pytest.mark.parametrize("value, words", [
    (".", "relative path segment"),
    ("r-1 ", "leading or trailing white space"), (" r-1", "leading or trailing white space"),
    ("r-1\u00a0", "leading or trailing white space"), ("r\x7f1", "control characters"),
    ("r\x851", "control characters"),
])
def test_dots_edge_white_space_and_control_characters_are_refused_quoted(value, words):
    with pytest.raises(JobGateError) as err:
        backup_source.check_report_job_id("report_job_id", value)
    assert words in err.value.msg and repr(value) in err.value.msg and err.value.code == "ValidationError"


def test_a_long_value_keeps_both_ends_in_the_message():
    value = "r" * 200 + " "
    with pytest.raises(JobGateError) as err:
        backup_source.check_report_job_id("report_job_id", value)
    assert "r '" in err.value.msg and "'rrr" in err.value.msg


def test_a_dot_machine_name_in_resource_uri_is_refused():
    with pytest.raises(JobGateError) as err:
        hci_source.parse_resource_uri(URI[:-2] + ".")
    assert "'.' segment" in err.value.msg
