# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting AWS Backup report jobs (StartReportJob).

Reports are run on purpose, again and again: without ``idempotency_token`` every run starts one (each run sends
a fresh UUID as the token, so retries within the run stay safe; see ``_backup.source.start_job``). With a token the
service returns the job that token started; that job is not a change when it existed before the task began (it is
among the plan's jobs listed first, or older than the task).
"""
from __future__ import annotations

import time
import typing as t
from functools import partial

from ansible_collections.jobgate.cloud.plugins.module_utils._backup.service import CLOCK_SKEW, IDEMPOTENCY_TOKEN_MAX, check_token, is_new_job
from ansible_collections.jobgate.cloud.plugins.module_utils._backup.source import start_job
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_report.source import BackupReportJobSource, check_report_plan_name
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.result import Begun, run_jobs

__all__ = ["CLOCK_SKEW", "IDEMPOTENCY_TOKEN_MAX", "is_new_job", "report_job", "validate_report_job"]

_time = time.time  # an indirection for tests


def validate_report_job(params: t.Mapping) -> dict:
    """Checked inputs of backup_report_job: {report_plan_name, idempotency_token}."""
    name = params.get("report_plan_name")
    if name is None:
        raise bad_input("Option report_plan_name is required.")
    check_report_plan_name(name)
    token = check_token(params.get("idempotency_token"), "start a new report every run")
    return {"report_plan_name": name, "idempotency_token": token}


def begin(module: t.Any) -> Begun | dict:
    """backup_report_job's ``begin`` (``_core.result.run_jobs``): its options checked, then the start."""
    params = module.params
    inputs = validate_report_job(params)
    task_started = _time()
    name = inputs["report_plan_name"]
    token = inputs["idempotency_token"]
    source = BackupReportJobSource.for_module(module, report_plan_name=name)
    report = module.report(source, start=True)
    if module.check_mode:
        # The API never shows idempotency tokens, so check mode cannot tell a reused one: it reports a start.
        return report.check_mode([{"report_plan_name": name, "idempotency_token": token}])
    before = {job.get("ReportJobId") for job in report.within_budget(source.list_jobs)} if token is not None else set()
    return start_job(report, operation="start_report_job", request={"ReportPlanName": name}, token=token,
                     before=before, task_started=task_started, what=f"a report job of Backup report plan {name}",
                     id_key="ReportJobId", created_key="CreationTime")


# The handler of backup_report_job: the start, then the first look and the wait (``_core.result.run_jobs``).
report_job: t.Callable[[t.Any], dict] = partial(run_jobs, begin)
