"""Run the real ansible-rulebook against the emulator and read the events its rules print.

A rulebook under test prints every event it matches with ``print_event`` (one Python-literal line per event,
between banners). ``Rulebook`` starts ansible-rulebook in the background, collects those lines as they come, and
lets a test wait for what it expects, then stops the run with SIGINT as an operator would.
"""
from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable

from harness import ANSIBLE_PLAYBOOK, HERE, INVENTORY, REPO, environment

RULEBOOKS = HERE / "rulebooks"
# ansible-rulebook and the ansible-galaxy it calls to find collections: from the venv whose ansible-playbook the
# harness runs.
VENV_BIN = Path(ANSIBLE_PLAYBOOK).parent


def one_source_rulebook(path: Path, args: dict, *, name: str = "under_test") -> Path:
    """Write a rulebook with one jobgate.cloud.job_status source (these ``args``) that prints every event."""
    import yaml  # pylint: disable=import-outside-toplevel

    path.write_text(yaml.safe_dump([{
        "name": "One source", "hosts": "all",
        "sources": [{"name": name, "jobgate.cloud.job_status": args}],
        "rules": [{"name": "Print every job event", "condition": "event.job_status is defined",
                   "action": {"print_event": None}}],
    }], sort_keys=False))
    return path


class Rulebook:
    """One ansible-rulebook process. Output goes to a file too (``log``), for failure messages and secret scans."""

    def __init__(self, rulebook: str | Path, workdir: Path, *, variables: dict | None = None, env: dict | None = None,
                 emulator: Any = None, persistence_id: str | None = None, verbosity: int = 1,
                 extra_args: tuple = (), bin_dir: Path = VENV_BIN, inventory: Path = INVENTORY) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        path = Path(rulebook)
        if not path.is_absolute():
            path = RULEBOOKS / path if (RULEBOOKS / path).exists() else REPO / path
        vars_file = self.workdir / "vars.json"
        vars_file.write_text(json.dumps(variables or {}))
        self.log = self.workdir / "rulebook.log"
        cmd = [str(bin_dir / "ansible-rulebook"), "--rulebook", str(path), "--inventory", str(inventory),
               "--vars", str(vars_file), "--shutdown-delay", "1"]
        if persistence_id:
            cmd += ["--persistence-id", persistence_id]
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        cmd += list(extra_args)
        self.cmd = cmd
        overlay: dict = {
            # ansible-rulebook finds collections with `ansible-galaxy collection list`: the venv's, on PATH
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "ANSIBLE_COLLECTIONS_PATH": os.environ.get("ANSIBLE_COLLECTIONS_PATH") or str(REPO / ".build" / "dev"),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_LOCAL_TEMP": str(self.workdir / ".ansible-tmp"), "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_CONFIG": None, "PYTHONPATH": None, "PYTHONUNBUFFERED": "1",
        }
        if emulator is not None:
            overlay.update(emulator.aws_env(with_endpoint=True))
            overlay.update(emulator.azure_env())
            # no ~/.azure or ~/.aws of the machine running the tests
            overlay["HOME"] = str(self.workdir / "home")
        overlay.update(env or {})
        run_env = environment(overlay)
        self.lines: list[str] = []
        self.events: list[dict] = []
        self.event_times: list[float] = []
        self._lock = threading.Lock()
        self._out = open(self.log, "w", encoding="utf-8")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, cwd=str(self.workdir), env=run_env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                                     start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._out.write(line)
            self._out.flush()
            text = line.strip()
            event = None
            if text.startswith("{'job_status'") or text.startswith('{"job_status"'):
                try:
                    event = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    event = None
            with self._lock:
                self.lines.append(line)
                if isinstance(event, dict):
                    self.events.append(event)
                    self.event_times.append(time.time())

    # -- reading
    @property
    def output(self) -> str:
        with self._lock:
            return "".join(self.lines)

    def job_events(self, kind: str | None = None, job_id: str | None = None) -> list[dict]:
        """The job_status bodies printed so far, optionally of one kind or one job."""
        with self._lock:
            bodies = [e["job_status"] for e in self.events]
        return [b for b in bodies if (kind is None or b["kind"] == kind)
                and (job_id is None or b["job"]["job_id"] == job_id)]

    def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.proc.poll() is not None:
                time.sleep(0.3)  # let the reader drain what is left
                if predicate():
                    return
                raise AssertionError(f"ansible-rulebook exited ({self.proc.returncode}) before {what}:\n{self.tail()}")
            time.sleep(0.2)
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what}:\n{self.tail()}")

    def wait_for_line(self, text: str, timeout: float) -> None:
        self.wait_until(lambda: text in self.output, timeout, f"a line with {text!r}")

    def tail(self, n: int = 8000) -> str:
        return f"cmd: {' '.join(self.cmd)}\n--- output ---\n{self.output[-n:]}"

    # -- ending
    def wait(self, timeout: float) -> int:
        """For a run that ends by itself: its exit code."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"ansible-rulebook still running after {timeout:g} s:\n{self.tail()}") from None
        self._reader.join(5)
        self._out.close()
        return self.proc.returncode

    def stop(self) -> int:
        """SIGINT, as Ctrl-C; SIGKILL to the process group if it does not end."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._reader.join(5)
        if not self._out.closed:
            self._out.close()
        return self.proc.returncode

    def __enter__(self) -> "Rulebook":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
