# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kinds the event source watches, each with its info module's argument spec and checks (``select_jobs``).

Derived from the registry of kinds (``_core/kinds.py``). The event source runs outside AnsiballZ, with the
collection on ``sys.path``, so the kinds' source modules are imported by name.
"""
from __future__ import annotations

import importlib

from ansible_collections.jobgate.cloud.plugins.module_utils._core import kinds as registry

# kind -> the kind's source module: INFO_ARG_SPEC (options, aliases, types, choices) and select_jobs(params)
# (every check the info module makes, then a Selection of ids and how to build the JobSource).
KINDS: dict = {name: importlib.import_module(kind.source_module) for name, kind in registry.KINDS.items()}
