# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The normalized block of an AWS Backup backup or restore job: both carry the same progress and time fields."""
from __future__ import annotations

from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import percent_or_none, text_or_none
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import normalized_block, table_state


def job_block(provider: str, table: dict, raw: dict, id_key: str, status_key: str) -> dict:
    native, state = table_state(table, raw.get(status_key))
    completed = raw.get("CompletionDate")
    # PercentDone is a decimal string ("37.5"); rounded down, so a job at 99.9 never reads as 100.
    # The jobs have no separate update time; their completion is their last change.
    return normalized_block(provider, raw.get(id_key), native, state,
                            percent=percent_or_none(raw.get("PercentDone"), floor=True),
                            message=text_or_none(raw.get("StatusMessage")), created=raw.get("CreationDate"),
                            updated=completed, finished=completed)
