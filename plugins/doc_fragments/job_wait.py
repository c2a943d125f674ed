# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # The wait options every job module takes (plugins/module_utils/_core/waiter.py WAIT_ARG_SPEC).
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Poll until every requested job is terminal (its normalized state is V(succeeded), V(failed) or V(canceled)).
      - A failed job ends the wait but does not fail the task; check C(any_failed) or C(all_succeeded) in RV(summary).
      - In list mode the wait covers every listed job.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait with O(wait=true) before giving up.
      - On timeout the task fails with a message naming the jobs still open and their last states, and still returns
        RV(jobs), RV(summary) and RV(elapsed).
      - Must be greater than zero.
    type: int
    default: 1800
  wait_sleep:
    description:
      - Seconds before the first poll with O(wait=true).
      - Later polls back off, doubling with random jitter, to at most 60 seconds, and never beyond O(wait_timeout).
      - Only jobs not yet terminal are polled again.
      - Must be greater than zero.
    type: int
    default: 5
"""
