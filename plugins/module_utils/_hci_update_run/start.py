# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Applying an Azure Local (Azure Stack HCI) update: POST .../updates/{update}/apply (Updates_Post).

The apply is a long-running operation (Azure-AsyncOperation) whose answer names no run: the run it created is the
run of the update that was not listed before the POST. The operation ends when the run has been started, not when
it has finished; ``wait`` waits for the run. The module is idempotent: an update whose state is Installed starts
nothing (``jobs: []``, the update as ``cluster_update``); an update with a run in progress starts nothing and
returns it.
"""
from __future__ import annotations

import typing as t
from functools import partial

from ansible_collections.jobgate.cloud.plugins.module_utils._azure import lro
from ansible_collections.jobgate.cloud.plugins.module_utils._core.convert import as_dict, jsonable, snake_keys, text_or_none
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Begun, run_jobs
from ansible_collections.jobgate.cloud.plugins.module_utils._core.waiter import wait_settings
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_update_run.source import connect, update_path, validate_location
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_update_run.status import run_name, run_state

# The update's properties.state that means there is nothing left to apply.
INSTALLED = "installed"


def update_state(update: dict) -> str | None:
    return text_or_none(as_dict(update.get("properties")).get("state"))


def runs_in_progress(runs: list) -> list:
    return [run for run in runs if isinstance(run, dict) and run_state(as_dict(run.get("properties")))[1] == "running"]


def newest(runs: list) -> dict:
    """The run started last (timeStarted; ISO 8601 in UTC sorts as text), else the last listed."""
    return max(enumerate(runs), key=lambda item: (str(as_dict(item[1].get("properties")).get("timeStarted") or ""),
                                                  item[0]))[1]


def would_start(inputs: dict, update: dict) -> dict:
    return {"cluster_id": inputs["target"]["cluster_id"], "update_name": inputs["update_name"],
            "update_state": update_state(update), "api_version": inputs["api_version"]}


def begin(module: t.Any) -> Begun | dict:
    """hci_update's ``begin`` (``_core.result.run_jobs``): its options checked, the update's run found or started."""
    params = module.params
    inputs = validate_location(params)
    source = connect(params, inputs, module.deadline)
    report = module.report(source, start=True)
    update = report.within_budget(source.get_update)
    report.extra["cluster_update"] = jsonable(snake_keys(update))
    state = update_state(update)
    if state and state.lower() == INSTALLED:
        return report.check_mode([]) if module.check_mode else report.result()
    runs = report.within_budget(source.list_jobs)
    open_runs = runs_in_progress(runs)
    if open_runs:
        if module.check_mode:
            return report.check_mode([], open_runs)
        report.seen(open_runs, [run_name(run) for run in open_runs])
        return Begun(report, seen=True)
    if module.check_mode:
        return report.check_mode([would_start(inputs, update)])
    before = {(run_name(run) or "").lower() for run in runs if isinstance(run, dict)}
    what = f"the apply of update {inputs['update_name']} to cluster {source.target['cluster']}"
    client = source.client
    url = client.url(update_path(inputs["target"]["cluster_id"], inputs["update_name"]) + "/apply")
    response = client.request("POST", url, what, params={"api-version": inputs["api_version"]})
    report.changed = True   # the update is being applied, whatever happens next
    timeout, sleep = wait_settings(params)
    outcome = lro.follow_operation(client, response, what, module.deadline.limit(timeout), sleep,
                                   on_timeout=" The update is being applied: raise wait_timeout or poll its runs with "
                                              "hci_update_run_info.")
    after = report.within_budget(source.list_jobs)
    new = [run for run in after if isinstance(run, dict) and (run_name(run) or "").lower() not in before]
    if not new:
        detail = outcome.get("error") or {}
        raise JobGateError(f"The long-running operation of {what} ended {outcome['status']} and no new update run "
                           f"{source.location()} was found"
                           + (f": {detail.get('code')}: {detail.get('message')}" if detail else "."),
                           code=str(detail.get("code") or "UpdateRunNotFound"),
                           message=str(detail.get("message") or "") or None, retryable=False)
    run = newest(new)
    name = run_name(run)
    report.started([name])
    report.seen([run], [name])
    return Begun(report, seen=True)


# The handler of hci_update: the update's run found or started, then the wait (``_core.result.run_jobs``).
update_apply: t.Callable[[t.Any], dict] = partial(run_jobs, begin)
