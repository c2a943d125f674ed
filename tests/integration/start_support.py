"""Helpers for the tests of the modules that start jobs: emulator job counts and per-operation request logs."""
from __future__ import annotations


def job_ids(emulator, kind: str) -> list:
    """Ids of every job of a kind the emulator holds (the proof that a task started one, or none)."""
    return [job["id"] for job in emulator.admin("GET", f"/jobs?kind={kind}")["jobs"]]


def operations(emulator, *names: str) -> list:
    """Logged API requests (admin calls are never logged), optionally only those of the named operations."""
    log = [r for r in emulator.requests() if r.get("operation")]
    return [r for r in log if not names or r["operation"] in names]


def started(result) -> dict:
    """The saved result of a start playbook (start.json)."""
    return result.assert_ok().result("start")
