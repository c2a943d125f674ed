# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wait_for_job role's decisions, as plain functions its filter plugins call (plugins/filter/wait_for_job.py).

The role runs one loop: each item is one poll, one run of one kind's info module for the jobs of one group (a kind
and the location its jobs are at) still open. Groups are read in the order given; the next group's jobs are read
once the current group's are all terminal. Everything a poll needs (module, ids, budget) and whether the loop is
over are derived from the plan and the previous poll's registered result only, with the time passed in, so that a
decision does not depend on when a template happens to be evaluated.
"""
from __future__ import annotations

import math
import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._core.kinds import KINDS
from ansible_collections.jobgate.cloud.plugins.module_utils._core.states import job_state, summarize

COLLECTION = "jobgate.cloud"
# A poll's budget is the delay, but at least this, so that a module started on a busy machine still has time to read.
BUDGET_FLOOR = 5
# What the module returns when its wait ends with jobs still open: a read, not an error.
WAIT_TIMEOUT = "WaitTimeout"

# Location options (registry Kind.location_options) the role gives a default, and those it passes only when set
# (api_version also comes with the connection options); any other location option is required.
LOCATION_DEFAULTS = {"edge_device_name": "default"}
LOCATION_OPTIONAL = frozenset(("api_version",))


class PlanError(ValueError):
    """A selection the role cannot wait for; the message says what is wrong and what was given."""


def _ids(entry: dict) -> list:
    ids = list(entry.get("ids") or [])
    if entry.get("id"):
        ids.append(entry["id"])
    # unique, in the order given
    return [str(i) for i in dict.fromkeys(ids)]


def plan(selection: dict) -> dict:
    """The role's variables -> the groups to poll, each {kind, module, cloud, ids, location}.

    The plan holds no connection options (they may hold secrets, and the plan is a fact the role prints at -v);
    ``step`` adds them to the poll's module_defaults.

    ``selection`` holds the role's variables without their prefix: kind, ids, id, jobs, resource_uri,
    edge_device_name, aws, azure, timeout, delay. With ``jobs`` (a list of {kind, id or ids, location}) the
    single-kind variables give each entry's missing location options; without it they make the one entry.
    """
    timeout, delay = _int(selection, "timeout", 1800), _int(selection, "delay", 15)
    jobs = selection.get("jobs") or []
    if not isinstance(jobs, list) or not all(isinstance(j, dict) for j in jobs):
        raise PlanError("wait_for_job_jobs must be a list of mappings, each with a kind and an id or ids")
    if not jobs:
        jobs = [{"kind": selection.get("kind"), "ids": selection.get("ids"), "id": selection.get("id")}]
    problems = []
    if timeout < 0 or delay < 1:
        problems.append(f"a wait_for_job_timeout of 0 or more and a wait_for_job_delay of 1 or more seconds "
                        f"(got timeout={timeout}, delay={delay})")
    groups: dict = {}
    for number, entry in enumerate(jobs, 1):
        where = f"wait_for_job_jobs[{number}]: " if selection.get("jobs") else ""
        kind = entry.get("kind")
        if kind not in KINDS:
            problems.append(f"{where}a wait_for_job_kind of {', '.join(KINDS)} (got {kind!r})")
            continue
        declared = KINDS[kind]
        cloud, module, options = declared.cloud, declared.info_module, declared.location_options
        ids = _ids(entry)
        if not ids:
            problems.append(f"{where}at least one job in id or ids" if where else
                            "at least one job in wait_for_job_ids or wait_for_job_id")
        location = {}
        for name in options:
            value = entry.get(name) or selection.get(name) or LOCATION_DEFAULTS.get(name)
            if value:
                location[name] = value
            elif name not in LOCATION_OPTIONAL:
                problems.append(f"{where}wait_for_job_{name} for {kind} jobs")
        unknown = sorted(set(entry) - {"kind", "ids", "id"} - set(options))
        if unknown:
            problems.append(f"{where}no {', '.join(unknown)} for {kind} jobs")
        key = (kind, tuple(sorted(location.items())))
        group = groups.setdefault(key, {"kind": kind, "module": f"{COLLECTION}.{module}", "cloud": cloud, "ids": [],
                                        "location": location})
        group["ids"] += [i for i in ids if i not in group["ids"]]
    if problems:
        raise PlanError("wait_for_job needs " + "; ".join(problems))
    return {"groups": list(groups.values()), "timeout": timeout, "delay": delay,
            "kinds": list(dict.fromkeys(g["kind"] for g in groups.values())),
            "total": sum(len(g["ids"]) for g in groups.values())}


def _int(selection: dict, name: str, default: int) -> int:
    value = selection.get(name)
    try:
        return int(default if value is None or value == "" else value)
    except (TypeError, ValueError):
        raise PlanError(f"wait_for_job_{name} must be a whole number of seconds (got {value!r})") from None


def max_polls(the_plan: dict) -> int:
    """Upper bound of loop items; the deadline ends the loop earlier. Each group switch may cost one item more."""
    return math.ceil(the_plan["timeout"] / the_plan["delay"]) + 2 + len(the_plan["groups"])


# ------------------------------------------------------------------------------------------------ one poll
def is_read(poll: dict) -> bool:
    """A poll that returned jobs: success, or the module's WaitTimeout with the jobs as read."""
    return "jobs" in poll and (poll.get("error") or {}).get("code", WAIT_TIMEOUT) == WAIT_TIMEOUT


