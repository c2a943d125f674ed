# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one schedule of pauses (_core/pause.py), and that every poller and every retry takes its pauses from it."""
from __future__ import annotations

import ast
import email.utils
import pathlib

import pytest
import yaml

from ansible_collections.jobgate.cloud.plugins.doc_fragments.job_wait import ModuleDocFragment
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.retries import RetryPolicy
from ansible_collections.jobgate.cloud.plugins.module_utils._core import pause
from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import DEFAULT_WAIT_TIMEOUT
from ansible_collections.jobgate.cloud.plugins.module_utils._core.pause import (
    ARM_RETRY, AWS_RETRY, OPERATION, POLL, WATCH, Schedule, retry_after_seconds,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._core.waiter import WAIT_ARG_SPEC


def top(low, high):
    return high


def bottom(low, high):
    return low


# (schedule, first pause given, jitter drawn at, pauses 0..n)
PAUSES = [
    # the module's wait: the first pause exact, then between wait_sleep and the doubled ceiling, at most 60 s
    (POLL, 5, top, [5, 10, 20, 40, 60, 60]),
    (POLL, 5, bottom, [5, 5, 5, 5, 5, 5]),
    (POLL, 90, top, [60, 60, 60]),                 # a wait_sleep above the cap is the cap
    (POLL, 90, bottom, [60, 60, 60]),
    # the event source: like POLL, to 300 s
    (WATCH, 5, top, [5, 10, 20, 40, 80, 160, 300, 300]),
    (WATCH, 30, bottom, [30, 30, 30]),
    # one AWS request: full jitter (0 at the bottom), at most 20 s
    (AWS_RETRY, 0.5, top, [0.5, 1, 2, 4, 8, 16, 20, 20]),
    (AWS_RETRY, 0.5, bottom, [0, 0, 0, 0]),
    # one ARM request: half of the ceiling drawn, at most 60 s
    (ARM_RETRY, 1, top, [1, 2, 4, 8, 16, 32, 60]),
    (ARM_RETRY, 1, bottom, [0.5, 1, 2, 4, 8, 16, 30]),
    # an ARM operation: every wait_sleep, at most 60 s
    (OPERATION, 5, top, [5, 5, 5]),
    (OPERATION, 120, top, [60, 60]),
]


@pytest.mark.parametrize("schedule, first, draw, expected", PAUSES)
def test_each_schedule_pauses_as_its_table_row_says(schedule, first, draw, expected):
    steps = schedule.starting(first)
    assert [steps.pause(n, uniform=draw) for n in range(len(expected))] == expected


@pytest.mark.parametrize("schedule", [POLL, WATCH, AWS_RETRY, ARM_RETRY, OPERATION])
def test_jitter_is_drawn_only_within_the_floor_and_the_ceiling(schedule):
    asked = []

    def record(low, high):
        asked.append((low, high))
        return (low + high) / 2

    for n in range(10):
        pause_n = schedule.pause(n, uniform=record)
        assert schedule.floor <= pause_n <= schedule.ceiling(n) <= schedule.cap
    for low, high in asked:
        assert schedule.floor <= low < high <= schedule.cap
    if schedule.jitter == 0:
        assert asked == []


# (schedule, failure number, Retry-After, expected): a failed answer's Retry-After is a minimum, held to the cap
RETRY_AFTER = [
    (ARM_RETRY, 0, 7, 7),          # longer than the backoff: honoured
    (ARM_RETRY, 3, 0.5, 8),        # shorter: the backoff, which keeps growing
    (ARM_RETRY, 0, 3600, 60),      # held to the cap
    (WATCH.starting(5), 1, 42, 42),
    (WATCH.starting(5), 1, 3, 10),
    (WATCH.starting(5), 1, 86400, 300),
    (POLL.starting(5), 0, 0, 5),
    (AWS_RETRY, 0, 9, 9),
]


@pytest.mark.parametrize("schedule, n, retry_after, expected", RETRY_AFTER)
def test_a_retry_after_is_a_minimum_held_to_the_cap(schedule, n, retry_after, expected):
    assert schedule.pause(n, retry_after, uniform=top) == expected


@pytest.mark.parametrize("schedule, retry_after, expected", [
    (OPERATION.starting(5), 3, 3),     # an operation's poll interval replaces the schedule's, even when shorter
    (OPERATION.starting(5), 600, 60),
    (WATCH.starting(30), 1, 30),       # never below a steady schedule's floor
])
def test_told_is_the_retry_after_within_floor_and_cap(schedule, retry_after, expected):
    assert schedule.told(retry_after) == expected


@pytest.mark.parametrize("value, expected", [
    ("7", 7.0), (" 2.5 ", 2.5), (3, 3.0), ("-4", 0.0), (None, None), ("", None), ("soon", None),
])
def test_retry_after_header_values(value, expected):
    assert retry_after_seconds(value) == expected


def test_retry_after_as_an_http_date():
    now = 1_700_000_000.0
    assert retry_after_seconds(email.utils.formatdate(now + 20, usegmt=True), now=now) == pytest.approx(20, abs=1)
    assert retry_after_seconds(email.utils.formatdate(now - 20, usegmt=True), now=now) == 0.0


def test_the_aws_retry_policy_is_the_aws_schedule():
    policy = RetryPolicy(rand=lambda: 1.0)
    assert (policy.base, policy.cap) == (AWS_RETRY.first, AWS_RETRY.cap)
    assert [policy.delay(n) for n in range(7)] == [AWS_RETRY.pause(n, uniform=top) for n in range(7)]
    assert RetryPolicy(rand=lambda: 0.0).delay(0, retry_after=4) == 4


def test_a_schedule_is_a_value():
    assert POLL.starting(7) == Schedule(first=7, cap=POLL.cap, jitter=POLL.jitter, steady=True)
    assert POLL.first == pause.DEFAULT_WAIT_SLEEP


def test_the_wait_options_documentation_says_what_the_code_does():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert options["wait_sleep"]["default"] == WAIT_ARG_SPEC["wait_sleep"]["default"] == POLL.first
    assert options["wait_timeout"]["default"] == WAIT_ARG_SPEC["wait_timeout"]["default"] == DEFAULT_WAIT_TIMEOUT
    assert options["wait"]["default"] is WAIT_ARG_SPEC["wait"]["default"]
    said = " ".join(options["wait_sleep"]["description"])
    assert f"to at most {POLL.cap:g} seconds" in said


def test_the_event_source_documentation_says_what_the_code_does():
    path = pathlib.Path(__file__).parents[4] / "extensions/eda/plugins/event_source/job_status.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    text = next(node.value.value for node in tree.body if isinstance(node, ast.Assign)
                and getattr(node.targets[0], "id", None) == "DOCUMENTATION")
    interval = yaml.safe_load(text)["options"]["interval"]
    assert f"at most {WATCH.cap:g} seconds" in " ".join(interval["description"])
    assert interval["default"] == WATCH.first
