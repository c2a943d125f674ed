# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # What the info modules share besides the wait options (job_wait): they only read, so check mode runs them
    # as usual.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    details: The module only reads jobs; it runs the same in check mode and always reports C(changed=false).
notes:
  - Without an id option the module lists every job the API lists (paginated to the end). Where the list API omits
    the status, each listed job is described so that every entry has a real status.
  - Several ids are fetched concurrently with a bounded pool; the order of RV(jobs) is the order of the ids.
  - Each entry of RV(jobs) is the API's own job object with keys in snake_case (keys inside tag maps are kept as
    they are) plus C(normalized), which has the same shape for every kind of job.
"""
