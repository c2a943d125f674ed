"""Integration harness: start the emulator, run ansible-playbook against it, scan output for secrets.

conftest.py turns these into fixtures; test modules may also `from harness import ...` (pytest puts this
directory on sys.path because it has no __init__.py).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
INVENTORY = HERE / "inventory.yml"
# The ansible-playbook every run uses: .venv's unless JOBGATE_ANSIBLE_PLAYBOOK names another (the smoke tier points
# it at its own version's venv).
ANSIBLE_PLAYBOOK = os.environ.get("JOBGATE_ANSIBLE_PLAYBOOK") or str(REPO / ".venv" / "bin" / "ansible-playbook")
CA_VARS = ("REQUESTS_CA_BUNDLE", "AWS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")
# State-file values that are secrets. Tenant, client id, subscription id and region are identifiers: they
# appear in ARM ids and messages by design, so they are not scanned.
SECRET_FIELDS = (("aws", "secret_key"), ("aws", "session_token"), ("aws", "access_key"), ("azure", "secret"))


class EmulatorProcess:
    """A running `python -m emulator serve` subprocess and a small client for its admin API."""

    def __init__(self, workdir: Path, *, scenario: str | None = None, extra_args: list[str] | None = None,
                 timeout: float = 120.0) -> None:   # a hang guard: it starts in well under a second when idle
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.state_file = self.workdir / "emulator-state.json"
        self.log_file = self.workdir / "emulator.log"
        argv = [sys.executable, "-m", "emulator", "serve", "--state-file", str(self.state_file),
                "--http-port", "0", "--https-port", "0"]
        if scenario:
            argv += ["--scenario", scenario]
        argv += extra_args or []
        self._log = open(self.log_file, "wb")
        self.proc = subprocess.Popen(argv, cwd=str(REPO), stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        self.state: dict = {}
        self._secrets: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"emulator exited with {self.proc.returncode}:\n{self.log_text()}")
            if self.state_file.exists():
                try:
                    self.state = json.loads(self.state_file.read_text())
                except ValueError:
                    self.state = {}
                if self.state.get("pid") == self.proc.pid and self._health_ok():
                    return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"emulator not healthy within {timeout}s:\n{self.log_text()}")

    # -- endpoints
    @property
    def aws_endpoint(self) -> str:
        return self.state["aws_endpoint"]

    @property
    def https_endpoint(self) -> str:
        return self.state["https_endpoint"]

    @property
    def admin_url(self) -> str:
        return self.state["admin_url"]

    @property
    def ca_file(self) -> str:
        return self.state["ca_file"]

    @property
    def region(self) -> str:
        return self.state["aws"]["region"]

    def log_text(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""

    # -- admin API
    def admin(self, method: str, path: str, payload: Any = None, *, timeout: float = 10.0) -> Any:
        """Call /_emulator{path}; returns the parsed JSON; raises AssertionError on an HTTP error."""
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(self.admin_url + path, data=data, method=method.upper(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"admin {method} {path} -> {exc.code}: {exc.read().decode(errors='replace')}")

    def _health_ok(self) -> bool:
        try:
            return self.admin("GET", "/health", timeout=2).get("status") == "ok"
        except (OSError, AssertionError, ValueError):
            return False

    def health(self) -> dict:
        return self.admin("GET", "/health")

    def requests(self, **match: Any) -> list[dict]:
        """The request log (admin calls excluded), optionally filtered: requests(service="panorama")."""
        log = self.admin("GET", "/requests")
        return [e for e in log if all(e.get(k) == v for k, v in match.items())]

    def clear_requests(self) -> None:
        self.admin("POST", "/requests/clear")

    def reset(self) -> None:
        self.admin("POST", "/reset")

    def secrets(self) -> list[str]:
        """Every secret the emulator knows: credential values plus tokens it issued (Azure bearer tokens)."""
        if self.proc.poll() is None:
            try:
                self._secrets = self.admin("GET", "/secrets")["values"]
            except (OSError, AssertionError):
                pass
        base = [self.state.get(a, {}).get(b) for a, b in SECRET_FIELDS]
        return sorted({v for v in base + self._secrets if v})

    # -- environments for the playbook process
    def ca_env(self) -> dict:
        return {name: self.ca_file for name in CA_VARS}

    def aws_env(self, *, with_endpoint: bool = False) -> dict:
        """AWS variables for ansible-playbook. None values mean "unset it" (run_playbook drops them)."""
        aws = self.state["aws"]
        env = {
            "AWS_ACCESS_KEY_ID": aws["access_key"], "AWS_SECRET_ACCESS_KEY": aws["secret_key"],
            "AWS_SESSION_TOKEN": aws.get("session_token"), "AWS_SECURITY_TOKEN": None,
            "AWS_REGION": aws["region"], "AWS_DEFAULT_REGION": aws["region"], "AWS_PROFILE": None,
            "AWS_DEFAULT_PROFILE": None,
            # keep the machine's own AWS files and instance metadata out of the test
            "AWS_CONFIG_FILE": str(self.workdir / "aws-config-absent"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.workdir / "aws-credentials-absent"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_URL": self.aws_endpoint if with_endpoint else None,
            "AWS_ENDPOINT_URL": None,
            # assume-role and web identity stay out unless a test sets them (tests/integration/test_aws_assume_role.py)
            "AWS_ENDPOINT_URL_STS": None, "AWS_ROLE_ARN": None, "AWS_WEB_IDENTITY_TOKEN_FILE": None,
            "AWS_ROLE_SESSION_NAME": None,
        }
        env.update(self.ca_env())
        return env

    def azure_env(self) -> dict:
        """AWX-style Azure variables pointing at the emulator's Resource Manager endpoint (HTTPS)."""
        az = self.state["azure"]
        env = {
            "AZURE_SUBSCRIPTION_ID": az["subscription_id"], "AZURE_CLIENT_ID": az["client_id"],
            "AZURE_SECRET": az["secret"], "AZURE_TENANT": az["tenant"],
            "AZURE_CLOUD_ENVIRONMENT": self.https_endpoint,
            # azure-identity's own names and the CLI config stay out unless a test sets them
            "AZURE_CLIENT_SECRET": None, "AZURE_TENANT_ID": None, "AZURE_AUTHORITY_HOST": None,
            "AZURE_AD_USER": None, "AZURE_PASSWORD": None, "AZURE_PROFILE": None,
            "AZURE_CONFIG_DIR": str(self.workdir / "azure-config"),
        }
        env.update(self.ca_env())
        return env

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self._secrets = self.admin("GET", "/secrets", timeout=2)["values"]
            except (OSError, AssertionError, ValueError, KeyError):   # KeyError: it never wrote its state
                pass
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


