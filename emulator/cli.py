"""`python -m emulator serve|start|stop|env|scenarios`."""
from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from emulator.core import (
    AdminError,
    Emulator,
    load_scenario,
    random_aws_credentials,
    random_azure_credentials,
    scenario_names,
    start_listeners,
)
from emulator.env import awx_environment, shell_exports
from emulator.tls import make_tls


def _options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state-file", required=True, type=Path)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--http-port", type=int, default=0)
    p.add_argument("--https-port", type=int, default=0)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--aws-access-key")
    p.add_argument("--aws-secret-key")
    p.add_argument("--aws-session-token", help="require this session token (X-Amz-Security-Token)")
    p.add_argument("--azure-tenant")
    p.add_argument("--azure-client-id")
    p.add_argument("--azure-secret")
    p.add_argument("--azure-subscription-id")
    p.add_argument("--sts-credential-lifetime", type=float,
                   help="seconds STS-issued credentials live at most (STS itself needs DurationSeconds >= 900)")
    p.add_argument("--scenario", help="a built-in scenario (a file in emulator/scenarios/, by name: "
                   f"{', '.join(scenario_names())}) or the path of a JSON file {{\"calls\": [...]}}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m emulator", description="jobgate.cloud job-API emulator")
    sub = parser.add_subparsers(dest="command", required=True)
    _options(sub.add_parser("serve", help="run in the foreground"))
    start = sub.add_parser("start", help="run in the background; wait until healthy; print the endpoints")
    _options(start)
    start.add_argument("--timeout", type=float, default=30.0)
    stop = sub.add_parser("stop", help="stop the emulator a state file names")
    stop.add_argument("--state-file", required=True, type=Path)
    stop.add_argument("--timeout", type=float, default=10.0)
    env = sub.add_parser("env", help="print shell exports (AWX's variable names) for the emulator a state file names",
                         description='eval "$(python -m emulator env --state-file F)" points ansible-playbook, boto3 '
                                     "and the aws CLI at the emulator.")
    env.add_argument("--state-file", required=True, type=Path)
    sub.add_parser("scenarios", help="list the built-in scenarios")
    return parser


