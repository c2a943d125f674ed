# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state vocabulary: API job objects -> the contract's job entries (snake_case keys plus one ``normalized``
block, the same for all kinds) and the ``summary``.

Each kind's status table and normalize function live in its package, ``_<provider>/status.py``; this module
finds them by the name the registry of kinds (``_core/kinds.py``) gives when first needed, so it imports no kind
(the kinds import it) and no import cycle forms.
"""
from __future__ import annotations

import importlib
import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._core import kinds
from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import as_dict, iso_utc, jsonable, snake_keys, text_or_none

PROVIDERS = kinds.NAMES  # the registry of kinds (_core/kinds.py)
STATES = ("pending", "running", "paused", "succeeded", "failed", "canceled", "unknown")
TERMINAL_STATES = frozenset(("succeeded", "failed", "canceled"))

_STATUS_MODULES: dict = {}  # provider -> its status module, once imported


def normalized_block(provider, job_id, native_status, state, percent=None, message=None, created=None, updated=None,
                     finished=None) -> dict:
    """The contract's ``normalized`` block from what a kind's status module read off its raw job."""
    terminal = state in TERMINAL_STATES
    return {
        "provider": provider,
        "job_id": text_or_none(job_id),
        "native_status": native_status,
        "state": state,
        "terminal": terminal,
        "succeeded": state == "succeeded",
        "percent_complete": percent,
        "message": message,
        "created_at": iso_utc(created),
        "updated_at": iso_utc(updated),
        # finished_at means "when it ended": null while the job is not terminal, whatever the API carries.
        "finished_at": iso_utc(finished) if terminal else None,
    }


def by_state(**natives: t.Iterable[str]) -> dict:
    """A kind's status table, {native status: contract state}, written one contract state a line:
    ``by_state(running=("RUNNING", "ABORTING"), ...)``. Rows differ from kind to kind; the way to write them does not.
    """
    for state in natives:
        if state not in STATES or state == "unknown":
            raise ValueError(f"{state!r} is not a state a status table maps to")
    return {native: state for state, names in natives.items() for native in names}


def table_state(table: dict, status: t.Any) -> tuple:
    """(native status, contract state) from a kind's status table; anything not listed is "unknown"."""
    native = text_or_none(status)
    return native, table.get(native, "unknown") if native else "unknown"


def _status_module(provider: str) -> t.Any:
    if provider not in PROVIDERS:
        raise ValueError(f"unknown provider {provider!r}; expected one of {', '.join(PROVIDERS)}")
    module = _STATUS_MODULES.get(provider)
    if module is None:
        # Every module that reads jobs of a kind imports that kind's source, which imports its status module, so
        # this import finds it in the payload (and in sys.modules).
        module = _STATUS_MODULES[provider] = importlib.import_module(kinds.KINDS[provider].status_module)
    return module


def _unwrap(provider: str, raw) -> dict:
    raw = as_dict(raw)
    unwrap = getattr(_status_module(provider), "unwrap", None)
    return unwrap(raw) if unwrap is not None else raw


def normalize(provider: str, raw: dict) -> dict:
    """The contract's ``normalized`` block for one raw API job (native casing)."""
    return _status_module(provider).normalize(_unwrap(provider, raw))


def job_entry(provider: str, raw: dict) -> dict:
    """One item of ``jobs``: the API's job in snake_case (ResponseMetadata dropped) plus ``normalized``."""
    inner = _unwrap(provider, raw)
    entry = jsonable(snake_keys(inner))
    entry["normalized"] = normalize(provider, inner)
    return entry


def job_state(block: dict, *, kind: bool = False) -> str:
    """"job-1 running (IN_PROGRESS, 40%)": a normalized job's state with the API's own status and percent, if any;
    the one form of that line, in the modules' timeout message and the role's progress and failure lines."""
    extra = [str(block["native_status"])] if block.get("native_status") else []
    if block.get("percent_complete") is not None:
        extra.append(f"{block['percent_complete']}%")
    text = f"{block.get('job_id') or '(a job without an id)'} {block.get('state')}"
    text += f" ({', '.join(extra)})" if extra else ""
    return f"{block.get('provider')} {text}" if kind else text


def summarize(entries: list, *, nothing_to_do: bool = False) -> dict:
    """The contract's ``summary`` from entries (or bare normalized blocks).

    With no jobs at all, all_terminal and all_succeeded are false: for an info module "every job is done" over
    nothing would open a gate on a selection that found nothing. A start module whose every target is already where
    the task asks (``nothing_to_do``: no job started, found or to start) reports them true instead: nothing is left
    to wait for, and a rerun of "start, wait, assert all_succeeded" must pass.
    """
    counts = dict.fromkeys(STATES, 0)
    for entry in entries:
        block = entry.get("normalized", entry) if isinstance(entry, dict) else {}
        state = block.get("state") if isinstance(block, dict) else None
        counts[state if state in counts else "unknown"] += 1
    total = len(entries)
    terminal = sum(counts[s] for s in TERMINAL_STATES)
    summary = {"total": total}
    summary.update(counts)
    settled = total == 0 and nothing_to_do
    summary.update({
        "all_terminal": settled or (total > 0 and terminal == total),
        "all_succeeded": settled or (total > 0 and counts["succeeded"] == total),
        "any_failed": counts["failed"] > 0,
    })
    return summary
