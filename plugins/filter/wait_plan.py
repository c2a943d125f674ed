# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: wait_plan
short_description: The jobs the wait_for_job role polls, grouped by kind and location
version_added: 0.1.0
author: jobgate.cloud developers
description:
  - Internal to the role C(jobgate.cloud.wait_for_job); its interface may change.
  - Turns the role's variables (without their C(wait_for_job_) prefix) into the groups of jobs it polls, one per kind
    and location, each with the info module that reads it and the C(module_defaults) it runs with.
  - A selection with problems gives a plan with only C(problem), one message naming every problem, so that the
    role fails before any request is sent.
options:
  _input:
    description: The role's variables without the prefix (kind, ids, id, jobs, resource_uri, edge_device_name,
      timeout, delay).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Plan a wait
  ansible.builtin.set_fact:
    plan: "{{ {'kind': 'backup_report', 'ids': ['job-1'], 'timeout': 60, 'delay': 5} | jobgate.cloud.wait_plan }}"
"""

RETURN = r"""
_value:
  description: The plan, C(groups) (each with C(kind), C(module), C(cloud), C(ids), C(location)), C(kinds),
    C(total), C(timeout), C(delay), C(max_polls) and C(problem) (empty). It holds no connection options.
  type: dict
"""

from ansible_collections.jobgate.cloud.plugins.module_utils._core import gate


def wait_plan(selection: dict) -> dict:
    try:
        the_plan = gate.plan(dict(selection))
    except gate.PlanError as exc:
        return {"problem": str(exc)}
    the_plan.update(max_polls=gate.max_polls(the_plan), problem="")
    return the_plan


class FilterModule:
    def filters(self) -> dict:
        return {"wait_plan": wait_plan}
