# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: untrusted_event
short_description: Read a jobgate.cloud.job_status event in a playbook as data, never as a template
version_added: 0.1.0
description:
  - ansible-rulebook hands a rule's event to C(run_playbook) as the extra variable C(ansible_eda), which
    ansible-core loads as trusted template text. A job's message, a device's name or a tag there is text any
    writer of the job chose; if it holds C({{ }}), reading C(ansible_eda) renders it on the controller
    (ansible-core 2.18 renders every string of C(ansible_eda) as soon as any part of it is read).
  - The safe way is for the rule to pass its own copy of the event, JSON encoded as a URL query value (so that no
    C({{), C({%) or C({#) is left in it), and for the playbook to read only that copy, through this filter, which
    decodes it into data that ansible-core never renders (with ansible-core 2.18 each string is marked unsafe;
    from 2.19 on, data that was not loaded as trusted template text is never rendered).
  - In the rulebook, the C(run_playbook) action's C(extra_vars) set C(jobgate_event) to
    C("{{ event.job_status | tojson | urlencode }}") (Jinja's own filters, which ansible-rulebook has). In the
    playbook, never read C(ansible_eda).
  - See the guide docs/event_driven.md, "Playbooks run by a rule".
options:
  _input:
    description:
      - The encoded event, as C(tojson | urlencode) made it in the rulebook.
      - A value with C({) or C(}) in it is refused, since encoding leaves none. It was not encoded, so
        ansible-core may have rendered it already.
    type: str
    required: true
author:
  - jobgate.cloud contributors (@jobgate-cloud)
"""

EXAMPLES = r"""
# In the rulebook
#   action:
#     run_playbook:
#       name: notify.yml
#       extra_vars:
#         jobgate_event: "{{ event.job_status | tojson | urlencode }}"
# In notify.yml
- name: Tell someone
  hosts: localhost
  gather_facts: false
  vars:
    report: "{{ jobgate_event | jobgate.cloud.untrusted_event }}"
  tasks:
    - name: Print the job's message as it came from the API
      ansible.builtin.debug:
        msg: "Job {{ report.job.job_id }} failed: {{ report.job.message }}"
"""

RETURN = r"""
_value:
  description:
    - The event as the rule saw it (for C(event.job_status) its C(kind), C(job), C(previous_state) and C(detail)),
      its strings marked as data.
  type: raw
"""

import json
from typing import Any
from urllib.parse import unquote

from ansible.errors import AnsibleFilterError

try:
    # ansible-core 2.19 and later render only text tagged as trusted (playbooks, vars files, extra vars): what
    # json.loads returns here carries no such tag, so it stays data however it is used later (set_fact, register).
    # pylint: disable-next=unused-import  # its presence marks the trust model
    from ansible.template import is_trusted_as_template  # noqa: F401

    def _as_data(value: Any) -> Any:
        return value
except ImportError:
    # ansible-core 2.18 renders any string it reads back from a variable unless it is AnsibleUnsafe.
    from ansible.utils.unsafe_proxy import wrap_var as _as_data


def untrusted_event(value: Any) -> Any:
    """The event the rule encoded with ``tojson | urlencode``, decoded into data that is never rendered."""
    if not isinstance(value, str):
        raise AnsibleFilterError(
            "jobgate.cloud.untrusted_event expects the event encoded by the rule "
            "(extra_vars: jobgate_event: \"{{ event.job_status | tojson | urlencode }}\"), "
            f"got a {type(value).__name__}")
    if "{" in value or "}" in value:
        raise AnsibleFilterError(
            "jobgate.cloud.untrusted_event expects the event encoded by the rule with tojson | urlencode; this "
            "value holds '{' or '}', so it was not encoded and ansible-core may have rendered its text already")
    try:
        return _as_data(json.loads(unquote(value, errors="strict")))
    except (ValueError, UnicodeDecodeError) as exc:
        raise AnsibleFilterError(f"jobgate.cloud.untrusted_event could not decode the event: {exc}") from None


class FilterModule:
    def filters(self) -> dict:
        return {"untrusted_event": untrusted_event}
