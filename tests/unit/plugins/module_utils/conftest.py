"""Fixtures shared by the module_utils unit tests."""
from __future__ import annotations

import os

import pytest


@pytest.fixture
def clean_aws_env(monkeypatch, tmp_path):
    """No AWS variable, file or instance metadata of the machine reaches botocore."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "EC2_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "absent-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
