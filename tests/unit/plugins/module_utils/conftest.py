"""Fixtures shared by the module_utils unit tests."""
from __future__ import annotations

import os

import pytest

from ansible_collections.jobgate.cloud.plugins.module_utils._core import waiter as core_waiter

import fake_clock  # tests/unit/plugins/module_utils/fake_clock.py


@pytest.fixture
def clean_aws_env(monkeypatch, tmp_path):
    """No AWS variable, file or instance metadata of the machine reaches botocore."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "EC2_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "absent-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def running_clock(monkeypatch):
    """``make(start, jitter)``: a ``fake_clock.Clock`` at ``start`` that ``fake_clock.deadline_for`` uses for the rest
    of the test, with the poll schedule's jitter drawn at its ``"high"`` or ``"low"`` end."""
    def make(start: float, jitter: str) -> fake_clock.Clock:
        clock = fake_clock.Clock(start)
        monkeypatch.setattr(fake_clock, "RUNNING", [clock])
        monkeypatch.setattr(core_waiter, "_uniform", (lambda low, high: high) if jitter == "high" else (lambda low, high: low))
        return clock
    return make