@dataclass
class Result:
    rc: int
    stdout: str
    stderr: str
    out_dir: Path
    cmd: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + "\n" + self.stderr

    @property
    def ok(self) -> bool:
        return self.rc == 0

    def result(self, name: str) -> Any:
        """What the playbook saved as {{ out_dir }}/NAME.json (e.g. `content: "{{ r | to_json }}"`)."""
        path = self.out_dir / (name if name.endswith(".json") else name + ".json")
        if not path.exists():
            raise AssertionError(f"playbook saved no {path.name}; saved: {sorted(self.results())}\n{self.tail()}")
        return json.loads(path.read_text())

    def results(self) -> dict[str, Any]:
        return {p.stem: json.loads(p.read_text()) for p in sorted(self.out_dir.glob("*.json"))}

    def tail(self, n: int = 6000) -> str:
        return f"rc={self.rc}\n--- stdout ---\n{self.stdout[-n:]}\n--- stderr ---\n{self.stderr[-n:]}"

    def assert_ok(self) -> "Result":
        assert self.rc == 0, self.tail()
        return self


def environment(overlay: dict) -> dict:
    """This process's environment with ``overlay`` on top; a None value unsets a variable."""
    run_env = dict(os.environ)
    for key, value in overlay.items():
        if value is None:
            run_env.pop(key, None)
        else:
            run_env[key] = str(value)
    return run_env


