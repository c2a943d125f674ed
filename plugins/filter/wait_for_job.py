# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filters of the role jobgate.cloud.wait_for_job: thin calls of its decisions (module_utils/_core/gate.py).

One file for the five, their documentation beside it (wait_plan.yml, ...), as ansible-core does for the filters
of one plugin file; each reads the clock at most once per call, and ``now`` is for tests.
"""
from __future__ import annotations

import time

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.jobgate.cloud.plugins.module_utils._core import gate


def _elapsed(started: float, now: float | None) -> float:
    return (time.time() if now is None else now) - float(started)


def wait_plan(selection: dict) -> dict:
    try:
        the_plan = gate.plan(dict(selection))
    except gate.PlanError as exc:
        return {"problem": str(exc)}
    the_plan.update(max_polls=gate.max_polls(the_plan), problem="")
    return the_plan


def wait_step(the_plan: dict, poll: dict, started: float, connections: dict | None = None,
              now: float | None = None) -> dict:
    return gate.step(the_plan, dict(poll or {}), _elapsed(started, now), dict(connections or {}))


def wait_progress(poll: dict, the_plan: dict, number: int, started: float, now: float | None = None) -> str:
    return gate.progress(the_plan, dict(poll or {}), int(number), _elapsed(started, now))


def wait_result(polls: list, the_plan: dict, started: float, now: float | None = None) -> dict:
    return gate.result(the_plan, [dict(p) for p in polls or []], _elapsed(started, now))


def wait_verdict(outcome: dict, the_plan: dict, last: dict, fail_on_failure: bool = True) -> dict:
    return gate.verdict(the_plan, dict(outcome), dict(last or {}), boolean(fail_on_failure, strict=False))


class FilterModule:
    def filters(self) -> dict:
        return {f.__name__: f for f in (wait_plan, wait_step, wait_progress, wait_result, wait_verdict)}
