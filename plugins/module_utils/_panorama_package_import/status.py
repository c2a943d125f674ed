# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Panorama package import jobs in the contract's state vocabulary."""
from __future__ import annotations

from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import text_or_none
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import by_state, normalized_block, table_state

PROVIDER = "panorama_package_import"
# The contract's status table. Anything not listed is "unknown", which is not terminal.
STATUS = by_state(pending=("PENDING",), succeeded=("SUCCEEDED",), failed=("FAILED",))


def normalize(raw: dict) -> dict:
    native, state = table_state(STATUS, raw.get("Status"))
    updated = raw.get("LastUpdatedTime")
    # The last update of a finished import is the moment it finished.
    return normalized_block(PROVIDER, raw.get("JobId"), native, state, message=text_or_none(raw.get("StatusMessage")),
                            created=raw.get("CreatedTime"), updated=updated, finished=updated)
