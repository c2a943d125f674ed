"""Hostile and malformed input across the four info modules, the four start modules and the role: each case fails
with a clear message (words asserted) and the emulator records no request at all (no metadata, token or API call).

The cases run in a few ansible-playbook processes at once; a valid control case after them, run the same way
against the same emulator, proves that such a playbook does reach it, so "no request" is not an artefact of a
broken environment.
"""
from __future__ import annotations

import fcntl
import json
import os
import tempfile
import typing as t
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hci_support import machine_uri
from reliability_support import case_playbook, requests_between

SUB = "00000000-0000-0000-0000-000000000000"
URI = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/m1"
PD, PI, BR, HCI = "panorama_device", "panorama_package_import", "backup_report", "hci_edge_device"
BJ, RJ, CJ, SJ = "backup_job", "restore_job", "copy_job", "scan_job"
HU = "jobgate.cloud.hci_update_run_info"
CLUSTER = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.AzureStackHCI/clusters/c1"
UPD = "Solution12.2604.1003.20"
ROLE_ARN = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
BACKUP_ARGS = {"backup_vault_name": "release-vault", "resource_arn": "arn:aws:rds:us-east-1:123456789012:db:orders",
               "iam_role_arn": ROLE_ARN}
COPY_ARGS = {"recovery_point_arn": "arn:aws:backup:us-east-1:123456789012:recovery-point:abc",
             "source_backup_vault_name": "release-vault",
             "destination_backup_vault_arn": "arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault",
             "iam_role_arn": ROLE_ARN}
SCAN_ARGS = {"backup_vault_name": "release-vault", "recovery_point_arn": "arn:aws:ec2:us-east-1::snapshot/snap-0abc",
             "iam_role_arn": ROLE_ARN, "scanner_role_arn": ROLE_ARN, "scan_mode": "FULL_SCAN"}
RESTORE_ARGS = {"recovery_point_arn": "arn:aws:backup:us-east-1:123456789012:recovery-point:abc",
                "metadata": {"DBInstanceIdentifier": "restored"}}

