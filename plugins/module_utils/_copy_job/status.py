# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Backup copy jobs in the contract's state vocabulary."""
from __future__ import annotations

from ansible_collections.jobgate.cloud.plugins.module_utils._backup.status import job_block
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import by_state

PROVIDER = "copy_job"
# The contract's status table (the model's CopyJobState). Anything not listed is "unknown", which is not terminal.
# PARTIAL is a failure for a gate: a parent job some of whose copies did not complete.
STATUS = by_state(pending=("CREATED",), running=("RUNNING",), succeeded=("COMPLETED",), failed=("FAILED", "PARTIAL"))


def unwrap(raw: dict) -> dict:
    # DescribeCopyJob wraps the job; accept the whole response as well as the inner CopyJob (a list entry).
    return raw["CopyJob"] if isinstance(raw.get("CopyJob"), dict) else raw


def normalize(raw: dict) -> dict:
    # A copy job has no PercentDone: percent_complete stays null.
    return job_block(PROVIDER, STATUS, raw, "CopyJobId", "State")
