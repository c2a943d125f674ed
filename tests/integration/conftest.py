"""Fixtures for integration tests: `emulator`, `run_playbook`, `assert_no_secrets` (see harness.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402  (re-exported for tests that import from conftest)
    EmulatorProcess,
    Result,
    assert_no_secrets as _assert_no_secrets,
    run_playbook as _run_playbook,
)

__all__ = ["EmulatorProcess", "Result"]


def pytest_configure(config):
    # The smoke tier (`make test-2.20`, `make test-2.18`) runs only these: one test per module, the role for every kind.
    config.addinivalue_line("markers", "smoke: part of the smoke tier (make test-2.20, make test-2.18)")
    config.addinivalue_line("markers", "timing: asserts the contract's tight time bounds; `make integration` runs "
                            "these after the other tests, two at a time")


# Modules whose tests judge one shared playbook run (a module-scoped fixture): their tests go to one xdist worker.
SHARED_RUN_MODULES = {f"tests/integration/{path.name}" for path in Path(__file__).parent.glob("test_*.py")
                      if '@pytest.fixture(scope="module")' in path.read_text()}


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` (the Makefile's): each module of SHARED_RUN_MODULES is one unit of work, so one worker runs
    its playbook run, once, while the others do other tests; every other test is a unit of its own. The biggest
    units go first. (xdist's own loadgroup marks by renaming test ids, which pytest 9 no longer allows.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling  # pylint: disable=import-outside-toplevel

    class SharedRunScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in SHARED_RUN_MODULES else nodeid

    return SharedRunScheduling(config, log)


@pytest.fixture
def emulator(tmp_path_factory):
    """A fresh emulator per test (starts in well under a second); stopped at teardown."""
    emu = EmulatorProcess(tmp_path_factory.mktemp("emulator"))
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def run_playbook(tmp_path):
    """run_playbook(playbook, *, extra_vars=None, env=None, verbosity=3, check=False, emulator=None, ...) -> Result.

    Each call gets its own out_dir under the test's tmp_path unless one is given.
    """
    counter = iter(range(1, 10_000))

    def _run(playbook, **kwargs):
        kwargs.setdefault("out_dir", tmp_path / f"run{next(counter)}")
        return _run_playbook(playbook, **kwargs)

    return _run


@pytest.fixture
def assert_no_secrets():
    """assert_no_secrets(text, emulator, *, allow=()) -> None."""
    return _assert_no_secrets


# Importable names too: `from harness import run_playbook, assert_no_secrets` works in test modules.
run_playbook_fn = _run_playbook
assert_no_secrets_fn = _assert_no_secrets
