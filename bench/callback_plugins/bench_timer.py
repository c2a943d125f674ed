# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark timer: the wall time of every task, measured by the playbook run itself (like profile_tasks).

A task's time runs from v2_playbook_on_task_start to its last host result (one host in the benchmarks), so it
includes what a user pays: templating, the AnsiballZ payload, starting the module's Python, the module's run.
Every result (also loop items and until retries) is recorded with its error code, so throttling failures can be
counted. Written as JSON lines to the file named by BENCH_TIMER_OUT.
"""
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_timer
type: aggregate
short_description: task wall times and results for bench/run.py
description: Writes one JSON line per task and per result to the file named by E(BENCH_TIMER_OUT).
requirements: [enable in configuration]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._out = open(os.environ["BENCH_TIMER_OUT"], "a", encoding="utf-8")
        self._task: dict | None = None

    def _write(self, record: dict) -> None:
        self._out.write(json.dumps(record) + "\n")
        self._out.flush()

    def _close_task(self) -> None:
        if self._task is not None:
            self._write(self._task)
            self._task = None

    def v2_playbook_on_task_start(self, task, is_conditional) -> None:
        self._close_task()
        now = time.time()
        self._task = {"event": "task", "name": task.get_name(), "action": task.action, "start": now, "end": now,
                      "results": 0}

    v2_playbook_on_handler_task_start = v2_playbook_on_task_start

    def _result(self, kind: str, result) -> None:
        now = time.time()
        res = result._result if isinstance(result._result, dict) else {}
        error = res.get("error") if isinstance(res.get("error"), dict) else {}
        self._write({"event": kind, "task": result._task.get_name(), "time": now, "failed": bool(res.get("failed")),
                     "error_code": error.get("code"), "retryable": error.get("retryable"),
                     "ignored": kind == "failed" and bool(getattr(result._task, "ignore_errors", False))})
        if self._task is not None and kind in ("ok", "failed", "skipped", "unreachable"):
            self._task["end"] = now
            self._task["results"] += 1
            self._task["status"] = kind

    def v2_runner_on_ok(self, result) -> None:
        self._result("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False) -> None:
        self._result("failed", result)

    def v2_runner_on_skipped(self, result) -> None:
        self._result("skipped", result)

    def v2_runner_on_unreachable(self, result) -> None:
        self._result("unreachable", result)

    def v2_runner_item_on_ok(self, result) -> None:
        self._result("item_ok", result)

    def v2_runner_item_on_failed(self, result) -> None:
        self._result("item_failed", result)

    def v2_runner_retry(self, result) -> None:
        self._result("retry", result)

    def v2_playbook_on_stats(self, stats) -> None:
        self._close_task()
        self._out.close()
