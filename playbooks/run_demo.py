"""Run playbooks/demo.yml against a running emulator (what `make demo` does after `python -m emulator start`).

Usage: python playbooks/run_demo.py --state-file .build/emulator-demo.json [-v]

Credentials go into the environment the way AWX's "Amazon Web Services" and "Microsoft Azure Resource Manager"
credential types inject them; endpoints, region and subscription go in as extra vars. Exits 0 when the demo
behaved as designed: every job but the failing Backup report succeeded, the release step was held back naming
that job, and the content volume was restored from the recovery point its malware scan found clean.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The demo runs from a checkout, beside the emulator that `make demo` starts: its package says what AWX injects.
sys.path.insert(0, str(HERE.parent))
from emulator.env import awx_credentials  # noqa: E402  pylint: disable=wrong-import-position


def environment(state: dict) -> dict:
    env = dict(os.environ)
    # Keep the machine's own cloud settings out of the demo: only what AWX would inject.
    for name in list(env):
        if name.startswith(("AWS_", "AZURE_")):
            del env[name]
    env.update(awx_credentials(state))
    env.update({
        "AWS_EC2_METADATA_DISABLED": "true",
        "ANSIBLE_FORCE_COLOR": env.get("ANSIBLE_FORCE_COLOR", "1" if sys.stdout.isatty() else "0"),
    })
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-file", required=True, type=Path)
    parser.add_argument("--playbook", type=Path, default=HERE / "demo.yml")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    args = parser.parse_args()
    state = json.loads(args.state_file.read_text())
    playbook_bin = shutil.which("ansible-playbook") or str(Path(sys.executable).parent / "ansible-playbook")
    with tempfile.TemporaryDirectory(prefix="jobgate-demo-") as tmp:
        outcome_file = Path(tmp) / "outcome.json"
        extra = {"demo_aws_endpoint_url": state["aws_endpoint"], "demo_aws_region": state["aws"]["region"],
                 "demo_subscription_id": state["azure"]["subscription_id"], "demo_outcome_file": str(outcome_file)}
        cmd = [playbook_bin, "-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}",
               "-e", json.dumps(extra), str(args.playbook)]
        if args.verbose:
            cmd.append("-" + "v" * args.verbose)
        print("demo: one job (the AWS Backup report) fails on purpose, so the release is held back: the red "
              "`fatal: ... FAILED!` halfway is expected, the play rescues it and reports it at the end.", flush=True)
        proc = subprocess.run(cmd, env=environment(state), check=False)
        if proc.returncode != 0 or not outcome_file.exists():
            print(f"demo: ansible-playbook failed (rc={proc.returncode})", file=sys.stderr)
            return proc.returncode or 1
        outcome = json.loads(outcome_file.read_text())
    # the kinds of the jobs that did not succeed, in the order the gate read them
    failed = list(dict.fromkeys(job["normalized"]["provider"] for job in outcome["result"].get("jobs", [])
                                if job["normalized"]["state"] != "succeeded"))
    print()
    if outcome["deployed"]:
        print("demo: every job succeeded and the release was deployed (expected the Backup report to fail)")
        return 1
    print(f"demo: release held back by {', '.join(failed)}:")
    for failure in outcome["failures"]:
        print(f"  {failure}")
    restored = [job for job in outcome.get("restore", []) if job["state"] == "succeeded"]
    print(f"demo: content volume restored from its clean recovery point: {', '.join(j['job_id'] for j in restored)}"
          if restored else "demo: the content volume was NOT restored (its scan was not clean, or the restore failed)")
    as_designed = (failed == ["backup_report"] and len(outcome["failures"]) == 1
                   and outcome["result"]["summary"]["all_terminal"] and len(restored) == 1)
    print("demo: gated as designed" if as_designed else "demo: NOT as designed (see above)")
    return 0 if as_designed else 1


if __name__ == "__main__":
    sys.exit(main())
