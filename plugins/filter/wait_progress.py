# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: wait_progress
short_description: The line the wait_for_job role prints for one poll
version_added: 0.1.0
author: jobgate.cloud developers
description:
  - Internal to the role C(jobgate.cloud.wait_for_job); its interface may change.
  - 'For example C(poll 3 at 31.2s: job-1 running (IN_PROGRESS, 40%), job-2 pending (PENDING); 1 finished earlier);
    with jobs of several kinds each job is named with its kind; a failed poll shows the error code, whether it is
    retryable and the module''s message.'
  - Reads the clock once per call.
options:
  _input:
    description: The poll's registered result.
    type: dict
    required: true
  plan:
    description: The plan (P(jobgate.cloud.wait_plan#filter)).
    type: dict
    required: true
  number:
    description: The poll's number, from 1.
    type: int
    required: true
  started:
    description: When the role started waiting (seconds since the epoch).
    type: float
    required: true
"""

EXAMPLES = r"""
- name: Print a poll's line
  ansible.builtin.debug:
    msg: "{{ poll | jobgate.cloud.wait_progress(plan, 1, started) }}"
"""

RETURN = r"""
_value:
  description: The line.
  type: str
"""

import time

from ansible_collections.jobgate.cloud.plugins.module_utils._core import gate


def wait_progress(poll: dict, the_plan: dict, number: int, started: float, now: float | None = None) -> str:
    now = time.time() if now is None else now
    return gate.progress(the_plan, dict(poll or {}), int(number), now - float(started))


class FilterModule:
    def filters(self) -> dict:
        return {"wait_progress": wait_progress}