# id, module, options, words the message must contain (case-insensitive)
CASES = [
    ("pd-empty-id", PD, {"job_id": ""}, ["job_id", "non-empty"]),
    ("pd-over-long-id", PD, {"job_id": "a" * 300}, ["job_id", "characters"]),
    ("pd-dot-dot", PD, {"job_id": "../../devices"}, ["job_id", "not a valid"]),
    ("pd-encoded-dot-dot", PD, {"job_id": "%2e%2e%2fdevices"}, ["job_id", "not a valid"]),
    ("pd-encoded-slash", PD, {"job_id": "abc%2Fdef"}, ["job_id", "not a valid"]),
    ("pd-question-mark", PD, {"job_id": "job?x=1"}, ["job_id", "?"]),
    ("pd-hash", PD, {"job_id": "job#frag"}, ["job_id", "#"]),
    ("pd-newline", PD, {"job_id": "job\nid"}, ["job_id", "not a valid"]),
    ("pd-non-ascii", PD, {"job_id": "jöb-ü"}, ["job_id", "not a valid"]),
    ("pd-id-and-ids", PD, {"job_id": "a", "job_ids": ["b"]}, ["mutually exclusive"]),
    ("pd-device-traversal", PD, {"device_id": "dev/../x"}, ["device_id"]),
    ("pd-negative-timeout", PD, {"job_id": "job-1", "wait": True, "wait_timeout": -5}, ["wait_timeout"]),
    ("pd-negative-sleep", PD, {"job_id": "job-1", "wait": True, "wait_sleep": -1}, ["wait_sleep"]),
    ("pd-encoded-dot-dot-upper", PD, {"job_id": "%2E%2E"}, ["job_id", "percent-encoded"]),
    ("pd-double-encoded-slash", PD, {"job_ids": ["job-1", "%252fetc"]}, ["job_ids", "percent-encoded"]),
    ("pd-device-encoded-backslash", PD, {"device_id": "dev%5cx%5Cy"}, ["device_id", "percent-encoded"]),
    ("pi-space-in-list", PI, {"job_ids": ["ok-1", "bad id"]}, ["job_ids", "not a valid"]),
    ("pi-nul", PI, {"job_id": "job\u0000id"}, ["job_id"]),
    ("pi-tab", PI, {"job_id": "job\tid"}, ["job_id", "not a valid"]),
    ("pi-empty-list", PI, {"job_ids": []}, ["job_ids", "at least one"]),
    ("pi-encoded-question", PI, {"job_id": "job%3Fx=1"}, ["job_id", "percent-encoded"]),
    ("pi-encoded-hash", PI, {"job_ids": ["job%23frag"]}, ["job_ids", "percent-encoded"]),
    ("pi-triple-encoded-dot", PI, {"job_id": "%25252e%25252e"}, ["job_id", "percent-encoded"]),
    ("br-slash", BR, {"report_job_id": "a/b"}, ["report_job_id", "not a valid"]),
    ("br-date-not-a-date", BR, {"created_after": "yesterday"}, ["created_after", "iso 8601"]),
    ("br-status-not-a-choice", BR, {"status": "DONE"}, ["status"]),
    ("br-id-and-filter", BR, {"report_job_id": "r1", "status": "FAILED"}, ["cannot be combined"]),
    ("br-plan-traversal", BR, {"report_plan_name": "../plan"}, ["report_plan_name", "not a valid"]),
    ("br-dates-reversed", BR, {"created_after": "2025-02-01", "created_before": "2025-01-01"}, ["earlier"]),
    ("br-over-long-id", BR, {"report_job_id": "r" * 2000}, ["report_job_id", "bytes"]),
    ("br-encoded-dot-dot", BR, {"report_job_id": "%2e%2e"}, ["report_job_id", "percent-encoded"]),
    ("br-alias-encoded-backslash", BR, {"job_id": "a%5Cb"}, ["report_job_id", "percent-encoded"]),
    ("br-double-encoded-list", BR, {"job_ids": ["r-1", "%252E%252E%252F"]}, ["job_ids", "percent-encoded"]),
    ("br-encoded-mixed-case", BR, {"report_job_id": "%2e%2E%2f%2F"}, ["report_job_id", "percent-encoded"]),
    ("br-plan-encoded", BR, {"report_plan_name": "plan%2F..%2Fx"}, ["report_plan_name", "percent-encoded"]),
    ("hci-uri-not-arm", HCI, {"resource_uri": "not-an-arm-id", "job_name": "job-1"}, ["resource_uri"]),
    ("hci-uri-dot-dot", HCI, {"resource_uri": URI + "/../../x", "job_name": "job-1"}, ["resource_uri"]),
    ("hci-uri-encoded", HCI, {"resource_uri": URI.replace("/", "%2F"), "job_name": "job-1"}, ["resource_uri"]),
    ("hci-uri-wrong-type", HCI, {"resource_uri": URI.replace("HybridCompute/machines", "Compute/virtualMachines"),
                                 "job_name": "job-1"}, ["resource_uri"]),
    ("hci-uri-query", HCI, {"resource_uri": URI + "?api-version=1", "job_name": "job-1"}, ["resource_uri"]),
    ("hci-name-short", HCI, {"resource_uri": URI, "job_name": "ab"}, ["job_name", "3 to 24"]),
    ("hci-name-long", HCI, {"resource_uri": URI, "job_name": "j" * 25}, ["job_name", "3 to 24"]),
    ("hci-name-question", HCI, {"resource_uri": URI, "job_name": "job?x"}, ["job_name"]),
    ("hci-name-hash", HCI, {"resource_uri": URI, "job_names": ["job-1", "job#2"]}, ["job_names"]),
    ("hci-name-non-ascii", HCI, {"resource_uri": URI, "job_name": "jöb-1"}, ["job_name"]),
    ("hci-edge-traversal", HCI, {"resource_uri": URI, "job_name": "job-1", "edge_device_name": "../default"},
     ["edge_device_name"]),
    ("hci-api-version-word", HCI, {"resource_uri": URI, "job_name": "job-1", "api_version": "latest"},
     ["api_version", "yyyy-mm-dd"]),
    ("hci-api-version-bad-date", HCI, {"resource_uri": URI, "job_name": "job-1", "api_version": "2024-13-45"},
     ["api_version"]),
    ("hci-name-and-names", HCI, {"resource_uri": URI, "job_name": "job-1", "job_names": ["job-2"]},
     ["mutually exclusive"]),
    ("hci-negative-timeout", HCI, {"resource_uri": URI, "job_name": "job-1", "wait": True, "wait_timeout": -1},
     ["wait_timeout"]),
    ("bj-slash", BJ, {"backup_job_id": "a/b"}, ["backup_job_id", "not a valid"]),
    ("bj-hash-in-list", BJ, {"job_ids": ["ok-1", "b#2"]}, ["job_ids", "not a valid"]),
    ("bj-state-not-a-choice", BJ, {"state": "DONE"}, ["state"]),
    ("bj-vault-name", BJ, {"backup_vault_name": "bad vault!"}, ["backup_vault_name", "not a valid"]),
    ("bj-resource-not-an-arn", BJ, {"resource_arn": "orders-db"}, ["resource_arn", "not a valid"]),
    ("bj-id-and-filter", BJ, {"backup_job_id": "b1", "state": "FAILED"}, ["cannot be combined"]),
    ("bj-id-encoded", BJ, {"backup_job_id": "b%252e%252e"}, ["backup_job_id", "percent-encoded"]),
    ("rj-question-mark", RJ, {"restore_job_id": "r?x=1"}, ["restore_job_id", "?"]),
    ("rj-resource-type", RJ, {"resource_type": "SAP HANA"}, ["resource_type", "not a valid"]),
    ("rj-dates-reversed", RJ, {"created_after": "2025-02-01", "created_before": "2025-01-01"}, ["earlier"]),
    ("rj-negative-sleep", RJ, {"restore_job_id": "r1", "wait": True, "wait_sleep": -1}, ["wait_sleep"]),
    ("cj-slash", CJ, {"copy_job_id": "a/b"}, ["copy_job_id", "not a valid"]),
    ("cj-encoded-in-list", CJ, {"job_ids": ["c-1", "c%2e%2e"]}, ["job_ids", "percent-encoded"]),
    ("cj-state-not-a-choice", CJ, {"state": "ABORTED"}, ["state"]),
    ("cj-destination-not-an-arn", CJ, {"destination_vault_arn": "dr-vault"}, ["destination_vault_arn", "not a valid"]),
    ("cj-parent-traversal", CJ, {"parent_job_id": "../x"}, ["parent_job_id"]),
    ("cj-id-and-filter", CJ, {"copy_job_id": "c1", "state": "FAILED"}, ["cannot be combined"]),
    ("cj-dates-reversed", CJ, {"created_after": "2025-02-01", "created_before": "2025-01-01"}, ["earlier"]),
    ("sj-hash", SJ, {"scan_job_id": "s#1"}, ["scan_job_id", "#"]),
    ("sj-verdict-not-a-choice", SJ, {"scan_result_status": "CLEAN"}, ["scan_result_status"]),
    ("sj-resource-type", SJ, {"resource_type": "RDS"}, ["resource_type"]),
    ("sj-point-not-an-arn", SJ, {"recovery_point_arn": "snap-0abc"}, ["recovery_point_arn", "not a valid"]),
    ("sj-completed-not-a-date", SJ, {"completed_after": "last week"}, ["completed_after", "iso 8601"]),
    ("sj-created-is-not-an-option", SJ, {"created_after": "2025-01-01"}, ["created_after"]),
    ("hci-name-encoded", HCI, {"resource_uri": URI, "job_name": "job%2e%2e"}, ["job_name", "percent-encoded"]),
    ("hci-names-double-encoded", HCI, {"resource_uri": URI, "job_names": ["job-1", "job%252F1"]},
     ["job_names", "percent-encoded"]),
    ("hci-edge-encoded", HCI, {"resource_uri": URI, "job_name": "job-1", "edge_device_name": "%2E%2E"},
     ["edge_device_name", "percent-encoded"]),
    ("hci-uri-double-encoded", HCI, {"resource_uri": URI + "%252e%252e", "job_name": "job-1"},
     ["resource_uri", "percent-encoded"]),
    # '.' (a segment that paths resolve away), white space at either end and control characters, quoted repr-style
    ("br-dot", BR, {"report_job_id": "."}, ["report_job_id", "'.'", "relative path segment"]),
    ("br-trailing-space", BR, {"report_job_id": "r-1 "}, ["report_job_id", "'r-1 '", "white space"]),
    ("br-list-leading-tab", BR, {"job_ids": ["r-1", "\tr-2"]}, ["job_ids", "'\\tr-2'"]),
    ("br-plan-trailing-space", BR, {"report_plan_name": "plan_a "}, ["report_plan_name", "'plan_a '", "white space"]),
    ("bj-dot", BJ, {"backup_job_id": "."}, ["backup_job_id", "'.'"]),
    ("bj-leading-space", BJ, {"backup_job_id": " b-1"}, ["backup_job_id", "' b-1'", "white space"]),
    ("rj-dot-in-list", RJ, {"job_ids": ["r-1", "."]}, ["job_ids", "'.'"]),
    ("rj-del-char", RJ, {"restore_job_id": "r-1\x7f"}, ["restore_job_id", "'r-1\\x7f'", "control"]),
    ("pd-trailing-space", PD, {"job_id": "job-1 "}, ["job_id", "'job-1 '"]),
    ("hci-uri-dot-machine", HCI, {"resource_uri": URI[:-2] + ".", "job_name": "job-1"}, ["resource_uri", "'.'"]),
    ("hci-uri-trailing-space", HCI, {"resource_uri": URI + " ", "job_name": "job-1"}, ["resource_uri", "m1 '"]),
    ("hci-name-trailing-space", HCI, {"resource_uri": URI, "job_name": "job-1 "}, ["job_name", "'job-1 '"]),
    ("role-br-trailing-space", "role", {"wait_for_job_kind": BR, "wait_for_job_id": "r-1 "}, ["'r-1 '"]),
    # modules that start jobs
    ("start-pd-device-traversal", "jobgate.cloud.panorama_device_job",
     {"device_ids": ["../device"], "job_type": "REBOOT"}, ["device_ids"]),
    ("start-pd-ota-without-version", "jobgate.cloud.panorama_device_job",
     {"device_ids": ["device-1"], "job_type": "OTA"}, ["image_version"]),
    ("start-pd-device-encoded", "jobgate.cloud.panorama_device_job",
     {"device_ids": ["device-1", "%2e%2e%2fdevice"], "job_type": "REBOOT"}, ["device_ids", "percent-encoded"]),
    ("start-br-empty-plan", "jobgate.cloud.backup_report_job", {"report_plan_name": ""}, ["report_plan_name"]),
    ("start-br-plan-encoded", "jobgate.cloud.backup_report_job", {"report_plan_name": "%2e%2e"},
     ["report_plan_name", "percent-encoded"]),
    ("start-pi-bucket-traversal", "jobgate.cloud.panorama_package_import_job",
     {"job_type": "NODE_PACKAGE_VERSION",
      "input_config": {"s3_location": {"bucket_name": "../bucket", "object_key": "m.json", "region": "us-east-1"}},
      "output_config": {"package_name": "pkg", "package_version": "1.0"}}, ["bucket_name"]),
    ("start-pi-package-encoded", "jobgate.cloud.panorama_package_import_job",
     {"job_type": "NODE_PACKAGE_VERSION",
      "input_config": {"s3_location": {"bucket_name": "bucket", "object_key": "m.json", "region": "us-east-1"}},
      "output_config": {"package_name": "pkg%252e%252e", "package_version": "1.0"}},
     ["package_name", "percent-encoded"]),
    ("start-hci-from-date", "jobgate.cloud.hci_edge_device_job",
     {"resource_uri": URI, "job_name": "collect-1", "job_type": "CollectLog", "from_date": "not a date",
      "to_date": "2025-01-02T00:00:00Z"}, ["from_date"]),
    ("start-hci-name-hash", "jobgate.cloud.hci_edge_device_job",
     {"resource_uri": URI, "job_name": "col#1", "job_type": "CollectLog", "from_date": "2025-01-01T00:00:00Z",
      "to_date": "2025-01-02T00:00:00Z"}, ["job_name"]),
    ("start-bj-role-arn", "jobgate.cloud.backup_job", dict(BACKUP_ARGS, iam_role_arn="admin"), ["iam_role_arn"]),
    ("start-bj-start-window", "jobgate.cloud.backup_job", dict(BACKUP_ARGS, start_window_minutes=30),
     ["start_window_minutes", "60"]),
    ("start-bj-lifecycle", "jobgate.cloud.backup_job",
     dict(BACKUP_ARGS, lifecycle={"move_to_cold_storage_after_days": 30, "delete_after_days": 60}),
     ["delete_after_days", "90 days"]),
    ("start-bj-backup-option", "jobgate.cloud.backup_job", dict(BACKUP_ARGS, backup_options={"Windows VSS": "on"}),
     ["backup_options"]),
    ("start-bj-empty-token", "jobgate.cloud.backup_job", dict(BACKUP_ARGS, idempotency_token=""),
     ["idempotency_token"]),
    ("start-rj-point-not-an-arn", "jobgate.cloud.restore_job", dict(RESTORE_ARGS, recovery_point_arn="snap-0123"),
     ["recovery_point_arn"]),
    ("start-rj-metadata-nested", "jobgate.cloud.restore_job",
     dict(RESTORE_ARGS, metadata={"MasterUserPassword": {"v": "nested-secret-1"}}), ["metadata"]),
    ("start-rj-resource-type", "jobgate.cloud.restore_job", dict(RESTORE_ARGS, resource_type="rds/aurora"),
     ["resource_type"]),
    ("start-cj-destination-not-an-arn", "jobgate.cloud.copy_job",
     dict(COPY_ARGS, destination_backup_vault_arn="dr-vault"), ["destination_backup_vault_arn"]),
    ("start-cj-vault-name", "jobgate.cloud.copy_job", dict(COPY_ARGS, source_backup_vault_name="a b"),
     ["source_backup_vault_name"]),
    ("start-cj-lifecycle", "jobgate.cloud.copy_job",
     dict(COPY_ARGS, lifecycle={"move_to_cold_storage_after_days": 30, "delete_after_days": 60}),
     ["delete_after_days", "90 days"]),
    ("start-cj-role-arn", "jobgate.cloud.copy_job", dict(COPY_ARGS, iam_role_arn="admin"), ["iam_role_arn"]),
    ("start-sj-incremental-without-base", "jobgate.cloud.scan_job", dict(SCAN_ARGS, scan_mode="INCREMENTAL_SCAN"),
     ["scan_base_recovery_point_arn"]),
    ("start-sj-full-with-base", "jobgate.cloud.scan_job",
     dict(SCAN_ARGS, scan_base_recovery_point_arn="arn:aws:ec2:us-east-1::snapshot/snap-0def"),
     ["scan_base_recovery_point_arn", "INCREMENTAL_SCAN"]),
    ("start-sj-scanner-role", "jobgate.cloud.scan_job", dict(SCAN_ARGS, scanner_role_arn="arn:aws:iam::1:user/x"),
     ["scanner_role_arn"]),
    ("start-sj-scan-mode", "jobgate.cloud.scan_job", dict(SCAN_ARGS, scan_mode="DEEP"), ["scan_mode"]),
    ("start-sj-token-control", "jobgate.cloud.scan_job", dict(SCAN_ARGS, idempotency_token="a\u0007b"),
     ["idempotency_token"]),
    ("start-hci-name-encoded", "jobgate.cloud.hci_edge_device_job",
     {"resource_uri": URI, "job_name": "col%2F1", "job_type": "CollectLog", "from_date": "2025-01-01T00:00:00Z",
      "to_date": "2025-01-02T00:00:00Z"}, ["job_name", "percent-encoded"]),
    ("hu-run-slash", HU, {"cluster_id": CLUSTER, "update_name": UPD, "run_name": "run/../x"}, ["run_name", "not a valid"]),
    ("hu-run-encoded", HU, {"cluster_id": CLUSTER, "update_name": UPD, "job_ids": ["r%2e%2e"]},
     ["run_names", "percent-encoded"]),
    ("hu-update-dot-dot", HU, {"cluster_id": CLUSTER, "update_name": ".."}, ["update_name"]),
    ("hu-update-space", HU, {"cluster_id": CLUSTER, "update_name": "Solution 12"}, ["update_name", "not a valid"]),
    ("hu-cluster-not-a-cluster", HU, {"cluster_id": URI, "update_name": UPD}, ["cluster_id", "not an azure local"]),
    ("hu-cluster-traversal", HU, {"cluster_id": CLUSTER + "/../c2", "update_name": UPD}, ["cluster_id"]),
    ("hu-cluster-query", HU, {"cluster_id": CLUSTER + "?api-version=1", "update_name": UPD}, ["cluster_id"]),
    ("hu-id-and-ids", HU, {"cluster_id": CLUSTER, "update_name": UPD, "run_name": "a", "run_names": ["b"]},
     ["mutually exclusive"]),
    ("start-hu-update-hash", "jobgate.cloud.hci_update", {"cluster_id": CLUSTER, "update_name": "Sol#1"},
     ["update_name"]),
    ("start-hu-cluster-encoded", "jobgate.cloud.hci_update", {"cluster_id": CLUSTER + "%2F..", "update_name": UPD},
     ["cluster_id", "percent-encoded"]),
    ("start-hu-api-version", "jobgate.cloud.hci_update", {"cluster_id": CLUSTER, "update_name": UPD,
                                                          "api_version": "latest"}, ["api_version"]),
    # the role
    ("role-kind-unknown", "role", {"wait_for_job_kind": "nope", "wait_for_job_id": "job-1"}, ["wait_for_job_kind"]),
    ("role-no-ids", "role", {"wait_for_job_kind": PD}, ["at least one job"]),
    ("role-negative-timeout", "role", {"wait_for_job_kind": PD, "wait_for_job_id": "job-1",
                                       "wait_for_job_timeout": -5}, ["wait_for_job_timeout"]),
    ("role-hci-without-uri", "role", {"wait_for_job_kind": HCI, "wait_for_job_id": "job-1"},
     ["wait_for_job_resource_uri"]),
    ("role-id-hash", "role", {"wait_for_job_kind": PD, "wait_for_job_ids": ["job#1"]}, ["job_ids"]),
    ("role-backup-job-hash", "role", {"wait_for_job_kind": BJ, "wait_for_job_ids": ["b#1"]}, ["job_ids"]),
    ("role-restore-job-slash", "role", {"wait_for_job_kind": RJ, "wait_for_job_id": "r/1"}, ["job_ids"]),
    ("role-copy-job-slash", "role", {"wait_for_job_kind": CJ, "wait_for_job_id": "c/1"}, ["job_ids"]),
    ("role-scan-job-encoded", "role", {"wait_for_job_kind": SJ, "wait_for_job_ids": ["s%2F1"]},
     ["job_ids", "percent-encoded"]),
    ("role-hci-uri-traversal", "role", {"wait_for_job_kind": HCI, "wait_for_job_id": "job-1",
                                        "wait_for_job_resource_uri": URI + "/.."}, ["resource_uri"]),
    ("role-id-encoded", "role", {"wait_for_job_kind": BR, "wait_for_job_id": "%2e%2e"},
     ["job_ids", "percent-encoded"]),
    ("role-update-run-without-cluster", "role", {"wait_for_job_kind": "hci_update_run", "wait_for_job_id": "r-1",
                                                 "wait_for_job_update_name": UPD}, ["wait_for_job_cluster_id"]),
    ("role-update-run-hash", "role", {"wait_for_job_kind": "hci_update_run", "wait_for_job_id": "r#1",
                                      "wait_for_job_cluster_id": CLUSTER, "wait_for_job_update_name": UPD}, ["run_names"]),
    ("role-hci-edge-encoded", "role", {"wait_for_job_kind": HCI, "wait_for_job_id": "job-1",
                                       "wait_for_job_resource_uri": URI, "wait_for_job_edge_device_name": "%5c%5C"},
     ["edge_device_name", "percent-encoded"]),
]


