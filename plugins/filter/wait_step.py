# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: wait_step
short_description: The wait_for_job role's next poll, or whether its loop is over
version_added: 0.1.0
author: jobgate.cloud developers
description:
  - Internal to the role C(jobgate.cloud.wait_for_job); its interface may change.
  - From the plan (P(jobgate.cloud.wait_plan#filter)) and the previous poll's registered result, the next poll
    (the info module, the job ids still open, its C(module_defaults) and its C(wait_timeout) budget), or C(done)
    when every job is terminal, the poll failed in a way retrying cannot fix, or the time is up.
  - Reads the clock once per call.
options:
  _input:
    description: The plan.
    type: dict
    required: true
  poll:
    description: The previous poll's registered result; empty before the first poll.
    type: dict
    required: true
  started:
    description: When the role started waiting (seconds since the epoch).
    type: float
    required: true
  connections:
    description: The connection options per cloud (C(aws), C(azure)), for the poll's C(module_defaults).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: The first poll
  ansible.builtin.debug:
    msg: "{{ plan | jobgate.cloud.wait_step({}, started) }}"
"""

RETURN = r"""
_value:
  description: C(done) (bool); when not done, C(group), C(kind), C(module), C(ids), C(defaults) and C(budget).
  type: dict
"""

import time

from ansible_collections.jobgate.cloud.plugins.module_utils._core import gate


def wait_step(the_plan: dict, poll: dict, started: float, connections: dict | None = None,
              now: float | None = None) -> dict:
    now = time.time() if now is None else now
    return gate.step(the_plan, dict(poll or {}), now - float(started), dict(connections or {}))


class FilterModule:
    def filters(self) -> dict:
        return {"wait_step": wait_step}
