# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Backup malware scan jobs in the contract's state vocabulary.

A scan gates a restore, so its verdict is part of its state: a COMPLETED scan succeeds only when
``ScanResult.ScanResultStatus`` is NO_THREATS_FOUND. THREATS_FOUND, UNKNOWN or no ScanResult at all is a failure
for the gate, and ``message`` says which (with the API's StatusMessage where there is one).
"""
from __future__ import annotations

from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import text_or_none
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import by_state, normalized_block, table_state

PROVIDER = "scan_job"
CLEAN = "NO_THREATS_FOUND"
# The contract's status table (the model's ScanState). COMPLETED is "succeeded" only with a clean verdict (see
# normalize). Anything not listed is "unknown", which is not terminal.
STATUS = by_state(pending=("CREATED",), running=("RUNNING",), succeeded=("COMPLETED",),
                  failed=("COMPLETED_WITH_ISSUES", "FAILED"), canceled=("CANCELED",))
VERDICTS = {
    "THREATS_FOUND": "The scan completed and found threats (ScanResultStatus THREATS_FOUND).",
    "UNKNOWN": "The scan completed without a verdict (ScanResultStatus UNKNOWN): the recovery point is not known "
               "to be clean.",
}
NO_VERDICT = "The scan completed without a ScanResult: the recovery point is not known to be clean."


def verdict(raw: dict) -> str | None:
    """The scan's ScanResultStatus, or None when it has no ScanResult."""
    result = raw.get("ScanResult")
    return text_or_none(result.get("ScanResultStatus")) if isinstance(result, dict) else None


def normalize(raw: dict) -> dict:
    native, state = table_state(STATUS, raw.get("State"))
    message = text_or_none(raw.get("StatusMessage"))
    if native == "COMPLETED":
        found = verdict(raw)
        if found != CLEAN:
            state = "failed"
            why = VERDICTS.get(found or "") or (NO_VERDICT if found is None else
                                                f"The scan completed with ScanResultStatus {found}, not {CLEAN}.")
            message = f"{why} {message}" if message else why
    completed = raw.get("CompletionDate")
    # A scan job has no PercentDone and no separate update time; its completion is its last change.
    return normalized_block(PROVIDER, raw.get("ScanJobId"), native, state, message=message,
                            created=raw.get("CreationDate"), updated=completed, finished=completed)
