"""Benchmarks of jobgate.cloud (results go to docs/performance.md).

    python3 bench/run.py per_task [--reps 15]   # one backup_report_job_info task vs one amazon.aws.backup_vault_info
    python3 bench/run.py many [--jobs 200]      # job_ids of 200 in one task vs a loop of 200 single-id tasks
    python3 bench/run.py wait [--jobs 50]       # role wait_for_job vs a loop of until tasks, throttled at 10 rps
    python3 bench/run.py profile                # where a task's time goes: payload, imports, module run
    python3 bench/run.py eda [--jobs 200]       # the event source in ansible-rulebook: 200 report jobs ending
                                                #   at random moments over 60 s, one source at interval 5
    python3 bench/run.py list [--jobs 20000]    # list mode over 20,000 jobs, Backup reports and HCI (pages of
                                                #   15): the task's time and the module's peak memory
    python3 bench/run.py all                    # the six above (what `make bench` runs)

Any Python 3 starts it: it builds .build/bench-venv from bench/requirements.txt (once; again when that file
changes) and re-runs itself there, apart from the test venv. It uses the collection built by `make install`
(.build/collections) and the amazon.aws that the `ansible` package bundles. Results: .build/bench/*.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
VENV = REPO / ".build" / "bench-venv"
VPY = VENV / "bin" / "python"
# BENCH_COLLECTIONS: another collections dir (e.g. .build/dev, the work tree) while working on the code
COLLECTIONS = Path(os.environ.get("BENCH_COLLECTIONS") or REPO / ".build" / "collections").resolve()
OUT = REPO / ".build" / "bench"
REQS = BENCH / "requirements.txt"
CONSTRAINTS = BENCH / "constraints.txt"


# ---------------------------------------------------------------- venv
def ensure_venv() -> None:
    """Create/refresh the bench venv, then re-exec this script inside it."""
    digest = hashlib.sha256(REQS.read_bytes() + CONSTRAINTS.read_bytes()).hexdigest()
    stamp = VENV / ".bench-stamp"
    if not (stamp.exists() and stamp.read_text() == digest):
        print(f"bench: building {VENV} from {REQS.relative_to(REPO)}", flush=True)
        import shutil
        py = os.environ.get("PYTHON") or shutil.which("python3.11") or sys.executable
        subprocess.run([py, "-m", "venv", "--clear", str(VENV)], check=True)
        pip = [str(VPY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run(pip + ["--upgrade", "pip"], check=True)
        subprocess.run(pip + ["-r", str(REQS), "-c", str(CONSTRAINTS)], check=True)
        stamp.write_text(digest)
    if Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(str(VPY), [str(VPY), __file__, *sys.argv[1:]])


# ---------------------------------------------------------------- helpers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_packages() -> str:
    import sysconfig
    return sysconfig.get_paths()["purelib"]


def clean_env(workdir: Path) -> dict:
    """The environment of every ansible-playbook run: no AWS/Azure variables of the caller, our collections."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AZURE_", "ANSIBLE_", "PYTHON"))}
    env.update({
        # the built collection first, then the `ansible` package's bundled collections (amazon.aws)
        "ANSIBLE_COLLECTIONS_PATH": f"{COLLECTIONS}:{site_packages()}",
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_CALLBACK_PLUGINS": str(BENCH / "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
        "ANSIBLE_ROLES_PATH": str(COLLECTIONS / "ansible_collections" / "jobgate" / "cloud" / "roles"),
        "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"),
        "ANSIBLE_REMOTE_TEMP": str(workdir / "rtmp"),
        "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0", "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "ANSIBLE_PYTHON_INTERPRETER": str(VPY),
        "ANSIBLE_CONFIG": str(workdir / "absent.cfg"),
        "AWS_CONFIG_FILE": str(workdir / "aws-config-absent"),
        "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "aws-credentials-absent"),
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    return env


def run_playbook(text: str, workdir: Path, extra_vars: dict, *, timeout: float = 600, env_extra: dict | None = None) -> tuple:
    """Run a playbook; returns (rc, tasks, events) from the bench_timer callback."""
    workdir.mkdir(parents=True, exist_ok=True)
    pb = workdir / "playbook.yml"
    pb.write_text(text)
    varsfile = workdir / "vars.json"
    varsfile.write_text(json.dumps(extra_vars))
    timer = workdir / "timer.jsonl"
    timer.unlink(missing_ok=True)
    env = clean_env(workdir)
    env["BENCH_TIMER_OUT"] = str(timer)
    env.update(env_extra or {})
    cmd = [str(VENV / "bin" / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", f"@{varsfile}", str(pb)]
    with open(workdir / "ansible.log", "w") as log:
        proc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, cwd=str(workdir),
                              check=False)
    lines = [json.loads(x) for x in timer.read_text().splitlines()] if timer.exists() else []
    tasks = [x for x in lines if x["event"] == "task"]
    events = [x for x in lines if x["event"] != "task"]
    if proc.returncode != 0:
        print(f"  ansible-playbook rc={proc.returncode}; see {workdir / 'ansible.log'}", flush=True)
    return proc.returncode, tasks, events


def start_emulator(workdir: Path):
    sys.path.insert(0, str(REPO / "tests" / "integration"))
    from harness import EmulatorProcess  # the integration harness's emulator process and admin client
    return EmulatorProcess(workdir / "emulator")


class MotoServer:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(workdir / "moto.log", "wb")
        self.proc = subprocess.Popen([str(VENV / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("moto_server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.log.close()


def versions() -> dict:
    from importlib.metadata import version
    out = {"python": platform.python_version(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
           "kernel": platform.release()}
    for dist in ("ansible", "ansible-core", "moto", "boto3", "botocore"):
        out[dist] = version(dist)
    aws_manifest = Path(site_packages()) / "ansible_collections" / "amazon" / "aws" / "MANIFEST.json"
    out["amazon.aws"] = json.loads(aws_manifest.read_text())["collection_info"]["version"]
    manifest = COLLECTIONS / "ansible_collections" / "jobgate" / "cloud" / "MANIFEST.json"
    if manifest.exists():
        out["jobgate.cloud"] = json.loads(manifest.read_text())["collection_info"]["version"]
    else:
        out["jobgate.cloud"] = f"work tree at {COLLECTIONS}"
    return out


def task_time(t: dict) -> float:
    return t["end"] - t["start"]


def save(name: str, data: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    data = {"benchmark": name, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "versions": versions(), **data}
    (OUT / f"{name}.json").write_text(json.dumps(data, indent=2))
    print(json.dumps({k: v for k, v in data.items() if k not in ("samples", "versions")}, indent=2), flush=True)


def ours_conn(emu) -> dict:
    aws = emu.state["aws"]
    return {"access_key": aws["access_key"], "secret_key": aws["secret_key"], "region": aws["region"],
            "endpoint_url": emu.aws_endpoint}


# ---------------------------------------------------------------- 1. per task
PER_TASK_OURS = """
    - name: ours {i}
      jobgate.cloud.backup_report_job_info:
        report_job_id: "{{{{ report_job_id }}}}"
        access_key: "{{{{ ours.access_key }}}}"
        secret_key: "{{{{ ours.secret_key }}}}"
        region: "{{{{ ours.region }}}}"
        endpoint_url: "{{{{ ours.endpoint_url }}}}"
      register: ours_result
      failed_when: ours_result.job.report_job_id != report_job_id
"""
PER_TASK_THEIRS = """
    - name: theirs {i}
      amazon.aws.backup_vault_info:
        access_key: test
        secret_key: test
        region: us-east-1
        endpoint_url: "{{{{ moto_url }}}}"
      register: theirs_result
      failed_when: theirs_result.backup_vaults | length != 1
"""

# The floor both pay: a minimal AnsiballZ module (controller, payload, interpreter start, module_utils.basic).
PER_TASK_FLOOR = """
    - name: floor {i}
      ansible.builtin.ping:
"""


def bench_per_task(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-per-task-"))
    emu = start_emulator(work)
    moto = MotoServer(work)
    try:
        job_id = emu.admin("POST", "/jobs", {"kind": "backup_report", "created_ago": 60})["job_ids"][0]
        import botocore.session
        client = botocore.session.get_session().create_client(
            "backup", region_name="us-east-1", endpoint_url=moto.url, aws_access_key_id="test",
            aws_secret_access_key="test")
        client.create_backup_vault(BackupVaultName="bench_vault")
        # pair 0 warms both (each module's AnsiballZ payload is built once per run); then alternate the order
        body = []
        for i in range(args.reps + 1):
            pair = [PER_TASK_OURS.format(i=i), PER_TASK_THEIRS.format(i=i)]
            body += (pair if i % 2 == 0 else pair[::-1]) + [PER_TASK_FLOOR.format(i=i)]
        text = "- hosts: localhost\n  gather_facts: false\n  tasks:" + "".join(body)
        extra = {"report_job_id": job_id, "ours": ours_conn(emu), "moto_url": moto.url}
        rc, tasks, _events = run_playbook(text, work / "run", extra)
        if rc != 0:
            raise SystemExit("per_task: the playbook failed")
        times: dict = {"ours": [], "theirs": [], "floor": []}
        cold = {}
        for t in tasks:
            side, idx = t["name"].split()
            (times[side].append(task_time(t)) if idx != "0" else cold.__setitem__(side, task_time(t)))
        med = {k: statistics.median(v) for k, v in times.items()}
        ratio = med["ours"] / med["theirs"]
        # what each module adds above the floor (its imports, client, API calls), the part a module can cut
        above = {k: med[k] - med["floor"] for k in ("ours", "theirs")}
        return {"method": "task wall time from the bench_timer callback (task start -> result), one playbook, "
                          "tasks interleaved, order alternated, first pair (payload build) reported apart",
                "reps": args.reps, "median_s": {k: round(v, 3) for k, v in med.items()},
                "min_s": {k: round(min(v), 3) for k, v in times.items()},
                "max_s": {k: round(max(v), 3) for k, v in times.items()},
                "cold_first_task_s": {k: round(v, 3) for k, v in cold.items()},
                "ratio_ours_over_theirs": round(ratio, 3), "target": "<= 0.8", "met": ratio <= 0.8,
                "above_floor_s": {k: round(v, 3) for k, v in above.items()},
                "ratio_above_floor": round(above["ours"] / above["theirs"], 3) if above["theirs"] > 0 else None,
                "samples": times}
    finally:
        moto.stop()
        emu.stop()


# ---------------------------------------------------------------- 2. many jobs
MANY = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    jobgate.cloud.backup_report_job_info: "{{ ours }}"
  tasks:
    - name: one task with job_ids
      jobgate.cloud.backup_report_job_info:
        job_ids: "{{ ids }}"
      register: one
      failed_when: one.jobs | length != ids | length or not one.summary.all_succeeded
    - name: loop of single-id tasks
      jobgate.cloud.backup_report_job_info:
        report_job_id: "{{ item }}"
      loop: "{{ ids }}"
      register: each
      failed_when: each.job.normalized.state != 'succeeded'
"""


def bench_many(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-many-"))
    emu = start_emulator(work)
    try:
        ids = emu.admin("POST", "/jobs", {"kind": "backup_report", "count": args.jobs, "created_ago": 60})["job_ids"]
        # a warm-up task so neither side pays the payload build
        warm = MANY.replace("  tasks:\n", "  tasks:\n    - name: warm up\n      jobgate.cloud.backup_report_job_info:\n"
                            "        report_job_id: \"{{ ids[0] }}\"\n", 1)
        emu.clear_requests()
        rc, tasks, _events = run_playbook(warm, work / "run", {"ids": ids, "ours": ours_conn(emu)})
        if rc != 0:
            raise SystemExit("many: the playbook failed")
        by = {t["name"]: task_time(t) for t in tasks}
        one, loop = by["one task with job_ids"], by["loop of single-id tasks"]
        reqs = emu.requests(service="backup")
        return {"method": "task wall time from the bench_timer callback; one playbook; a warm-up task first",
                "jobs": len(ids), "one_task_s": round(one, 3), "loop_s": round(loop, 3),
                "ratio_loop_over_one": round(loop / one, 1), "target": ">= 50", "met": loop / one >= 50,
                "requests": len(reqs)}
    finally:
        emu.stop()


# ---------------------------------------------------------------- 2b. a long list
LIST = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    jobgate.cloud.backup_report_job_info: "{{ ours }}"
  tasks:
    - name: backup_report list
      jobgate.cloud.backup_report_job_info:
      register: backup
      failed_when: backup.jobs | length != jobs
      vars:
        ansible_python_interpreter: "{{ measured_python }}"
    - name: hci_edge_device list
      jobgate.cloud.hci_edge_device_job_info:
        resource_uri: "{{ uri }}"
      register: hci
      failed_when: hci.jobs | length != jobs
      vars:
        ansible_python_interpreter: "{{ measured_python }}"
"""
# The module's interpreter, run as a child whose peak resident memory (ru_maxrss) is written down when it ends.
MEASURED_PYTHON = """#!{python}
import os, resource, subprocess, sys
rc = subprocess.call([{python!r}] + sys.argv[1:])
with open(os.environ["BENCH_RSS_OUT"], "a") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) + "\\n")
sys.exit(rc)
"""


def bench_list(args) -> dict:
    """List mode over a long list: every job of a Backup report list (pages of 100, the emulator's) and of an HCI
    edge device (pages of 15, as the issue that found the 1,000-page cap had them)."""
    work = Path(tempfile.mkdtemp(prefix="bench-list-"))
    emu = start_emulator(work)
    try:
        sys.path.insert(0, str(REPO / "tests" / "integration"))
        from hci_support import machine_uri
        uri = machine_uri(emu, machine="bench-node")
        emu.admin("POST", "/azure/settings", {"page_size": 15})
        t0 = time.monotonic()
        emu.admin("POST", "/jobs", {"jobs": [
            {"kind": "backup_report", "count": args.jobs, "created_ago": 60, "timeline": [["COMPLETED", 0]]},
            {"kind": "hci_edge_device", "resource_uri": uri, "count": args.jobs, "created_ago": 60,
             "timeline": [["Succeeded", 0]]}]}, timeout=600)
        seeded = time.monotonic() - t0
        measured = work / "measured-python"
        measured.write_text(MEASURED_PYTHON.format(python=str(VPY)))
        measured.chmod(0o755)
        rss = work / "rss.txt"
        env = {k: v for k, v in emu.azure_env().items() if v is not None}
        env["BENCH_RSS_OUT"] = str(rss)
        rc, tasks, _events = run_playbook(LIST, work / "run", {"ours": ours_conn(emu), "uri": uri, "jobs": args.jobs,
                                                               "measured_python": str(measured)},
                                          env_extra=env, timeout=1800)
        if rc != 0:
            raise SystemExit("list: the playbook failed")
        peaks = [int(x) for x in rss.read_text().split()]
        by = {t["name"]: task_time(t) for t in tasks}
        lists = {"backup": emu.requests(operation="ListReportJobs"),
                 "hci": emu.requests(operation="EdgeDeviceJobs_ListByEdgeDevice")}
        pages = {kind: len(log) for kind, log in lists.items()}
        # the emulator's own time answering those pages (it filters and sorts all 20,000 jobs for each)
        emulator_s = {kind: round(sum(r["duration_ms"] for r in log) / 1000, 1) for kind, log in lists.items()}
        return {"method": "task wall time from the bench_timer callback; the module's peak RSS (ru_maxrss of its "
                          "interpreter, a child of a wrapper); one playbook, emulator seeded first",
                "jobs": args.jobs, "seed_s": round(seeded, 1), "pages": pages, "emulator_s": emulator_s,
                "backup_report_s": round(by["backup_report list"], 2), "hci_edge_device_s": round(by["hci_edge_device list"], 2),
                "backup_report_peak_mib": round(peaks[0] / 1024, 1), "hci_edge_device_peak_mib": round(peaks[1] / 1024, 1)}
    finally:
        emu.stop()


# ---------------------------------------------------------------- 3. waiting
WAIT_ROLE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: start
      ansible.builtin.set_fact:
        t_start: "{{ now(utc=true).timestamp() }}"
    - name: wait with the role
      ansible.builtin.include_role:
        name: jobgate.cloud.wait_for_job
      vars:
        wait_for_job_kind: backup_report
        wait_for_job_ids: "{{ ids }}"
        wait_for_job_delay: "{{ delay }}"
        wait_for_job_timeout: 300
        wait_for_job_aws: "{{ ours }}"
    - name: done
      ansible.builtin.copy:
        dest: "{{ out }}"
        content: "{{ {'start': t_start | float, 'end': now(utc=true).timestamp(),
                      'summary': wait_for_job_result.summary} | to_json }}"
"""
WAIT_NAIVE = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    jobgate.cloud.backup_report_job_info: "{{ ours }}"
  tasks:
    - name: start
      ansible.builtin.set_fact:
        t_start: "{{ now(utc=true).timestamp() }}"
    - name: wait naively, one until loop per job
      jobgate.cloud.backup_report_job_info:
        report_job_id: "{{ item }}"
      loop: "{{ ids }}"
      register: naive
      until: naive.job is defined and naive.job.normalized.terminal
      retries: 150
      delay: "{{ delay }}"
    - name: done
      ansible.builtin.copy:
        dest: "{{ out }}"
        content: "{{ {'start': t_start | float, 'end': now(utc=true).timestamp(),
                      'summary': {'total': naive.results | length,
                                  'succeeded': naive.results | selectattr('job', 'defined')
                                               | selectattr('job.normalized.succeeded') | list | length}} | to_json }}"
"""


def bench_wait(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-wait-"))
    emu = start_emulator(work)
    rng = random.Random(args.seed)
    # finish times in random order of the ids (sorted, the naive loop would meet each job just as it finishes)
    offsets = [round(rng.uniform(5, args.spread), 1) for _job in range(args.jobs)]
    out: dict = {"jobs": args.jobs, "finish_between_s": [min(offsets), max(offsets)], "throttle_rate": args.rate,
                 "delay_s": args.delay, "seed": args.seed}
    try:
        for name, text in (("role", WAIT_ROLE), ("naive", WAIT_NAIVE)):
            emu.reset()
            emu.admin("POST", "/settings", {"throttle_rate": args.rate})
            seeded = time.time()
            specs = [{"kind": "backup_report", "timeline": [["CREATED", 0], ["RUNNING", 1], ["COMPLETED", off]]}
                     for off in offsets]
            ids = emu.admin("POST", "/jobs", {"jobs": specs})["job_ids"]
            # the emulator's own record of when each job completed (CompletionTime), not our estimate
            last_done = seeded + max(offsets)
            result_file = work / f"{name}.json"
            rc, tasks, events = run_playbook(text, work / name, {"ids": ids, "ours": ours_conn(emu), "delay": args.delay,
                                                                 "out": str(result_file)})
            reqs = emu.requests(service="backup")
            res = json.loads(result_file.read_text()) if result_file.exists() else {}
            polls = [e for e in events if ("Poll " in e["task"] or e["task"].startswith("wait naively"))
                     and e["event"] in ("item_ok", "item_failed", "retry")]
            out[name] = {
                "rc": rc,
                # jobs are created inside the seeding call, so the last completion is at most that call's
                # duration (tens of ms) after `seeded + offset`
                "returned_after_last_completion_s": round(res["end"] - last_done, 2) if res else None,
                "total_s": round(res["end"] - res["start"], 1) if res else None,
                "requests": len(reqs), "requests_answered_200": sum(1 for r in reqs if r.get("status") == 200),
                "throttled_responses_429": sum(1 for r in reqs if r.get("status") == 429),
                "module_runs": len(polls),
                "module_runs_failed_on_throttling": sum(1 for e in polls if "hrottl" in str(e["error_code"])),
                "module_runs_failed_other": sum(1 for e in polls if e["error_code"] and "hrottl" not in str(e["error_code"])),
                "tasks_failed": sum(1 for e in events if e["event"] == "failed" and not e["ignored"]),
                "summary": res.get("summary"),
            }
            print(f"  {name}: {json.dumps(out[name])}", flush=True)
        role, naive = out["role"], out["naive"]
        out["met"] = {
            "back_within_5s": role["returned_after_last_completion_s"] is not None
            and role["returned_after_last_completion_s"] <= 5,
            "no_failure": role["rc"] == 0 and role["tasks_failed"] == 0 and role["module_runs_failed_on_throttling"] == 0,
            "fewer_requests_than_naive": role["requests"] < naive["requests"],
        }
        return out
    finally:
        emu.stop()


# ---------------------------------------------------------------- profile
IMPORT_OURS = "import ansible_collections.jobgate.cloud.plugins.modules.backup_report_job_info"
IMPORT_THEIRS = "import ansible_collections.amazon.aws.plugins.modules.backup_vault_info"


def import_profile(stmt: str) -> dict:
    env = dict(os.environ, PYTHONPATH=f"{COLLECTIONS}:{site_packages()}")
    best = None
    for _attempt in range(5):  # best of 5: the OS file cache is warm after the first
        proc = subprocess.run([str(VPY), "-X", "importtime", "-c", stmt], env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(proc.stderr[-2000:])
        rows = []
        for line in proc.stderr.splitlines():
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            self_us, cum_us, name = line[len("import time:"):].split("|", 2)
            rows.append((int(self_us), int(cum_us), name[1:].rstrip()))
        total = sum(r[0] for r in rows)
        if best is None or total < best[0]:
            best = (total, rows)
    total, rows = best
    top = [r for r in rows if not r[2].startswith("  ")]  # top-level imports (cumulative of each tree)
    top.sort(key=lambda r: -r[1])
    mods = {r[2].strip() for r in rows}
    return {"total_ms": round(total / 1000, 1), "modules": len(rows),
            "top_level_ms": [[r[2].strip(), round(r[1] / 1000, 1)] for r in top[:8]],
            "loads_boto3": "boto3" in mods, "loads_botocore": "botocore" in mods,
            "loads_azure": any(m.startswith("azure") for m in mods), "loads_requests": "requests" in mods}


def payload_profile(rtmp: Path) -> dict:
    """Sizes and module_utils of the AnsiballZ payloads a run kept (ANSIBLE_KEEP_REMOTE_FILES=1)."""
    import base64
    import io
    import re
    import zipfile
    out = {}
    for f in sorted(rtmp.glob("**/AnsiballZ_*.py")):
        m = re.search(r"""^zip_data\s*=\s*b?['"]([A-Za-z0-9+/=]+)['"]""", f.read_text(), re.M)
        if not m:
            continue
        data = base64.b64decode(m.group(1))
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
        side = "ours" if "backup_report_job_info" in f.name else "theirs" if "backup_vault_info" in f.name else f.name
        utils = sorted({n.split("/module_utils/")[1] for n in names if "/module_utils/" in n and n.endswith(".py")
                        and "ansible_collections" in n})
        out[side] = {"payload_file_bytes": f.stat().st_size, "zip_bytes": len(data), "files": len(names),
                     "collection_module_utils": utils}
    return out


def module_wall(stmt_module: str, module_args: dict, work: Path, reps: int = 7) -> float:
    """Median wall time of running a module directly (its own process, no controller), in seconds."""
    args = work / f"{stmt_module.rsplit('.', 1)[1]}.args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": module_args}))
    env = dict(clean_env(work), PYTHONPATH=f"{COLLECTIONS}:{site_packages()}")
    times = []
    for _rep in range(reps):
        t0 = time.perf_counter()
        proc = subprocess.run([str(VPY), "-m", stmt_module, str(args)], env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - t0)
        if '"failed": true' in proc.stdout or proc.returncode:
            raise SystemExit(f"{stmt_module} failed: {proc.stdout[-1500:]} {proc.stderr[-1500:]}")
    return round(statistics.median(times), 3)


def run_profile(module_args: dict, work: Path) -> list:
    """cProfile of one module run in-process (no Ansible controller): the heaviest functions by cumulative time."""
    script = work / "prof.py"
    script.write_text(
        "import cProfile, pstats, io, sys, json\n"
        "from ansible.module_utils import basic\n"
        f"basic._ANSIBLE_ARGS = json.dumps({{'ANSIBLE_MODULE_ARGS': {json.dumps(module_args)}}}).encode()\n"
        "basic._ANSIBLE_PROFILE = 'legacy'\n"
        "pr = cProfile.Profile(); pr.enable()\n"
        "try:\n"
        "    import runpy\n"
        "    runpy.run_module('ansible_collections.jobgate.cloud.plugins.modules.backup_report_job_info', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "pr.disable()\n"
        "s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats('cumulative').print_stats(25)\n"
        "sys.stderr.write(s.getvalue())\n")
    env = dict(os.environ, PYTHONPATH=f"{COLLECTIONS}:{site_packages()}")
    proc = subprocess.run([str(VPY), str(script)], env=env, capture_output=True, text=True, check=False)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    return lines[:45]


def bench_profile(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    emu = start_emulator(work)
    moto = MotoServer(work)
    try:
        job_id = emu.admin("POST", "/jobs", {"kind": "backup_report", "created_ago": 60})["job_ids"][0]
        text = ("- hosts: localhost\n  gather_facts: false\n  tasks:" + PER_TASK_OURS.format(i=0)
                + PER_TASK_THEIRS.format(i=0).replace("failed_when: theirs_result.backup_vaults | length != 1",
                                                      "failed_when: false"))
        run_playbook(text, work / "run", {"report_job_id": job_id, "ours": ours_conn(emu), "moto_url": moto.url},
                     env_extra={"ANSIBLE_KEEP_REMOTE_FILES": "1"})
        conn = ours_conn(emu)
        theirs_args = {"access_key": "test", "secret_key": "test", "region": "us-east-1", "endpoint_url": moto.url}
        return {
            "payload": payload_profile(work / "run" / "rtmp"),
            "imports": {"ours": import_profile(IMPORT_OURS), "theirs": import_profile(IMPORT_THEIRS)},
            "module_process_median_s": {
                "ours": module_wall("ansible_collections.jobgate.cloud.plugins.modules.backup_report_job_info",
                                    {"report_job_id": job_id, **conn}, work),
                "theirs": module_wall("ansible_collections.amazon.aws.plugins.modules.backup_vault_info",
                                      theirs_args, work)},
            "module_run_cprofile_top": run_profile({"report_job_id": job_id, **conn}, work),
        }
    finally:
        moto.stop()
        emu.stop()


# ---------------------------------------------------------------- 5. the event source
def iso_seconds(text: str) -> float:
    import datetime
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def eda_run(emu, work: Path, args, mode: str, rng: random.Random) -> dict:
    """One ansible-rulebook run: args.jobs report jobs finishing between START_MARGIN and +spread s, watched by one
    source (by ids, or in list mode by report plan) at interval args.interval."""
    sys.path.insert(0, str(REPO / "tests" / "integration"))
    from rulebook_support import Rulebook, one_source_rulebook  # the integration tests' ansible-rulebook runner
    plan = f"bench_{mode}"
    emu.admin("POST", "/report-plans", {"name": plan})
    margin = 15.0  # ansible-rulebook and the JVM start well within this, so every completion is a live one
    offsets = [margin + rng.uniform(0, args.spread) for _job in range(args.jobs)]
    created = time.time()
    ids = emu.admin("POST", "/jobs", {"jobs": [
        {"kind": "backup_report", "fields": {"ReportPlanName": plan},
         "timeline": [["CREATED", 0], ["RUNNING", 1], ["COMPLETED", round(off, 3)]]} for off in offsets]})["job_ids"]
    source = {"kind": "backup_report", "interval": args.interval}
    source.update({"job_ids": ids} if mode == "ids" else {"report_plan_name": plan, "on_start": "skip"})
    emu.clear_requests()
    env = {"ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS)}
    run = Rulebook(one_source_rulebook(work / f"{mode}.yml", source), work / mode, emulator=emu, env=env,
                   bin_dir=VENV / "bin", verbosity=0)
    try:
        run.wait_until(lambda: len({e["job_status"]["job"]["job_id"] for e in run.events}) >= len(ids),
                       margin + args.spread + 10 * args.interval + 60, "an event for every job")
        time.sleep(args.interval + 1)  # a repeat would come within a poll
    finally:
        run.stop()
    seen: dict = {}
    latencies = []
    for event in run.events:
        body = event["job_status"]
        seen[body["job"]["job_id"]] = seen.get(body["job"]["job_id"], 0) + 1
        done = iso_seconds(body["detail"]["completion_time"])
        latencies.append(iso_seconds(event["meta"]["received_at"]) - done)
    log = emu.requests(service="backup")
    by_op: dict = {}
    for entry in log:
        by_op[entry["operation"]] = by_op.get(entry["operation"], 0) + 1
    polls = by_op.get("ListReportJobs", 0)
    latencies.sort()
    return {
        "mode": mode, "jobs": len(ids), "events": len(run.events),
        "lost": len([job_id for job_id in ids if job_id not in seen]),
        "repeated": len([job_id for job_id, n in seen.items() if n > 1]),
        "latency_s": {"median": round(statistics.median(latencies), 2), "p90": round(latencies[int(len(latencies) * 0.9) - 1], 2),
                      "worst": round(latencies[-1], 2), "best": round(latencies[0], 2)},
        "target_worst_s": args.interval + 2, "met": latencies[-1] <= args.interval + 2,
        "requests": by_op, "polls": polls,
        "requests_per_poll": round(sum(by_op.values()) / polls, 2) if polls else None,
        "run_s": round(time.time() - created, 1),
    }


def bench_eda(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-eda-"))
    emu = start_emulator(work)
    rng = random.Random(args.seed)
    try:
        runs = [eda_run(emu, work, args, mode, rng) for mode in ("ids", "list")]
    finally:
        emu.stop()
    return {"method": "ansible-rulebook 1.3.2 with one jobgate.cloud.job_status source; latency = the event's "
                      "meta.received_at (when the source put it) minus the job's CompletionTime",
            "interval_s": args.interval, "finish_within_s": args.spread, "seed": args.seed, "runs": runs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("benchmark", choices=["per_task", "many", "list", "wait", "profile", "eda", "all"])
    ap.add_argument("--reps", type=int, default=15, help="per_task: measured pairs (default 15)")
    ap.add_argument("--jobs", type=int, default=0, help="many: 200; list: 20000; wait: 50")
    ap.add_argument("--rate", type=float, default=10.0, help="wait: emulator throttle_rate, requests/s (10)")
    ap.add_argument("--delay", type=int, default=3, help="wait: seconds between polls, both patterns (3)")
    ap.add_argument("--spread", type=float, default=60.0, help="wait, eda: jobs finish within SPREAD s (60)")
    ap.add_argument("--interval", type=int, default=5, help="eda: the source's interval (5)")
    ap.add_argument("--seed", type=int, default=6, help="wait: random seed of the finish times")
    args = ap.parse_args()
    ensure_venv()
    if not (COLLECTIONS / "ansible_collections" / "jobgate" / "cloud").is_dir():
        raise SystemExit("bench: no built collection in .build/collections; run `make install` first")
    names = ["per_task", "many", "list", "wait", "profile", "eda"] if args.benchmark == "all" else [args.benchmark]
    for name in names:
        a = argparse.Namespace(**vars(args))
        if not a.jobs:
            a.jobs = {"many": 200, "list": 20000, "wait": 50, "eda": 200}.get(name, 0)
        print(f"== bench {name}", flush=True)
        t0 = time.monotonic()
        data = {"per_task": bench_per_task, "many": bench_many, "list": bench_list, "wait": bench_wait, "profile": bench_profile,
                "eda": bench_eda}[name](a)
        data["bench_wall_s"] = round(time.monotonic() - t0, 1)
        save(name, data)


if __name__ == "__main__":
    main()