# The bad cases send nothing and change no state, so they run as this many ansible-playbook processes at once (a
# module's start-up is what each case costs); the control case runs after all of them.
CONCURRENT_RUNS = 3


def _run_table(workdir: Path) -> dict:
    from harness import EmulatorProcess, run_playbook

    emu = EmulatorProcess(workdir / "emulator")
    try:
        home = workdir / "home"
        home.mkdir()
        ok_uri = machine_uri(emu, machine="control")
        emu.admin("POST", "/jobs", {"kind": "hci_edge_device", "resource_uri": ok_uri, "name": "control-1"})
        cases = [{"id": cid, "module": module, "args": args} for cid, module, args, _words in CASES]
        # Role cases talk to the AWS endpoint through the role's own aws dict, as users do.
        for case in cases:
            if case["module"] == "role":
                case["args"] = dict(case["args"], wait_for_job_aws={"endpoint_url": emu.aws_endpoint},
                                    wait_for_job_delay=1)

        def run(name: str, part: list) -> t.Any:
            result = run_playbook(case_playbook(part), emulator=emu, env={"HOME": str(home)}, timeout=300,
                                  out_dir=workdir / name)
            assert result.rc == 0, result.tail()
            return result

        with ThreadPoolExecutor(CONCURRENT_RUNS) as pool:
            runs = list(pool.map(run, [f"run{i}" for i in range(CONCURRENT_RUNS)],
                                 [cases[i::CONCURRENT_RUNS] for i in range(CONCURRENT_RUNS)]))
        runs.append(run("control", [{"id": "control", "module": HCI,
                                     "args": {"resource_uri": ok_uri, "job_name": "control-1"}}]))
        log = emu.requests()
        output = "".join(result.output for result in runs)
        leaked = [s for s in emu.secrets() if s in output]
        return {"cases": {cid: case for result in runs for cid, case in result.result("cases").items()},
                "log": log, "leaked": len(leaked)}
    finally:
        emu.stop()


