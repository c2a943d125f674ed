"""wait_timeout is a promise about the whole task (contract, "Deadlines"): under faults that never end, every info
module and every start module with wait: true (an AWS one on an assumed role whose STS fails too) ends within
wait_timeout + 2 s of its start, with the contract's failure, and its elapsed is the module's part of the task's time.

Real modules, real time, real faults: one emulator per fault (faults match an operation, not a caller, so cases
with different faults cannot share one), all cases in ONE ansible-playbook run, one host per case, side by side in
the free strategy with their starts spread (module start-up is what costs CPU; the rest of a case sleeps). Each
task's start and end are what the controller saw (callback_plugins/task_times.py): the start is when the task was
handed to a worker, before its module process even exists.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import EmulatorProcess
from hci_support import machine_uri
from reliability_support import check_error_block

pytestmark = pytest.mark.timing

HERE = Path(__file__).resolve().parent
BUDGETS = (5, 20)
BOUND = 2.0          # the contract: within wait_timeout + 2 s of the task's start
# elapsed is the module's time (from its process's start): within the task's as the controller saw it (up to its
# rounding to 0.1 s), and short of it by no more than what the controller spends around a module (the 2 s of room
# the contract gives beyond wait_timeout); that overhead grows with the machine's load, past 0.5 s on a busy one.
ELAPSED_ROUNDING = 0.15
# A wait starts its last poll only if it can end by the deadline taking twice the slowest read so far, so it may end
# that much before it: half a second on an idle machine, over that beside a second `make test` (19.4 s of 20). A
# failure before wait_timeout - 2 s (the contract's room on the other side) gave up too early.
GAVE_UP_ROOM = 2.0
STAGGER = 2.0        # seconds between two cases' starts: module start-up is CPU-bound, the rest mostly sleeps
PLAYBOOK_TIMEOUT = 600  # a hang guard (72 starts 2 s apart take 144 s)

# The first read of every kind (the info modules' describe, a start module's describe after its start, the HCI
# start's look for an existing job) fails for ever, in its own emulator.
READS = [{"service": "panorama", "operation": "DescribeDeviceJob"},
         {"service": "panorama", "operation": "DescribePackageImportJob"},
         {"service": "backup", "operation": "DescribeReportJob"},
         {"service": "backup", "operation": "DescribeBackupJob"},
         {"service": "backup", "operation": "DescribeRestoreJob"},
         {"service": "backup", "operation": "DescribeCopyJob"},
         {"service": "backup", "operation": "DescribeScanJob"},
         {"service": "azure", "operation": "EdgeDeviceJobs_Get"},
         {"service": "azure", "operation": "UpdateRuns_Get"},
         {"service": "azure", "operation": "Updates_Get"}]
FAULTS = {
    "throttle": {"kind": "throttle", "retry_after": 1},
    "5xx": {"kind": "error", "status": 500},
    "slow": {"kind": "delay", "seconds": 25},   # every answer later than any budget here
    "drop": {"kind": "drop"},
    # headers at once, then the body a byte every 250 ms: no read ever times out, only the whole request can
    "trickle": {"kind": "trickle", "seconds": 0.25},
}
TOKEN_FAULTS = {"token-503": {"kind": "error", "status": 503}, "token-drop": {"kind": "drop"},
                "token-trickle": {"kind": "trickle", "seconds": 0.25}}
# An assumed role (assume_role_arn) whose STS keeps failing the same ways: the first AssumeRole is ridden through
# like a first read, each attempt capped at the time left. One case per fault, the AWS info modules in turn, at 5 s.
STS_FAULTS = {f"sts-{name}": spec for name, spec in FAULTS.items()}
ASSUME_ROLE = {"service": "sts", "operation": "AssumeRole"}
STS_ROLE_ARN = "arn:aws:iam::123456789012:role/deadline-operator"
STS_MODULES = ("panorama_device_job_info", "panorama_package_import_job_info", "backup_report_job_info")
# Jobs that never end (no fault): the first read succeeds, the deadline comes while they are open.
OPEN_TIMELINES = {"panorama_device": [["IN_PROGRESS", 0]], "panorama_device:REBOOT": [["IN_PROGRESS", 0]],
                  "panorama_package_import": [["PENDING", 0]], "backup_report": [["RUNNING", 0]],
                  "hci_edge_device": [["Scheduled", 0], ["DeploymentInProgress", 0.1]],
                  "hci_update_run": [["InProgress", 0]]}

AWS_MODULES = ("panorama_device_job_info", "panorama_package_import_job_info", "backup_report_job_info",
               "panorama_device_job", "panorama_package_import_job", "backup_report_job")
AZURE_MODULES = ("hci_edge_device_job_info", "hci_edge_device_job")
# Kinds five and six share Backup's client, retries and result builder with backup_report: each of their modules
# meets one fault (the i-th module the i-th fault, the fifth fault the first module again), which keeps the run short.
BACKUP_MODULES = ("backup_job_info", "backup_job", "restore_job_info", "restore_job")
# Kinds seven and eight (copy and scan jobs) likewise, in a rotation of their own beside it.
COPY_SCAN_MODULES = ("copy_job_info", "copy_job", "scan_job_info", "scan_job")
# Update runs share the ARM client, its retries and the token with the edge device jobs: likewise one of their two
# modules per fault; both among the jobs that never end (the start module's apply and its operation, then the wait).
HCI_UPDATE_MODULES = ("hci_update_run_info", "hci_update")
UPDATE_NAME = "Solution12.2605.1001.1"
START_MODULES = ("panorama_device_job", "panorama_package_import_job", "backup_report_job", "hci_edge_device_job",
                 "backup_job", "restore_job", "copy_job", "scan_job")
ACCOUNT = "123456789012"
DB_ARN = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:deadline-db"
POINT_ARN = f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:deadline-point"
VOLUME_ARN = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0dead11ee0000000"
VOLUME_POINT_ARN = "arn:aws:ec2:us-east-1::snapshot/snap-0deadline000000"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
# Jobs that never end need no fault to show; a few cover both clouds, info and start (the LRO follower too).
OPEN_MODULES = ("panorama_device_job_info", "backup_report_job", "hci_edge_device_job_info", "hci_edge_device_job",
                *HCI_UPDATE_MODULES)


def cluster_id(emu: EmulatorProcess) -> str:
    sub = emu.state["azure"]["subscription_id"]
    return f"/subscriptions/{sub}/resourceGroups/edge-rg/providers/Microsoft.AzureStackHCI/clusters/deadline-cluster"


def case_args(module: str, emu: EmulatorProcess, budget: int, ids: dict) -> dict:
    """The module options of one case against one emulator (ids: the ids of the jobs seeded there, if any)."""
    if module in AWS_MODULES + BACKUP_MODULES + COPY_SCAN_MODULES:
        conn = {"endpoint_url": emu.aws_endpoint}
    elif module in HCI_UPDATE_MODULES:
        conn = {"cloud_environment": emu.https_endpoint, "cluster_id": cluster_id(emu), "update_name": UPDATE_NAME}
    else:
        conn = {"cloud_environment": emu.https_endpoint, "resource_uri": machine_uri(emu, machine="deadline-node")}
    return conn | {
        "panorama_device_job_info": {"job_id": ids.get("panorama_device", "job-deadline-1")},
        "panorama_package_import_job_info": {"job_id": ids.get("panorama_package_import", "imp-deadline-1")},
        "backup_report_job_info": {"report_job_id": ids.get("backup_report", "rep-deadline-1")},
        "hci_edge_device_job_info": {"job_name": ids.get("hci_edge_device", "hci-deadline-1")},
        "panorama_device_job": {"device_ids": ["device-deadline"], "job_type": "REBOOT"},
        "panorama_package_import_job": {     # one per budget: the same inputs would give the same client token
            "input_config": {"s3_location": {"bucket_name": "deadline-bucket", "object_key": f"{budget}/manifest.json"}},
            "output_config": {"package_name": "deadline_pkg", "package_version": "1.0"}},
        "backup_report_job": {"report_plan_name": "plan_deadline"},
        "backup_job_info": {"backup_job_id": "bk-deadline-1"},
        "backup_job": {"backup_vault_name": "deadline-vault", "resource_arn": DB_ARN, "iam_role_arn": ROLE_ARN},
        "restore_job_info": {"restore_job_id": "rs-deadline-1"},
        "restore_job": {"recovery_point_arn": POINT_ARN, "iam_role_arn": ROLE_ARN,
                        "metadata": {"DBInstanceIdentifier": "deadline-db-restored"}},
        "copy_job_info": {"copy_job_id": "cp-deadline-1"},
        "copy_job": {"recovery_point_arn": POINT_ARN, "source_backup_vault_name": "Default", "iam_role_arn": ROLE_ARN,
                     "destination_backup_vault_arn": f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:dr-vault"},
        "scan_job_info": {"scan_job_id": "sc-deadline-1"},
        "scan_job": {"recovery_point_arn": VOLUME_POINT_ARN, "backup_vault_name": "deadline-vault",
                     "iam_role_arn": ROLE_ARN, "scanner_role_arn": ROLE_ARN, "scan_mode": "FULL_SCAN"},
        "hci_edge_device_job": {"job_name": f"start-{budget}", "job_type": "CollectLog",
                                "from_date": "2025-04-11T00:00:00Z", "to_date": "2025-04-12T00:00:00Z"},
        "hci_update_run_info": {"run_name": ids.get("hci_update_run", "hu-deadline-1"), "update_name": "Solution12.2604.1.1"},
        "hci_update": {},
    }[module]


def seed(emu: EmulatorProcess, *, open_jobs: bool) -> dict:
    """What start modules need (a device, a report plan, a backup vault, a resource and a recovery point); with
    open_jobs, one never-ending job per kind."""
    emu.admin("POST", "/devices", {"device_id": "device-deadline", "name": "hub-deadline"})
    emu.admin("POST", "/report-plans", {"name": "plan_deadline"})
    emu.admin("POST", "/backup-vaults", {"name": "deadline-vault"})
    emu.admin("POST", "/resources", {"arn": DB_ARN})
    emu.admin("POST", "/recovery-points", {"arn": POINT_ARN, "resource_arn": DB_ARN})
    emu.admin("POST", "/recovery-points", {"arn": VOLUME_POINT_ARN, "resource_arn": VOLUME_ARN,
                                           "backup_vault_name": "deadline-vault"})
    emu.admin("POST", "/sts/roles", {"arn": STS_ROLE_ARN})
    emu.admin("POST", "/azure/updates", {"cluster_id": cluster_id(emu), "name": UPDATE_NAME, "state": "Ready"})
    if not open_jobs:
        return {}
    emu.admin("POST", "/timelines", OPEN_TIMELINES)
    made = emu.admin("POST", "/jobs", {"jobs": [
        {"kind": "panorama_device", "fields": {"DeviceId": "device-deadline", "JobType": "REBOOT"}},
        {"kind": "panorama_package_import"},
        {"kind": "backup_report", "fields": {"ReportPlanName": "plan_deadline"}},
        {"kind": "hci_edge_device", "resource_uri": machine_uri(emu, machine="deadline-node"), "name": "hci-open-1"},
        # a run of an earlier update: the one of UPDATE_NAME is the start module's
        {"kind": "hci_update_run", "cluster_id": cluster_id(emu), "update_name": "Solution12.2604.1.1",
         "name": "hu-open-1"},
    ]})["job_ids"]
    return dict(zip(("panorama_device", "panorama_package_import", "backup_report"), made)) | {
        "hci_edge_device": "hci-open-1", "hci_update_run": "hu-open-1"}


@pytest.fixture
def emulators(tmp_path_factory):
    """One emulator per group (a fault, or "open"), all with the same credentials (the playbook's environment holds
    one set)."""
    first = EmulatorProcess(tmp_path_factory.mktemp("emu-throttle"))
    aws, az = first.state["aws"], first.state["azure"]
    # (NAME=VALUE: a random secret may start with "-")
    same = [f"--aws-access-key={aws['access_key']}", f"--aws-secret-key={aws['secret_key']}",
            f"--azure-tenant={az['tenant']}", f"--azure-client-id={az['client_id']}", f"--azure-secret={az['secret']}",
            f"--azure-subscription-id={az['subscription_id']}"]
    emus = {"throttle": first}
    try:
        for group in [*list(FAULTS)[1:], *TOKEN_FAULTS, *STS_FAULTS, "open"]:
            emus[group] = EmulatorProcess(tmp_path_factory.mktemp(f"emu-{group}"), extra_args=same)
        yield emus
    finally:
        for emu in emus.values():
            emu.stop()


def build(emus: dict) -> list:
    """Every case: (id, group, module, budget, args).

    Each module meets each fault once, at 5 s or 20 s in turn (module i, fault j: BUDGETS[(i + j) % 2]), so every
    module and every fault is seen with both budgets at half the runs of the full product. The 20 s cases come
    first, so that the run ends soonest; neighbours in time hit different emulators.
    """
    seeded = {group: seed(emu, open_jobs=group == "open") for group, emu in emus.items()}
    cases = []
    for j, (group, emu) in enumerate(emus.items()):
        if group in STS_FAULTS:
            module = STS_MODULES[j % len(STS_MODULES)]
            args = case_args(module, emu, 5, {}) | {"sts_endpoint_url": emu.aws_endpoint,
                                                    "assume_role_arn": STS_ROLE_ARN, "wait": True, "wait_timeout": 5,
                                                    "wait_sleep": 1}
            cases.append((f"{group}-5-{module}", group, module, 5, args))
            continue
        modules = AZURE_MODULES if group in TOKEN_FAULTS else OPEN_MODULES if group == "open" else AWS_MODULES + AZURE_MODULES
        if group in FAULTS:
            index = list(FAULTS).index(group)
            modules += (BACKUP_MODULES[index % len(BACKUP_MODULES)], COPY_SCAN_MODULES[index % len(COPY_SCAN_MODULES)],
                        HCI_UPDATE_MODULES[index % len(HCI_UPDATE_MODULES)])
        for i, module in enumerate(modules):
            budget = BUDGETS[(i + j) % len(BUDGETS)]
            args = case_args(module, emu, budget, seeded[group]) | {"wait": True, "wait_timeout": budget, "wait_sleep": 1}
            cases.append((f"{group}-{budget}-{module}", group, module, budget, args))
    by_budget: dict = {}
    for case in cases:
        by_budget.setdefault(case[3], {}).setdefault(case[1], []).append(case)
    spread = []
    for budget in sorted(by_budget, reverse=True):
        queues = list(by_budget[budget].values())
        while any(queues):
            spread.extend(queue.pop(0) for queue in queues if queue)
    return spread


def arm_faults(emus: dict) -> None:
    for group, spec in FAULTS.items():
        emus[group].admin("POST", "/faults", {"faults": [{"match": m, "count": -1, **spec} for m in READS]})
    for group, spec in TOKEN_FAULTS.items():
        emus[group].admin("POST", "/faults", {"match": {"service": "entra", "operation": "Token"}, "count": -1, **spec})
    for group, spec in STS_FAULTS.items():
        emus[group].admin("POST", "/faults", {"match": ASSUME_ROLE, "count": -1, **spec})


def check(cid: str, group: str, module: str, budget: int, record: dict | None) -> list:
    """The contract's promise for one case; returns the problems (empty: kept)."""
    if not record or "end" not in record:
        return [f"{cid}: never ran or never ended: {record}"]
    out, took = record["result"], record["end"] - record["start"]
    problems: list = []
    check_error_block(out, problems, cid, retryable=True)
    if problems:
        return problems
    elapsed = out.get("elapsed")
    if took > budget + BOUND:
        problems.append(f"{cid}: took {took:.2f} s, more than wait_timeout {budget} + {BOUND} s")
    if not isinstance(elapsed, (int, float)) or not took - BOUND <= elapsed <= took + ELAPSED_ROUNDING:
        problems.append(f"{cid}: elapsed {elapsed!r} but the task took {took:.2f} s")
    elif elapsed < budget - GAVE_UP_ROOM:
        problems.append(f"{cid}: gave up after {elapsed} s, before the deadline of {budget} s: {out['msg'][:200]}")
    if group == "open":
        # Jobs read and still open at the deadline: WaitTimeout with the jobs as last seen.
        if out["error"]["code"] != "WaitTimeout" or not out.get("jobs") or "summary" not in out:
            problems.append(f"{cid}: want WaitTimeout with jobs and summary: {str(out)[:300]}")
    else:
        # No read succeeded: the API's last error, and a msg that says the deadline passed while it kept failing.
        if "passed while the API kept failing" not in out["msg"] or "tried" not in out["msg"]:
            problems.append(f"{cid}: msg does not say the deadline passed while the API failed: {out['msg'][:300]}")
        if out["error"]["code"] == "WaitTimeout":
            problems.append(f"{cid}: the error is ours, not the API's last one: {out['error']}")
        if group.endswith("trickle") and out["error"]["code"] != "Timeout":
            # the answer never ended: the watchdog cut it, and the task says it timed out (not a broken connection)
            problems.append(f"{cid}: a trickled answer gave {out['error']['code']}, want Timeout: {out['msg'][:200]}")
    if module in START_MODULES and module != "hci_edge_device_job" and group != "open":
        # The job was started before its first read failed: the task says so.
        if out.get("changed") is not True or not (out.get("started_job_ids") or out.get("jobs")):
            problems.append(f"{cid}: a started job is not reported: {str(out)[:300]}")
    return problems


