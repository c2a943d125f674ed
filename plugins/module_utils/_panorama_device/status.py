# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Panorama device jobs in the contract's state vocabulary."""
from __future__ import annotations

from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import by_state, normalized_block, table_state

PROVIDER = "panorama_device"
# The contract's status table. Anything not listed is "unknown", which is not terminal.
STATUS = by_state(pending=("PENDING",), running=("IN_PROGRESS", "DOWNLOADING", "VERIFYING", "REBOOTING"),
                  succeeded=("COMPLETED",), failed=("FAILED",))


def normalize(raw: dict) -> dict:
    native, state = table_state(STATUS, raw.get("Status"))
    # DescribeDeviceJob has no progress, message, update or end time: only CreatedTime. finished_at therefore stays
    # null even for a finished job (no time the API gives says when it ended).
    return normalized_block(PROVIDER, raw.get("JobId"), native, state, created=raw.get("CreatedTime"))
