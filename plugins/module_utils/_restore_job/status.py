# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Backup restore jobs in the contract's state vocabulary."""
from __future__ import annotations

from ansible_collections.jobgate.cloud.plugins.module_utils._backup.status import job_block
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import by_state

PROVIDER = "restore_job"
# The contract's status table. Anything not listed is "unknown", which is not terminal.
STATUS = by_state(pending=("PENDING",), running=("RUNNING",), succeeded=("COMPLETED",), failed=("FAILED",),
                  canceled=("ABORTED",))


def normalize(raw: dict) -> dict:
    return job_block(PROVIDER, STATUS, raw, "RestoreJobId", "Status")
