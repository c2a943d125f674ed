# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: wait_verdict
short_description: What the wait_for_job role reports and whether it fails
version_added: 0.1.0
author: jobgate.cloud developers
description:
  - Internal to the role C(jobgate.cloud.wait_for_job); its interface may change.
  - From the result (P(jobgate.cloud.wait_result#filter)) and the last poll, one line per job and a total, and the
    message the role fails with, if it does; on an error that retrying cannot fix, on timeout (naming the jobs
    still open and their last states), or on a failed or canceled job when O(fail_on_failure=true).
options:
  _input:
    description: The role's result.
    type: dict
    required: true
  plan:
    description: The plan (P(jobgate.cloud.wait_plan#filter)).
    type: dict
    required: true
  last:
    description: The last poll's registered result.
    type: dict
    required: true
  fail_on_failure:
    description: Whether a failed or canceled job makes a C(failure).
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Gate on the outcome
  ansible.builtin.assert:
    that: verdict.failure | length == 0
    success_msg: "{{ verdict.report }}"
    fail_msg: "{{ verdict.failure }}"
  vars:
    verdict: "{{ result | jobgate.cloud.wait_verdict(plan, poll.results | last) }}"
"""

RETURN = r"""
_value:
  description: C(report) (a list of lines) and C(failure) (the message to fail with, empty when the role does not).
  type: dict
"""

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.jobgate.cloud.plugins.module_utils._core import gate


def wait_verdict(outcome: dict, the_plan: dict, last: dict, fail_on_failure: bool = True) -> dict:
    return gate.verdict(the_plan, dict(outcome), dict(last or {}), boolean(fail_on_failure, strict=False))


class FilterModule:
    def filters(self) -> dict:
        return {"wait_verdict": wait_verdict}
