# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure Local (Azure Stack HCI) update runs in the contract's state vocabulary."""
from __future__ import annotations

from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import as_dict, text_or_none
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import by_state, normalized_block

PROVIDER = "hci_update_run"
# The contract's status table over properties.state. ARM enum values compare case-insensitively (ARM's own rule),
# so the keys are lower case. "Unknown", and a run without a state, are "unknown": not terminal.
STATUS = by_state(running=("inprogress",), succeeded=("succeeded",), failed=("failed",))
# The step tree is the service's; a depth bound keeps a hostile answer from recursing without end.
_MAX_DEPTH = 64


def run_state(props: dict) -> tuple:
    native = text_or_none(props.get("state"))
    return native, STATUS.get(native.lower(), "unknown") if native else "unknown"


def _deepest_error(step: dict, depth: int = 0) -> tuple:
    """(depth, errorMessage) of the most deeply nested non-empty errorMessage under ``step`` (itself included);
    the first such in document order among equals. (-1, None) when there is none."""
    best: tuple = (-1, None)
    if depth > _MAX_DEPTH:
        return best
    own = step.get("errorMessage")
    if isinstance(own, str) and text_or_none(own):
        best = (depth, text_or_none(own))
    children = step.get("steps")
    for child in children if isinstance(children, list) else ():
        if isinstance(child, dict):
            found = _deepest_error(child, depth + 1)
            if found[0] > best[0]:   # strictly deeper: an equal depth later in the document does not win
                best = found
    return best


def root_cause(progress) -> str | None:
    """The root cause of a run's failure: the most deeply nested non-empty errorMessage of its step tree."""
    return _deepest_error(progress)[1] if isinstance(progress, dict) else None


def run_name(raw: dict) -> str | None:
    """The run's name as its URL has it: the last segment of its id (the resource name may read update/run)."""
    rid = raw.get("id")
    if isinstance(rid, str) and text_or_none(rid.rstrip("/")):
        return rid.rstrip("/").rsplit("/", 1)[-1]
    name = text_or_none(raw.get("name"))
    return name.rsplit("/", 1)[-1] if name else None


def normalize(raw: dict) -> dict:
    props = as_dict(raw.get("properties"))
    progress = as_dict(props.get("progress"))
    native, state = run_state(props)
    # finished_at is the step tree's end, and only once the run is terminal (normalized_block drops it before).
    return normalized_block(PROVIDER, run_name(raw), native, state, message=root_cause(progress),
                            created=props.get("timeStarted"), updated=props.get("lastUpdatedTime"),
                            finished=progress.get("endTimeUtc"))