def is_retryable(poll: dict) -> bool:
    """A failed poll that retrying may fix; a failure without an error block (a missing library) cannot be."""
    return not is_read(poll) and bool((poll.get("error") or {}).get("retryable"))


def _asked(poll: dict) -> dict:
    return (poll.get("invocation") or {}).get("module_args") or {}


def group_of(the_plan: dict, poll: dict) -> int:
    """Index of the group a registered poll read: by the ids it asked for and the location it was given."""
    args = _asked(poll)
    asked = set(args.get("job_ids") or []) | {j["normalized"]["job_id"] for j in poll.get("jobs") or []}
    if not asked and not is_read(poll):
        # ansible-core 2.21 registers a module's arguments (invocation) only with INJECT_INVOCATION on, so a failed
        # poll that returned no jobs names none: read again from the first group (a finished group reads as such).
        return 0
    for index, group in enumerate(the_plan["groups"]):
        if asked and asked <= set(group["ids"]) and all(
                args.get(name, value) == value for name, value in group["location"].items()):
            return index
    return -1


def step(the_plan: dict, poll: dict, elapsed: float, connections: t.Optional[dict] = None) -> dict:
    """What the loop does after ``poll`` (``{}`` before the first): {done, group, module, ids, budget, defaults}.

    ``connections`` maps a cloud (aws, azure) to its connection options; with the group's location options they
    are the poll's module_defaults.

    done: every group's jobs are terminal, the poll failed in a way retrying cannot fix, or the time is up.
    Otherwise the next poll: the same group's open jobs, the same jobs again after a retryable error, or the
    next group's jobs once the current group's are all terminal.
    """
    index, ids = 0, None
    if poll:
        index = group_of(the_plan, poll)
        if index < 0 or not (is_read(poll) or is_retryable(poll)):
            return {"done": True}
        if is_read(poll):
            ids = [j["normalized"]["job_id"] for j in poll["jobs"] if not j["normalized"]["terminal"]]
            if not ids:
                index, ids = index + 1, None
        else:
            ids = _asked(poll).get("job_ids")
    if index >= len(the_plan["groups"]):
        return {"done": True}
    group = the_plan["groups"][index]
    # Time up still names the poll: the loop asks after a poll (break_when) and again when the next item starts,
    # after the pause; a deadline passed in between must not leave that item without a module to run. Such a last
    # poll gets the smallest budget, and ends within the role's promise (the deadline + the delay + 10 s).
    return {"done": bool(poll) and elapsed >= the_plan["timeout"], "group": index, "kind": group["kind"],
            "module": group["module"], "ids": ids or group["ids"], "budget": budget(the_plan, elapsed, _starved(poll)),
            "defaults": dict((connections or {}).get(group["cloud"]) or {}, **group["location"])}


