# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure Stack HCI edge device jobs in the contract's state vocabulary."""
from __future__ import annotations

from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import as_dict, percent_or_none, text_or_none
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import by_state, normalized_block

PROVIDER = "hci_edge_device"
# The contract's status table. ARM enum values compare case-insensitively (ARM's own rule), so these keys are lower
# case. Anything not listed is "unknown", which is not terminal. ValidationSuccess is not here: its meaning depends
# on deploymentMode.
STATUS = by_state(pending=("scheduled",), running=("validationinprogress", "deploymentinprogress"), paused=("paused",),
                  succeeded=("succeeded", "deploymentsuccess"),
                  failed=("failed", "validationfailed", "deploymentfailed"), canceled=("canceled",))
# A job without properties.status: the resource's provisioningState only tells us about failures and work under way;
# Succeeded just means the resource exists, so the job's own outcome stays unknown.
_HCI_PROVISIONING = {
    "failed": "failed",
    "canceled": "canceled",
    "accepted": "running",
    "provisioning": "running",
    "updating": "running",
}


def _hci_state(props: dict) -> tuple:
    native = text_or_none(props.get("status"))
    if native is None:
        prov = text_or_none(props.get("provisioningState"))
        return None, _HCI_PROVISIONING.get(prov.lower(), "unknown") if prov else "unknown"
    key = native.lower()
    if key == "validationsuccess":
        # Validate mode ends at validation; Deploy mode (the API's default, also when the mode is absent) goes on.
        mode = (text_or_none(props.get("deploymentMode")) or "Deploy").lower()
        return native, "succeeded" if mode == "validate" else "running"
    return native, STATUS.get(key, "unknown")


def _step_exception(steps, depth: int = 0) -> str | None:
    # Depth-first, in the API's order: a step's own exception, then its nested steps.
    if not isinstance(steps, list) or depth > 32:
        return None
    for step in steps:
        if not isinstance(step, dict):
            continue
        exc = step.get("exception")
        for text in (exc if isinstance(exc, list) else [exc]):
            found = text_or_none(text) if isinstance(text, str) else None
            if found:
                return found
        found = text_or_none(step.get("errorMessage")) if isinstance(step.get("errorMessage"), str) else None
        if found:
            return found
        found = _step_exception(step.get("steps"), depth + 1)
        if found:
            return found
    return None


def _hci_message(reported: dict) -> str | None:
    for key in ("validationStatus", "deploymentStatus"):
        found = _step_exception(as_dict(reported.get(key)).get("steps"))
        if found:
            return found
    # RemoteSupport jobs: one node settings object (list in some api versions).
    settings = reported.get("nodeSettings")
    for item in (settings if isinstance(settings, list) else [settings]):
        found = text_or_none(as_dict(item).get("connectionErrorMessage"))
        if found:
            return found
    return None


def normalize(raw: dict) -> dict:
    props = as_dict(raw.get("properties"))
    system = as_dict(raw.get("systemData"))
    reported = as_dict(props.get("reportedProperties"))
    native, state = _hci_state(props)
    job_id = raw.get("name")
    if not text_or_none(job_id) and isinstance(raw.get("id"), str):
        job_id = raw["id"].rstrip("/").rsplit("/", 1)[-1]
    created = system.get("createdAt") or props.get("startTimeUtc")
    return normalized_block(PROVIDER, job_id, native, state, percent=percent_or_none(reported.get("percentComplete")),
                            message=_hci_message(reported), created=created, updated=system.get("lastModifiedAt"),
                            finished=props.get("endTimeUtc"))
