# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # Attributes and notes shared by the modules that start jobs (plugins/module_utils/_core/result.py).
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - In check mode the module only reads; it starts nothing and waits for nothing.
      - It reports C(changed=true) where a job would start and lists those jobs in C(would_start).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
notes:
  - C(changed) is true only when the task started a job. A job that already existed (found by the module, or
    returned by the API for a repeated idempotency token) is returned in RV(jobs) and is not a change.
  - The result has the shape of the info modules' result (RV(jobs), RV(job), RV(summary), and RV(elapsed) with
    O(wait=true)), so the same conditions work on both.
  - A job that failed is returned, not raised; check RV(summary) or the job's C(normalized) block.
  - Every option is checked before any request is sent.
"""