def measured(cases: list, records: dict) -> dict:
    """{case id: {took, elapsed, code}}: the figures docs/reliability.md reports."""
    out = {}
    for cid, *_rest in cases:
        record = records.get(cid) or {}
        result = record.get("result") or {}
        took = round(record["end"] - record["start"], 2) if "end" in record else None
        out[cid] = {"took": took, "elapsed": result.get("elapsed"), "code": (result.get("error") or {}).get("code")}
    return out


def test_every_module_keeps_wait_timeout_under_faults_that_never_end(emulators, run_playbook, assert_no_secrets,
                                                                     tmp_path):
    cases = build(emulators)
    arm_faults(emulators)
    bundle = tmp_path / "ca-bundle.pem"
    bundle.write_text("".join(Path(emu.ca_file).read_text() for emu in emulators.values()))
    times = tmp_path / "task_times.json"
    env = {"ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"), "ANSIBLE_CALLBACKS_ENABLED": "task_times",
           "TASK_TIMES_FILE": str(times), "ANSIBLE_FORKS": str(len(cases) + 1), "HOME": str(tmp_path),
           **{name: str(bundle) for name in ("REQUESTS_CA_BUNDLE", "AWS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")}}
    playbook_cases = [{"id": cid, "module": f"jobgate.cloud.{module}", "args": args, "delay": round(i * STAGGER, 2)}
                      for i, (cid, _g, module, _b, args) in enumerate(cases)]
    result = run_playbook("playbooks/deadlines.yml", emulator=emulators["throttle"], env=env, verbosity=1,
                          timeout=PLAYBOOK_TIMEOUT, extra_vars={"deadline_cases": playbook_cases})
    assert result.rc == 0, result.tail()
    records = json.loads(times.read_text())
    problems = [p for cid, group, module, budget, _args in cases for p in check(cid, group, module, budget, records.get(cid))]
    (tmp_path / "deadline_cases.json").write_text(json.dumps(measured(cases, records), indent=1))
    assert not problems, f"{len(problems)} of {len(cases)} cases broke the promise:\n" + "\n".join(problems)
    for emu in emulators.values():
        assert_no_secrets(result.output, emu)
