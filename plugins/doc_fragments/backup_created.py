# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # The creation window of the AWS Backup info modules whose list API filters by creation (ByCreatedAfter,
    # ByCreatedBefore; _backup/service.py time_window); scan jobs filter by completion and document their own.
    DOCUMENTATION = r"""
options:
  created_after:
    description:
      - In list mode, only the jobs created after this time.
      - An ISO 8601 date or date-time, for example V(2024-05-01) or V(2024-05-01T12:00:00Z); without a zone it is UTC.
    type: str
  created_before:
    description:
      - In list mode, only the jobs created before this time, in the same format as O(created_after).
    type: str
"""