def _write_json(path: Path, obj: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds credentials
    with os.fdopen(fd, "w") as fh:
        json.dump(obj, fh, indent=2)
    os.replace(tmp, path)


def serve(args: argparse.Namespace) -> int:
    state_file: Path = args.state_file.resolve()
    try:  # before anything listens: a bad scenario is a usage error
        scenario = load_scenario(args.scenario) if args.scenario else None
    except (AdminError, OSError, ValueError) as exc:
        print(f"emulator: {exc}", file=sys.stderr)
        return 2
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.unlink(missing_ok=True)
    aws = random_aws_credentials()
    if args.aws_access_key:
        aws["access_key"] = args.aws_access_key
    if args.aws_secret_key:
        aws["secret_key"] = args.aws_secret_key
    aws["region"] = args.region
    if args.aws_session_token:
        aws["session_token"] = args.aws_session_token
    azure = random_azure_credentials()
    for key in ("tenant", "client_id", "secret", "subscription_id"):
        if getattr(args, f"azure_{key}"):
            azure[key] = getattr(args, f"azure_{key}")
    ca_file = state_file.with_name("ca.pem")
    tls = make_tls(ca_file)
    config = {"pid": os.getpid(), "aws": aws, "azure": azure, "ca_file": str(ca_file),
              "sts_credential_lifetime": args.sts_credential_lifetime}
    emu = Emulator(config)
    listeners = start_listeners(emu, args.host, args.http_port, args.https_port, tls)
    http_port, https_port = listeners.http.server_address[1], listeners.https.server_address[1]
    host_for_url = "127.0.0.1" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    state = {
        "pid": os.getpid(), "http_port": http_port, "https_port": https_port,
        "aws_endpoint": f"http://{host_for_url}:{http_port}",
        "https_endpoint": f"https://localhost:{https_port}",
        "admin_url": f"http://{host_for_url}:{http_port}/_emulator",
        "ca_file": str(ca_file), "aws": aws, "azure": azure,
    }
    config.update({"http_port": http_port, "https_port": https_port, "https_endpoint": state["https_endpoint"],
                   "aws_endpoint": state["aws_endpoint"]})
    if scenario is not None:
        emu.apply_scenario(scenario)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    _write_json(state_file, state)  # last: its presence means "ready"
    print(f"emulator ready: aws {state['aws_endpoint']} https {state['https_endpoint']} state {state_file}",
          flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        listeners.shutdown()
        try:  # only remove the state file if it is still ours
            if json.loads(state_file.read_text()).get("pid") == os.getpid():
                state_file.unlink()
        except (OSError, ValueError):
            pass
    return 0


def _healthy(state: dict, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(state["admin_url"] + "/health", timeout=timeout) as resp:
            return json.load(resp).get("status") == "ok"
    except (OSError, ValueError):
        return False


def start(args: argparse.Namespace) -> int:
    state_file: Path = args.state_file.resolve()
    if args.scenario:
        try:  # fail here, not in the background process's log
            load_scenario(args.scenario)
        except (AdminError, OSError, ValueError) as exc:
            print(f"emulator: {exc}", file=sys.stderr)
            return 2
        if Path(args.scenario).exists():  # the server runs from the repository root
            args.scenario = str(Path(args.scenario).resolve())
    if state_file.exists():
        try:
            old = json.loads(state_file.read_text())
            if _alive(old.get("pid")) and _healthy(old):
                print(f"emulator already running (pid {old['pid']}); stop it first", file=sys.stderr)
                return 1
        except ValueError:
            pass
        state_file.unlink()
    argv = [sys.executable, "-m", "emulator", "serve"]
    for key, val in vars(args).items():
        if key in ("command", "timeout") or val is None:
            continue
        argv += [f"--{key.replace('_', '-')}", str(val)]
    log_path = state_file.with_name(state_file.stem + ".log")
    state_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                                cwd=str(Path(__file__).resolve().parent.parent))
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            print(f"emulator exited with {proc.returncode}; see {log_path}", file=sys.stderr)
            print(log_path.read_text()[-2000:], file=sys.stderr)
            return 1
        if state_file.exists():
            try:
                state = json.loads(state_file.read_text())
            except ValueError:
                state = {}
            if state.get("pid") == proc.pid and _healthy(state):
                print(f"aws_endpoint={state['aws_endpoint']}")
                print(f"https_endpoint={state['https_endpoint']}")
                print(f"admin_url={state['admin_url']}")
                print(f"ca_file={state['ca_file']}")
                print(f"state_file={state_file}")
                print(f'environment: eval "$({shlex.quote(sys.executable)} -m emulator env --state-file '
                      f'{shlex.quote(str(state_file))})"', file=sys.stderr)
                return 0
        time.sleep(0.05)
    proc.terminate()
    print(f"emulator not healthy within {args.timeout}s; see {log_path}", file=sys.stderr)
    return 1


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped by init) is not running
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def stop(args: argparse.Namespace) -> int:
    state_file: Path = args.state_file.resolve()
    try:
        state = json.loads(state_file.read_text())
    except FileNotFoundError:
        print(f"no emulator state at {state_file}; nothing to stop")
        return 0
    pid = state.get("pid")
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + args.timeout
        while _alive(pid) and time.monotonic() < deadline:
            try:  # reap it if it is our child (it is not, after `start`, but be tidy)
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    state_file.unlink(missing_ok=True)
    print(f"emulator (pid {pid}) stopped")
    return 0


def env(args: argparse.Namespace) -> int:
    state_file: Path = args.state_file.resolve()
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError) as exc:
        print(f"emulator: no running emulator at {state_file} ({exc}); start one with "
              f"`python -m emulator start --state-file {args.state_file}`", file=sys.stderr)
        return 1
    if not _alive(state.get("pid")):
        print(f"emulator: the emulator of {state_file} (pid {state.get('pid')}) is not running", file=sys.stderr)
        return 1
    sys.stdout.write(shell_exports(awx_environment(state)))
    return 0


def scenarios(args: argparse.Namespace) -> int:
    print("\n".join(scenario_names()))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return {"serve": serve, "start": start, "stop": stop, "env": env, "scenarios": scenarios}[args.command](args)
