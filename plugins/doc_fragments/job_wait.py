# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # The wait options every job module takes (plugins/module_utils/_core/waiter.py WAIT_ARG_SPEC), and the
    # attributes they share; job_info and job_start say how each kind of module runs in check mode.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
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
      - A budget for the whole task, counted from the module's start; with O(wait=true) the task returns within it
        plus 2 seconds, whatever the API does. Retries, their backoff and C(Retry-After) waits stop at it, and no
        request gets a connect or read timeout longer than the time left.
      - Within it a read that fails with a retryable error (throttling, HTTP 5xx, a dropped connection, a body that
        is not the answer) is tried again until the budget runs out, however many attempts that takes; a request
        that starts a job keeps its bounded attempts.
      - On timeout the task fails with a message naming the jobs still open and their last states, and still returns
        RV(jobs), RV(summary) and RV(elapsed). If no read succeeded at all, it fails with the API's last error
        (retryable), saying that the time ran out while the API kept failing and how often it was tried.
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
