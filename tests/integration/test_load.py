"""Load: 500 jobs across four of the six kinds (Panorama device and package import jobs, Backup report jobs, HCI
edge device jobs; backup and restore jobs read through the same Backup service, throttling bucket and batched list
reads as report jobs), asked for by 5 hosts in parallel (forks), each for its slice with wait, against the
emulator's throttling (a token bucket per service). Nothing is lost: every job is reported exactly once, with the
final state its timeline ends in, and the throttling really happened."""
from __future__ import annotations

import random
import time

from hci_support import machine_uri

PER_KIND = 125
SLICES = 5
# A token bucket per service (panorama, backup, azure): well below what 5 hosts x 8 threads ask for.
THROTTLE = {"throttle_rate": 40, "throttle_burst": 20}
ENDINGS = {
    "panorama_device": [("COMPLETED", "succeeded"), ("FAILED", "failed")],
    "panorama_package_import": [("SUCCEEDED", "succeeded"), ("FAILED", "failed")],
    "backup_report": [("COMPLETED", "succeeded"), ("FAILED", "failed")],
    "hci_edge_device": [("Succeeded", "succeeded"), ("Failed", "failed"), ("Canceled", "canceled")],
}
FIRST = {"panorama_device": ["PENDING", "IN_PROGRESS"], "panorama_package_import": ["PENDING", "PENDING"],
         "backup_report": ["CREATED", "RUNNING"], "hci_edge_device": ["Scheduled", "DeploymentInProgress"]}


def seed_all(emulator, rng) -> tuple:
    uri = machine_uri(emulator, machine="load-node")
    emulator.admin("POST", "/devices", {"device_id": "device-load", "name": "hub-load"})
    ids: dict = {}
    expected: dict = {}
    for kind, endings in ENDINGS.items():
        jobs = []
        finals = []
        for i in range(PER_KIND):
            native, state = endings[i % len(endings)]
            # Some are over before the first look, most finish during the wait, at random moments.
            end = rng.choice([0.1, rng.uniform(2, 12)])
            timeline = [[FIRST[kind][0], 0], [FIRST[kind][1], end / 2], [native, end, f"ended {native}"]]
            job = {"kind": kind, "timeline": timeline}
            if kind == "panorama_device":
                job["fields"] = {"DeviceId": "device-load", "JobType": "REBOOT"}
            elif kind == "hci_edge_device":
                job.update(resource_uri=uri, name=f"load-{i:03d}")
            jobs.append(job)
            finals.append((native, state))
        got = emulator.admin("POST", "/jobs", {"jobs": jobs})["job_ids"]
        ids[kind] = [f"load-{i:03d}" for i in range(PER_KIND)] if kind == "hci_edge_device" else got
        assert len(ids[kind]) == PER_KIND
        expected.update({(kind, job_id): final for job_id, final in zip(ids[kind], finals)})
    return uri, ids, expected


def test_500_jobs_over_forks_under_throttling(emulator, run_playbook, assert_no_secrets, tmp_path):
    uri, ids, expected = seed_all(emulator, random.Random(500))
    emulator.admin("POST", "/settings", THROTTLE)
    emulator.clear_requests()
    home = tmp_path / "home"
    home.mkdir()
    start = time.monotonic()
    result = run_playbook("playbooks/reliability_load.yml", emulator=emulator, verbosity=1, timeout=400,
                          env={"HOME": str(home), "ANSIBLE_FORKS": str(SLICES)},
                          extra_vars={"load_ids": ids, "load_slices": SLICES, "load_resource_uri": uri})
    took = time.monotonic() - start
    assert result.rc == 0, "\n".join(line[:600] for line in result.stdout.splitlines() if line.startswith("fatal"))
    seen: dict = {}
    for host in range(SLICES):
        for kind in ENDINGS:
            out = result.result(f"slice-{host}-{kind}")
            assert not out.get("failed"), (host, kind, out.get("msg"))
            assert out["summary"]["total"] == len(out["jobs"]) and out["summary"]["all_terminal"] is True
            for job in out["jobs"]:
                key = (kind, job["normalized"]["job_id"])
                seen[key] = seen.get(key, 0) + 1
                native, state = expected[key]
                assert job["normalized"]["native_status"] == native, (key, job["normalized"])
                assert job["normalized"]["state"] == state, (key, job["normalized"])
    assert set(seen) == set(expected), f"lost: {sorted(set(expected) - set(seen))[:5]}"
    assert all(n == 1 for n in seen.values()), [k for k, n in seen.items() if n != 1][:5]
    assert len(seen) == 4 * PER_KIND == 500
    log = emulator.requests()
    throttled = [r for r in log if r.get("fault") == "throttle_rate"]
    assert throttled, "the throttle never bit: the test would prove nothing"
    print(f"\nload: 500 jobs in {took:.1f}s, {len(log)} requests, {len(throttled)} throttled")
    assert_no_secrets(result.output, emulator)
