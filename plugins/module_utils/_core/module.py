# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module class and the one place in the collection that calls ``fail_json``."""
from __future__ import annotations

import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input


class JobGateModule(AnsibleModule):
    """AnsibleModule whose own argument checks (choices, types, unknown options) fail with the contract's error
    block too, so a caller can branch on ``error.retryable`` whatever rejected the task."""

    def fail_json(self, msg, **kwargs):  # pylint: disable=arguments-differ  # ansible-core's signature varies by version
        kwargs.setdefault("error", bad_input(msg).error_block())
        super().fail_json(msg, **kwargs)


def run_module(module, handler) -> None:
    """result = handler(module); exit_json(**result). A JobGateError becomes exactly one fail_json."""
    try:
        result = handler(module)
    except JobGateError as err:
        extra = {k: v for k, v in err.result.items() if k not in ("msg", "error", "failed", "exception")}
        extra.setdefault("changed", False)
        module.fail_json(msg=err.msg, error=err.error_block(), **extra)
        return
    except Exception as exc:  # pylint: disable=broad-except  # the contract: a readable failure, never a bare traceback
        msg = f"Unexpected {type(exc).__name__} in {getattr(module, '_name', 'the module')}: {exc}"
        error = JobGateError(msg, code="InternalError").error_block()
        # The traceback still shows at -vvv, as Ansible does for module failures.
        module.fail_json(msg=msg, error=error, changed=False, exception=traceback.format_exc())
        return
    module.exit_json(**(result or {"changed": False}))