def _starved(poll: dict) -> bool:
    """The poll read nothing in its budget: its module had no time left to send a request (its start-up, on a busy
    machine), or failed late with a retryable error (a module with ``wait`` rides those to its deadline, so that is
    an answer slower than the budget, or throttling that outlasted it)."""
    if not poll or "jobs" in poll:
        return False
    error = poll.get("error") or {}
    elapsed = poll.get("elapsed")
    late = isinstance(elapsed, (int, float)) and elapsed >= BUDGET_FLOOR - 1
    return error.get("code") == WAIT_TIMEOUT or (bool(error.get("retryable")) and late)


def budget(the_plan: dict, elapsed: float, starved: bool = False) -> int:
    """The next poll's wait_timeout: the delay (at least BUDGET_FLOOR, twice that after a poll that read nothing in
    its budget), or what is left when no further poll would start before the deadline after this
    one and a pause (at least BUDGET_FLOOR). So every poll ends by the deadline + BUDGET_FLOOR + the module's own
    2 s."""
    delay = the_plan["delay"]
    usual = max(BUDGET_FLOOR * (2 if starved else 1), delay)
    left = the_plan["timeout"] - elapsed
    if left < usual + delay:
        return max(BUDGET_FLOOR, math.ceil(left))
    return usual


# ------------------------------------------------------------------------------------------------ lines
def progress(the_plan: dict, poll: dict, number: int, elapsed: float) -> str:
    """The line a poll prints: "poll 3 at 31.2s: job-1 running (IN_PROGRESS, 40%); 1 finished earlier"."""
    several = len(the_plan["kinds"]) > 1
    head = f"poll {number} at {elapsed:.1f}s:"
    if not is_read(poll):
        error = poll.get("error") or {}
        how = f" ({'retryable' if error.get('retryable') else 'not retryable'})" if error else ""
        where = "".join(f" {k}" for k in the_plan["kinds"]) if several else ""
        return f"{head}{where} {error.get('code', 'error')}{how}: {poll.get('msg') or 'no message'}"
    line = f"{head} " + ", ".join(job_state(j["normalized"], kind=several) for j in poll["jobs"])
    index = group_of(the_plan, poll)
    before = sum(len(g["ids"]) for g in the_plan["groups"][:max(index, 0)])
    done = before + (len(the_plan["groups"][index]["ids"]) - len(poll["jobs"]) if index >= 0 else 0)
    later = the_plan["total"] - before - (len(the_plan["groups"][index]["ids"]) if index >= 0 else 0)
    return line + (f"; {done} finished earlier" if done > 0 else "") + (f"; {later} of later kinds" if later else "")


# ------------------------------------------------------------------------------------------------ the outcome
def result(the_plan: dict, polls: list, elapsed: float) -> dict:
    """Every poll -> the role's wait_for_job_result {jobs, summary, elapsed, timed_out}: the latest read of each
    job, in the order given, and the info modules' own summary over every job waited for."""
    latest: dict = {}
    for poll in polls:
        for entry in poll.get("jobs") or []:
            latest[(entry["normalized"]["provider"], entry["normalized"]["job_id"])] = entry
    jobs = [latest[key] for key in _keys(the_plan) if key in latest]
    # A job never read counts as unknown: the summary is over every job waited for, so all_terminal is false.
    unread = [{"state": "unknown"} for key in _keys(the_plan) if key not in latest]
    summary = summarize(jobs + unread)
    last = polls[-1] if polls else {}
    stopped = bool(polls) and not is_read(last) and not is_retryable(last)
    return {"jobs": jobs, "summary": summary, "elapsed": round(float(elapsed), 1),
            "timed_out": not stopped and not summary["all_terminal"]}


def _keys(the_plan: dict) -> list:
    return [(g["kind"], i) for g in the_plan["groups"] for i in g["ids"]]


