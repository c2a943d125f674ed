"""`python -m emulator start|stop|serve`: state file, HTTPS with the generated CA, scenarios, clean stop."""
from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emulator", *args], cwd=REPO, capture_output=True, text=True, check=False,
                          timeout=timeout)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # exited but not yet reaped by init
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_start_https_scenario_and_stop(tmp_path):
    state_file = tmp_path / "state.json"
    started = run("start", "--state-file", str(state_file), "--scenario", "demo", "--aws-access-key",
                  "AKIAFIXEDKEY00000000", "--aws-secret-key", "fixed-secret")
    assert started.returncode == 0, started.stderr
    try:
        state = json.loads(state_file.read_text())
        assert set(state) >= {"pid", "http_port", "https_port", "aws_endpoint", "https_endpoint", "admin_url",
                              "ca_file", "aws", "azure"}
        assert state["aws"] == {"access_key": "AKIAFIXEDKEY00000000", "secret_key": "fixed-secret",
                                "region": "us-east-1"}
        assert set(state["azure"]) == {"tenant", "client_id", "secret", "subscription_id"}
        assert f"aws_endpoint={state['aws_endpoint']}" in started.stdout
        assert state["https_endpoint"].startswith("https://localhost:")
        assert Path(state["ca_file"]) == tmp_path / "ca.pem"
        # verification on, trusting only the emulator's CA
        health = requests.get(state["https_endpoint"] + "/_emulator/health", verify=state["ca_file"], timeout=5)
        assert health.json()["status"] == "ok"
        ctx = ssl.create_default_context(cafile=state["ca_file"])
        with urllib.request.urlopen(f"https://127.0.0.1:{state['https_port']}/_emulator/devices", context=ctx,
                                    timeout=5) as resp:
            devices = json.load(resp)["devices"]
        # the built-in name is the file: `--scenario demo` is emulator/scenarios/demo.json, as `make demo` uses it
        scenario = json.loads((REPO / "emulator/scenarios/demo.json").read_text())
        seeded = {d["device_id"] for call in scenario["calls"] if call[1] == "/devices" for d in call[2]["devices"]}
        assert {d["DeviceId"] for d in devices} == seeded and seeded
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(state["https_endpoint"] + "/_emulator/health", verify=True, timeout=5)
        again = run("start", "--state-file", str(state_file))
        assert again.returncode == 1 and "already running" in again.stderr
    finally:
        stopped = run("stop", "--state-file", str(state_file))
    assert stopped.returncode == 0
    assert not alive(state["pid"])
    assert not state_file.exists()
    assert run("stop", "--state-file", str(state_file)).returncode == 0  # idempotent


def test_credentials_are_random_per_start(tmp_path):
    states = []
    for name in ("a", "b"):
        sf = tmp_path / name / "state.json"
        assert run("start", "--state-file", str(sf)).returncode == 0
        states.append(json.loads(sf.read_text()))
        assert run("stop", "--state-file", str(sf)).returncode == 0
    assert states[0]["aws"]["secret_key"] != states[1]["aws"]["secret_key"]
    assert states[0]["azure"]["secret"] != states[1]["azure"]["secret"]


def test_scenario_file(tmp_path):
    scenario = tmp_path / "scn.json"
    scenario.write_text(json.dumps({"calls": [["POST", "/report-plans", {"name": "from_file"}],
                                              ["POST", "/jobs", {"kind": "backup_report",
                                                                 "fields": {"ReportPlanName": "from_file"}}]]}))
    sf = tmp_path / "state.json"
    proc = subprocess.Popen([sys.executable, "-m", "emulator", "serve", "--state-file", str(sf), "--scenario",
                             str(scenario)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        assert "emulator ready" in line, line
        state = json.loads(sf.read_text())
        with urllib.request.urlopen(state["admin_url"] + "/jobs?kind=backup_report", timeout=5) as resp:
            jobs = json.load(resp)["jobs"]
        assert len(jobs) == 1 and jobs[0]["attrs"]["ReportPlanName"] == "from_file"
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
    assert not sf.exists()


def test_scenario_names_are_the_files_and_unknown_names_fail_before_starting(tmp_path):
    listed = run("scenarios")
    files = sorted(p.stem for p in (REPO / "emulator/scenarios").glob("*.json"))
    assert listed.returncode == 0 and listed.stdout.split() == files and "demo" in files and "try_it" in files
    bad = run("start", "--state-file", str(tmp_path / "s.json"), "--scenario", "no-such-scenario")
    assert bad.returncode == 2 and "unknown scenario 'no-such-scenario'" in bad.stderr and "try_it" in bad.stderr
    assert not (tmp_path / "s.json").exists()


def test_env_prints_quoted_exports_that_bash_can_eval(tmp_path):
    state_file = tmp_path / "state.json"
    secret = "it's a $ecret `x` \\ \"q\""  # every shell metacharacter a quoting bug would trip on
    started = run("start", "--state-file", str(state_file), "--scenario", "try_it", "--aws-secret-key", secret,
                  "--aws-access-key", "AKIAFIXEDKEY00000000")
    assert started.returncode == 0, started.stderr
    try:
        state = json.loads(state_file.read_text())
        assert "-m emulator env --state-file" in started.stderr
        printed = run("env", "--state-file", str(state_file))
        assert printed.returncode == 0, printed.stderr
        shell = subprocess.run(["bash", "-c", 'eval "$1" && env -0', "_", printed.stdout], capture_output=True,
                               check=True, env={"PATH": os.environ["PATH"], "AWS_PROFILE": "mine",
                                                "AZURE_CLIENT_SECRET": "other"})
        env = dict(item.split("=", 1) for item in shell.stdout.decode().split("\0") if "=" in item)
    finally:
        run("stop", "--state-file", str(state_file))
    assert env["AWS_SECRET_ACCESS_KEY"] == secret and env["AWS_ACCESS_KEY_ID"] == "AKIAFIXEDKEY00000000"
    assert env["AWS_DEFAULT_REGION"] == env["AWS_REGION"] == "us-east-1"
    assert env["AWS_URL"] == env["AWS_ENDPOINT_URL"] == env["AWS_ENDPOINT_URL_STS"] == state["aws_endpoint"]
    assert env["AWS_CA_BUNDLE"] == env["REQUESTS_CA_BUNDLE"] == state["ca_file"]
    az = state["azure"]
    assert (env["AZURE_SUBSCRIPTION_ID"], env["AZURE_CLIENT_ID"], env["AZURE_SECRET"], env["AZURE_TENANT"]) == (
        az["subscription_id"], az["client_id"], az["secret"], az["tenant"])
    assert env["AZURE_CLOUD_ENVIRONMENT"] == state["https_endpoint"]
    assert "AWS_PROFILE" not in env and "AZURE_CLIENT_SECRET" not in env  # what would override them is unset
    gone = run("env", "--state-file", str(state_file))
    assert gone.returncode == 1 and "no running emulator" in gone.stderr and gone.stdout == ""