# A run's timeout only catches a hung run; it bounds nothing the contract promises (the tests that check time
# assert it from the run's own records). A playbook of many cases that takes a minute on an idle machine took five
# beside a second `make test`, so no run is cut before this.
HANG_GUARD = 900.0


def run_playbook(playbook: str | Path, *, extra_vars: dict | None = None, env: dict | None = None,
                 verbosity: int = 3, check: bool = False, emulator: EmulatorProcess | None = None,
                 aws: bool = True, azure: bool = True, out_dir: Path | None = None,
                 timeout: float = 600.0) -> Result:
    """Run ANSIBLE_PLAYBOOK (.venv's unless $JOBGATE_ANSIBLE_PLAYBOOK says) on tests/integration/inventory.yml.

    `playbook` is a path (absolute, relative to the cwd, or to tests/integration) or YAML text (has a newline).
    The extra var `out_dir` is always set (a fresh temp dir unless given); read saved results with
    Result.result(name). With `emulator`, its aws_env()/azure_env() (as `aws`/`azure` say) go into the
    environment first, then `env` on top; a None value unsets a variable.
    """
    out_dir = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="jobgate-it-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(playbook, str) and "\n" in playbook:
        path = out_dir / "_playbook.yml"
        path.write_text(playbook)
    else:
        path = Path(playbook)
        if not path.is_absolute() and not path.exists():
            path = HERE / path
    overlay: dict = {
        "ANSIBLE_COLLECTIONS_PATH": os.environ.get("ANSIBLE_COLLECTIONS_PATH") or str(REPO / ".build" / "dev"),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_HOST_KEY_CHECKING": "0", "ANSIBLE_LOCAL_TEMP": str(out_dir / ".ansible-tmp"),
        "ANSIBLE_REMOTE_TEMP": str(out_dir / ".ansible-remote-tmp"),
        "ANSIBLE_CONFIG": None, "PYTHONPATH": None, "PY_COLORS": "0",
        # ansible-core 2.21 adds a task's `invocation` (its arguments, shown at -vvv) only when asked: ask, so that
        # the secret scans see what a user who turns it on sees, as under 2.18-2.20 where it is always there.
        "ANSIBLE_INJECT_INVOCATION": "1",
    }
    if emulator is not None:
        if aws:
            overlay.update(emulator.aws_env())
        if azure:
            overlay.update(emulator.azure_env())
    overlay.update(env or {})
    run_env = environment(overlay)
    all_vars = {"out_dir": str(out_dir)}
    if emulator is not None:
        all_vars.update({"emulator_aws_endpoint": emulator.aws_endpoint,
                         "emulator_https_endpoint": emulator.https_endpoint,
                         "emulator_region": emulator.region, "emulator_ca_file": emulator.ca_file})
    all_vars.update(extra_vars or {})
    vars_file = out_dir / "_extra_vars.json"
    vars_file.write_text(json.dumps(all_vars))
    cmd = [ANSIBLE_PLAYBOOK, "-i", str(INVENTORY), "-e", f"@{vars_file}", str(path)]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    if check:
        cmd.append("--check")
    proc = subprocess.run(cmd, cwd=str(HERE), env=run_env, capture_output=True, text=True,
                          timeout=max(timeout, HANG_GUARD), check=False)
    return Result(proc.returncode, proc.stdout, proc.stderr, out_dir, cmd)


def assert_no_secrets(text: str, emulator: EmulatorProcess, *, allow: tuple = ()) -> None:
    """Fail if any credential value or issued token of `emulator` appears in `text`.

    `allow` names state-file fields to skip, e.g. ("aws.access_key",) for a test that prints it on purpose.
    """
    skip = {emulator.state.get(a, {}).get(b) for a, b in (f.split(".", 1) for f in allow)}
    leaked = [v for v in emulator.secrets() if v not in skip and v in text]
    if leaked:
        where = []
        for v in leaked:
            i = text.index(v)
            ctx = text[max(0, i - 60):i + len(v) + 20].replace(v, "<SECRET>")
            where.append(f"...{ctx}...")
        raise AssertionError(f"{len(leaked)} secret value(s) appear in the output:\n" + "\n".join(where))
