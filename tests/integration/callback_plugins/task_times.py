# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test callback: when each host's task started and ended, as the controller saw it, and what the task returned.

Enabled only where a test asks (ANSIBLE_CALLBACKS_ENABLED=task_times, ANSIBLE_CALLBACK_PLUGINS=this directory);
it writes {host: {task, start, end, result}} (monotonic seconds) to $TASK_TIMES_FILE at the end of the run. Only
tasks whose name starts with $TASK_TIMES_PREFIX (default "Deadline case") are recorded.
"""
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: task_times
type: aggregate
short_description: record each host's task start and end times (integration tests)
description: [Writes the start and end of each recorded task per host, and its result, to TASK_TIMES_FILE.]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prefix = os.environ.get("TASK_TIMES_PREFIX", "Deadline case")
        self.times: dict = {}

    def _wanted(self, task) -> bool:
        return task.get_name().startswith(self.prefix)

    def v2_runner_on_start(self, host, task):
        # Sent by the strategy as it hands the task to a worker: the task's start for this host.
        if self._wanted(task):
            self.times[host.get_name()] = {"task": task.get_name(), "start": time.monotonic()}

    def _end(self, result, failed: bool) -> None:
        entry = self.times.get(result._host.get_name())  # pylint: disable=protected-access
        if entry is not None and self._wanted(result._task) and "end" not in entry:  # pylint: disable=protected-access
            entry["end"] = time.monotonic()
            # (which hook was called says whether it failed; the result a callback gets has no "failed" key)
            entry["result"] = dict(result._result, failed=failed)  # pylint: disable=protected-access

    def v2_runner_on_ok(self, result, **kwargs):
        self._end(result, False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._end(result, True)

    def v2_runner_on_unreachable(self, result):
        self._end(result, True)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("TASK_TIMES_FILE")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(self.times, handle, default=str)
