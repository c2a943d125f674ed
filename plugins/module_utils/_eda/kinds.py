# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kinds the event source watches, each with its info module's argument spec and checks (``select_jobs``)."""
from __future__ import annotations

from ansible_collections.jobgate.cloud.plugins.module_utils._backup_job import source as backup_job
from ansible_collections.jobgate.cloud.plugins.module_utils._backup_report import source as backup_report
from ansible_collections.jobgate.cloud.plugins.module_utils._hci_edge_device import source as hci_edge_device
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_device import source as panorama_device
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama_package_import import (
    source as panorama_package_import,
)
from ansible_collections.jobgate.cloud.plugins.module_utils._restore_job import source as restore_job

# kind -> the kind's source module: INFO_ARG_SPEC (options, aliases, types, choices) and select_jobs(params)
# (every check the info module makes, then a Selection of ids and how to build the JobSource).
KINDS: dict = {
    "panorama_device": panorama_device,
    "panorama_package_import": panorama_package_import,
    "backup_report": backup_report,
    "hci_edge_device": hci_edge_device,
    "backup_job": backup_job,
    "restore_job": restore_job,
}