def verdict(the_plan: dict, outcome: dict, last: dict, fail_on_failure: bool = True) -> dict:
    """The result and the last poll -> {report, failure}: the lines the role prints and the message it fails
    with ("" when it does not)."""
    jobs, summary, elapsed = outcome["jobs"], outcome["summary"], outcome["elapsed"]
    read = {(j["normalized"]["provider"], j["normalized"]["job_id"]) for j in jobs}
    unread = [key for key in _keys(the_plan) if key not in read]
    several = len(the_plan["kinds"]) > 1
    what = _what(the_plan)
    report = [_report_line(j["normalized"], several) for j in jobs]
    report += [f"{k + ' ' if several else ''}{i}: never read" for k, i in unread]
    terminal = summary["succeeded"] + summary["failed"] + summary["canceled"]
    report.append(f"{what}: {summary['succeeded']} succeeded, {summary['failed']} failed, "
                  f"{summary['canceled']} canceled, {summary['total'] - terminal} still open; waited "
                  f"{elapsed}s" + (" (timed out)" if outcome["timed_out"] else ""))
    failure = ""
    if last and not is_read(last) and not is_retryable(last):
        failure = _stopped(the_plan, last, elapsed)
    elif outcome["timed_out"]:
        failure = _timed_out(the_plan, jobs, unread, last, elapsed)
    elif fail_on_failure:
        bad = [j["normalized"] for j in jobs if j["normalized"]["state"] in ("failed", "canceled")]
        if bad:
            failure = f"{len(bad)} of {summary['total']} {what} did not succeed: " + "; ".join(
                f"{job_state(dict(b, percent_complete=None), kind=several)}: "
                f"{b.get('message') or 'no message from the API'}" for b in bad)
    return {"report": report, "failure": failure}


def _what(the_plan: dict) -> str:
    """"backup_report jobs", or "jobs" when they are of several kinds (each then named with its kind)."""
    kinds = the_plan["kinds"]
    return f"{kinds[0]} jobs" if len(kinds) == 1 else "jobs"


def _report_line(block: dict, several: bool) -> str:
    line = f"{block['provider'] + ' ' if several else ''}{block['job_id']}: {block['state']}"
    if block.get("native_status"):
        line += f" ({block['native_status']})"
    if block.get("percent_complete") is not None and not block.get("terminal"):
        line += f", {block['percent_complete']}%"
    if block.get("finished_at"):
        line += f", finished {block['finished_at']}"
    if block.get("message") and block["state"] != "succeeded":
        line += f": {block['message']}"
    return line


def _stopped(the_plan: dict, last: dict, elapsed: float) -> str:
    index = group_of(the_plan, last)
    group = the_plan["groups"][index] if index >= 0 else {"kind": " and ".join(the_plan["kinds"]),
                                                          "ids": [i for g in the_plan["groups"] for i in g["ids"]]}
    error = last.get("error") or {}
    detail = ""
    if error:
        status = f", HTTP {error['http_status']}" if error.get("http_status") else ""
        detail = f" (error {error.get('code')}{status}, not retryable)"
    return (f"Stopped waiting for {group['kind']} jobs {', '.join(group['ids'])} after {elapsed}s: "
            f"{last.get('msg') or 'the module failed without a message'}{detail}")


def _timed_out(the_plan: dict, jobs: list, unread: list, last: dict, elapsed: float) -> str:
    several = len(the_plan["kinds"]) > 1
    open_jobs = [job_state(j["normalized"], kind=several) for j in jobs if not j["normalized"]["terminal"]]
    never = [f"{k} {i}" if several else i for k, i in unread]
    states = ", ".join(open_jobs + ([", ".join(never) + " (never read)"] if never else []))
    msg = (f"Timed out after {elapsed}s (wait_for_job_timeout={the_plan['timeout']}) waiting for "
           f"{len(open_jobs) + len(never)} of {the_plan['total']} {_what(the_plan)}: {states}.")
    if last and not is_read(last):
        msg += f" The last poll failed: {last.get('msg') or 'no message'}"
    return msg
