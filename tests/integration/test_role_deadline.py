"""The wait_for_job role keeps CONTRACT.md's promise under faults that never end: it returns or fails within
wait_for_job_timeout + wait_for_job_delay + 10 s (Deadlines, last paragraph), with real faults and real time.

Every case is one host of one ansible-playbook run (forks run them at once); each fault has its own emulator, so
a case's fault reaches only its own requests: throttling, 5xx, answers slower than the whole budget and dropped
connections, answers whose body trickles in, for an AWS kind (Backup report) and for HCI, and an Azure token endpoint that is down.
"""
from __future__ import annotations

import secrets
import time
import uuid

import pytest

from hci_support import machine_uri, seed as seed_hci
from harness import EmulatorProcess
from reliability_support import FakeAuthority

pytestmark = pytest.mark.timing

TIMEOUT, DELAY = 20, 5
BOUND = TIMEOUT + DELAY + 10  # the contract's own room for start-up and a busy machine
AWS_OP = {"service": "backup", "operation": "DescribeReportJob"}
ARM_OP = {"service": "azure", "operation": "EdgeDeviceJobs_Get"}
FAULTS = {  # kind of fault: the emulator fault spec (count -1: until cleared, i.e. never)
    "throttle": {"kind": "throttle", "count": -1},
    "5xx": {"kind": "error", "status": 503, "count": -1},
    "slow": {"kind": "delay", "seconds": 3 * BOUND, "count": -1},
    "drop": {"kind": "drop", "count": -1},
    "trickle": {"kind": "trickle", "seconds": 0.25, "count": -1},   # headers at once, a body byte every 250 ms
}
JOB = "deadline-job"

PLAYBOOK = """
- name: One host per case
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Add the cases
      ansible.builtin.add_host:
        name: "{{ item.id }}"
        groups: cases
        ansible_connection: local
        ansible_python_interpreter: "{{ ansible_playbook_python }}"
        case: "{{ item }}"
      loop: "{{ cases }}"
      loop_control:
        label: "{{ item.id }}"

- name: The role under a fault that never ends
  hosts: cases
  gather_facts: false
  # each case at its own pace: the linear strategy would hold every task for the slowest case
  strategy: ansible.builtin.free
  environment: "{{ case.env }}"
  tasks:
    - name: Start the clock
      ansible.builtin.set_fact:
        t0: "{{ now(utc=true).timestamp() }}"
        outcome: {failed: false, msg: ""}
    - name: Wait
      block:
        - name: Run the role
          ansible.builtin.include_role:
            name: jobgate.cloud.wait_for_job
          vars:
            wait_for_job_kind: "{{ case.kind }}"
            wait_for_job_id: "{{ case.job }}"
            wait_for_job_resource_uri: "{{ case.resource_uri | default('') }}"
            wait_for_job_timeout: "{{ case_timeout }}"
            wait_for_job_delay: "{{ case_delay }}"
      rescue:
        - name: Keep the failure
          ansible.builtin.set_fact:
            outcome: {failed: true, msg: "{{ ansible_failed_result.msg }}"}
      always:
        - name: Save
          ansible.builtin.copy:
            content: "{{ outcome | combine({'took': now(utc=true).timestamp() - (t0 | float),
                                             'result': wait_for_job_result | default({})}) | to_json }}"
            dest: "{{ out_dir }}/{{ inventory_hostname }}.json"
            mode: "0600"
"""


