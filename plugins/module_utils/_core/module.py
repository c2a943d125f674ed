# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module class and the one place in the collection that calls ``fail_json``."""
from __future__ import annotations

import gc
import traceback
import typing as t

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.jobgate.cloud.plugins.module_utils._core.deadline import Deadline, module_start
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import JobGateError, bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.redact import known, scrub, scrub_data
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Report, failure_result
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource
from ansible_collections.jobgate.cloud.plugins.module_utils._core.waiter import WAIT_ARG_SPEC, validate_wait


class ModuleRun:
    """What a handler uses of its module besides ``params`` and ``check_mode``: the run's ``deadline`` and its
    ``report``. ``JobGateModule`` is one; unit tests give their stand-in modules the same."""

    params: dict
    check_mode: bool
    deadline: Deadline
    last_report: Report | None = None

    def report(self, source: JobSource, **kwargs: t.Any) -> Report:
        """The report of this run's jobs (``Report``), remembered so that a failure returns what it holds."""
        self.last_report = Report(source, self.deadline, self.params, **kwargs)
        return self.last_report

    def failure(self, err: JobGateError) -> dict:
        """``fail_json`` arguments for ``err`` (with what the report saw, and ``elapsed`` when there is a deadline)."""
        if self.last_report is not None:
            return self.last_report.failure(err)
        deadline = getattr(self, "deadline", None)
        return failure_result(err, {"elapsed": deadline.elapsed()} if deadline is not None and deadline.bounded else {})


class JobGateModule(ModuleRun, AnsibleModule):
    """AnsibleModule whose own argument checks (choices, types, unknown options) fail with the contract's error
    block too, so a caller can branch on ``error.retryable`` whatever rejected the task; and whose ``deadline``
    counts from the module's start (before the arguments are even checked)."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        started = module_start()
        super().__init__(*args, **kwargs)
        self.deadline = Deadline.for_params(self.params, started=started)

    def log(self, msg, log_args=None):
        # The invocation line quotes the arguments as given, and Python 3.12's syslog refuses a NUL: the module
        # would fail with "Failed to log to syslog" before the check of the argument that holds it could say so.
        if isinstance(msg, str):
            msg = msg.replace("\x00", "\\x00")
        super().log(msg, log_args=log_args)

    def fail_json(self, msg, **kwargs):  # pylint: disable=arguments-differ  # ansible-core's signature varies by version
        kwargs.setdefault("error", bad_input(msg).error_block())
        super().fail_json(msg, **kwargs)

    def warn(self, warning):  # pylint: disable=arguments-differ
        super().warn(scrub(warning))


def _hide_credentials(module, result: dict) -> dict:
    """The one scrubbing point of module output (``_core.redact``): every result and failure passes here.

    The credentials this run obtained (and what reads as one) are masked in the result; AnsibleModule also gets
    them as ``no_log_values``, which it masks in everything it prints (warnings, the invocation) as for no_log
    options.
    """
    if isinstance(module, AnsibleModule):
        module.no_log_values.update(known())
    return scrub_data(result)


def _before_exit(module) -> None:
    # What is left after the result is the interpreter's exit, whose last garbage collection walks every object
    # botocore or azure-identity loaded: a tenth of a second, several on a busy machine, all on the task's clock
    # after `elapsed` was taken. Frozen, those objects are skipped; the process's memory goes with it anyway.
    if isinstance(module, AnsibleModule):
        gc.freeze()


def task_module(options: dict) -> JobGateModule:
    """A module's ``JobGateModule``: its ``options`` and the wait options (``WAIT_ARG_SPEC``), with check mode."""
    return JobGateModule(argument_spec=dict(options, **WAIT_ARG_SPEC), supports_check_mode=True)


def run_module(module, handler) -> None:
    """A module's whole run once its arguments are parsed (``main()`` is ``run_module(task_module(options), handler)``):
    the wait options checked (``validate_wait``, once, before the handler and so before any request), then
    ``result = handler(module)`` and ``exit_json(**result)``. A JobGateError becomes exactly one fail_json.

    What else an argument spec cannot say (which options conflict, which go with which) the handler checks, so that
    those failures carry the contract's error block too. fail_json is called after the ``except`` block: inside it,
    ansible-core (2.18) adds the active exception's traceback as ``exception``, and that shows source lines (the one
    that builds a "Bearer " header, say) at -vvv.
    """
    failure = None
    try:
        validate_wait(module.params)
        result = handler(module)
    except JobGateError as err:
        failure = module.failure(err) if isinstance(module, ModuleRun) else failure_result(err)
    except Exception as exc:  # pylint: disable=broad-except  # the contract: a readable failure, never a bare traceback
        msg = f"Unexpected {type(exc).__name__} in {getattr(module, '_name', 'the module')}: {exc}"
        error = JobGateError(msg, code="InternalError").error_block()
        # The traceback still shows at -vvv, as Ansible does for module failures: a bug's, not a handled error's.
        module.fail_json(**_hide_credentials(module, dict(msg=msg, error=error, changed=False,
                                                          exception=traceback.format_exc())))
        return
    _before_exit(module)
    if failure is not None:
        module.fail_json(**_hide_credentials(module, failure))
    else:
        module.exit_json(**_hide_credentials(module, result or {"changed": False}))
