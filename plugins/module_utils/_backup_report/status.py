# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Backup report jobs in the contract's state vocabulary."""
from __future__ import annotations

from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import text_or_none
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import by_state, normalized_block, table_state

PROVIDER = "backup_report"
# The contract's status table. Anything not listed is "unknown", which is not terminal.
STATUS = by_state(pending=("CREATED",), running=("RUNNING",), succeeded=("COMPLETED",), failed=("FAILED",))


def unwrap(raw: dict) -> dict:
    # DescribeReportJob wraps the job; accept the whole response as well as the inner ReportJob.
    return raw["ReportJob"] if isinstance(raw.get("ReportJob"), dict) else raw


def normalize(raw: dict) -> dict:
    native, state = table_state(STATUS, raw.get("Status"))
    completed = raw.get("CompletionTime")
    # ReportJob has no separate update time; its completion is its last change.
    return normalized_block(PROVIDER, raw.get("ReportJobId"), native, state,
                            message=text_or_none(raw.get("StatusMessage")), created=raw.get("CreationTime"),
                            updated=completed, finished=completed)