def test_role_ends_within_its_bound_under_never_ending_faults(run_playbook, assert_no_secrets, tmp_path):
    emulators: dict = {}
    authority = None
    try:
        # One set of credentials for every emulator, so that they go into the run's environment and the cases'
        # environment keyword (which -vvv prints) holds only endpoints and CA files.
        creds = ["--aws-access-key", "AKIA" + secrets.token_hex(8).upper(), "--aws-secret-key", secrets.token_hex(20),
                 "--azure-tenant", str(uuid.uuid4()), "--azure-client-id", str(uuid.uuid4()),
                 "--azure-secret", secrets.token_hex(16), "--azure-subscription-id", str(uuid.uuid4())]
        cases = []
        for fault, spec in FAULTS.items():
            emu = emulators[fault] = EmulatorProcess(tmp_path / f"emu-{fault}", extra_args=creds)
            report = emu.admin("POST", "/jobs", {"kind": "backup_report", "timeline": [["RUNNING", 0]]})["job_ids"][0]
            uri = machine_uri(emu)
            seed_hci(emu, uri, JOB, timeline=[["DeploymentInProgress", 0]])
            emu.admin("POST", "/faults", {"faults": [dict(spec, match=AWS_OP), dict(spec, match=ARM_OP)]})
            env = {**emu.aws_env(with_endpoint=True), **emu.azure_env(), "HOME": str(tmp_path)}
            cases.append({"id": f"aws-{fault}", "kind": "backup_report", "job": report, "env": env})
            cases.append({"id": f"hci-{fault}", "kind": "hci_edge_device", "job": JOB, "resource_uri": uri,
                          "env": env})
        # An authority whose token endpoint answers 503 to every request; Resource Manager is never reached.
        emu = emulators["throttle"]
        authority = FakeAuthority(tmp_path, tenant=emu.state["azure"]["tenant"], token_status=503, token_body="json")
        bundle = tmp_path / "ca-bundle.pem"
        bundle.write_text(open(emu.ca_file).read() + open(authority.ca_file).read())
        env = {**emu.aws_env(with_endpoint=True), **emu.azure_env(), "HOME": str(tmp_path),
               "AZURE_CLOUD_ENVIRONMENT": authority.url,
               **{name: str(bundle) for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")}}
        cases.append({"id": "hci-token-down", "kind": "hci_edge_device", "job": JOB, "resource_uri": machine_uri(emu),
                      "env": env})

        # What is the same for every case (credentials; None: unset) is the run's environment, the rest the case's.
        common = {key: value for key, value in cases[0]["env"].items()
                  if all(case["env"].get(key) == value for case in cases)}
        for case in cases:
            case["env"] = {key: value for key, value in case["env"].items() if key not in common}
        start = time.monotonic()
        result = run_playbook(PLAYBOOK, extra_vars={"cases": cases, "case_timeout": TIMEOUT, "case_delay": DELAY},
                              env={"ANSIBLE_FORKS": str(len(cases)), **common}, timeout=6 * BOUND)
        took = time.monotonic() - start
        result.assert_ok()
        outcomes = {case["id"]: result.result(case["id"]) for case in cases}
        problems = []
        for cid, out in outcomes.items():
            res = out["result"]
            if not out["failed"] or not out["msg"].startswith("Timed out after "):
                problems.append(f"{cid}: not the role's timeout failure: {out['msg']!r}")
            elif "(never read)" not in out["msg"] or " The last poll failed: " not in out["msg"]:
                problems.append(f"{cid}: the message does not say the job was never read and why: {out['msg']!r}")
            if res.get("timed_out") is not True:
                problems.append(f"{cid}: wait_for_job_result.timed_out is {res.get('timed_out')!r}")
            # It kept trying as long as a retry could start before the deadline, and ended within the bound.
            if not TIMEOUT - DELAY < res.get("elapsed", 0) <= out["took"]:
                problems.append(f"{cid}: elapsed {res.get('elapsed')} s, not between {TIMEOUT - DELAY} s and "
                                f"{out['took']:.1f} s")
            if out["took"] > BOUND:
                problems.append(f"{cid}: took {out['took']:.1f} s, over the bound of {BOUND} s")
        assert not problems, "\n".join(problems) + "\n" + result.tail()
        # No job read got through (status 0 = dropped). On a machine this busy a module may spend a whole budget
        # starting up and send nothing in it; the bound holds either way.
        reads = [r for emu in emulators.values() for r in emu.requests()
                 if r.get("operation") in (AWS_OP["operation"], ARM_OP["operation"])]
        # A trickled answer is logged with its status (200) when its head goes out; its body never ends in time.
        assert all(r.get("status") != 200 or r.get("fault") == "trickle" for r in reads), reads
        assert any(r.get("fault") == "trickle" for r in reads)
        assert authority.token_posts >= 2
        # ansible-playbook start-up and the cases' concurrency on a busy machine come on top of one case's bound
        assert took < 3 * BOUND, took
        for emu in emulators.values():
            assert_no_secrets(result.output, emu)
    finally:
        if authority is not None:
            authority.close()
        for emu in emulators.values():
            emu.stop()