@pytest.fixture(scope="module")
def bad_input_run(tmp_path_factory):
    """One emulator and one ansible-playbook run for the whole table, shared by the xdist workers through a file
    under their common base temp directory (the cases change no state)."""
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's base is a child of the session's; without it the parent is shared by every session.
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "jobgate-bad-input"
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "result.json"
        if not done.exists():
            workdir = Path(tempfile.mkdtemp(dir=shared))
            done.write_text(json.dumps(_run_table(workdir)))
        return json.loads(done.read_text())


@pytest.mark.parametrize("cid,module,args,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_fails_clearly_before_any_request(bad_input_run, cid, module, args, words):
    cases, log = bad_input_run["cases"], bad_input_run["log"]
    out = cases[cid]["result"]
    assert out.get("failed") is True, out
    msg = str(out.get("msg") or "")
    assert msg and "Traceback" not in msg, out
    for word in words:
        assert word.lower() in msg.lower(), f"{word!r} not in {msg!r}"
    if "error" in out:   # ours (AnsibleModule's own type/choice checks have no error block)
        assert out["error"]["code"] == "ValidationError" and out["error"]["retryable"] is False, out
    assert requests_between(log, cases[cid]["t0"], cases[cid]["t1"]) == [], "a request was sent for bad input"


def test_no_request_before_the_control_case_and_the_control_reaches_the_emulator(bad_input_run):
    cases, log = bad_input_run["cases"], bad_input_run["log"]
    control = cases["control"]
    assert not control["result"].get("failed"), control["result"]
    assert control["result"]["job"]["name"] == "control-1"
    from reliability_support import epoch
    assert log and all(epoch(r["time"]) >= control["t0"] - 0.05 for r in log), log[:3]
    assert len(CASES) >= 30
    assert bad_input_run["leaked"] == 0
