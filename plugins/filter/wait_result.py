# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: wait_result
short_description: The wait_for_job role's result from all its polls
version_added: 0.1.0
author: jobgate.cloud developers
description:
  - Internal to the role C(jobgate.cloud.wait_for_job); its interface may change.
  - Merges every poll into C(wait_for_job_result), the latest read of each job in the order given, with the
    C(summary) the info modules compute, counted over every job waited for (a job never read counts as
    C(unknown)).
  - Reads the clock once per call.
options:
  _input:
    description: The poll task's registered C(results), in order.
    type: list
    elements: dict
    required: true
  plan:
    description: The plan (P(jobgate.cloud.wait_plan#filter)).
    type: dict
    required: true
  started:
    description: When the role started waiting (seconds since the epoch).
    type: float
    required: true
"""

EXAMPLES = r"""
- name: Merge the polls
  ansible.builtin.set_fact:
    result: "{{ poll.results | jobgate.cloud.wait_result(plan, started) }}"
"""

RETURN = r"""
_value:
  description: C(jobs), C(summary), C(elapsed) (seconds waited) and C(timed_out).
  type: dict
"""

import time

from ansible_collections.jobgate.cloud.plugins.module_utils._core import gate


def wait_result(polls: list, the_plan: dict, started: float, now: float | None = None) -> dict:
    now = time.time() if now is None else now
    return gate.result(the_plan, [dict(p) for p in polls or []], now - float(started))


class FilterModule:
    def filters(self) -> dict:
        return {"wait_result": wait_result}
