# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator serves every kind of the registry (plugins/module_utils/_core/kinds.py), and every AWS operation
the registry says a module calls."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _registry():
    # The registry imports nothing of the collection: loaded from its file, no collection path needed.
    spec = importlib.util.spec_from_file_location("jobgate_cloud_kinds_for_emulator", REPO / "plugins/module_utils/_core/kinds.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_emulator_serves_every_kind_and_operation(emu):
    registry = _registry()
    assert set(emu.emu.kind_owner) == set(registry.NAMES)
    for name, kind in registry.KINDS.items():
        assert emu.emu.kind_owner[name].name == kind.cloud
    handlers = emu.emu.provider("aws").handlers
    for kind in registry.of_cloud("aws"):
        for action in (*kind.info_actions, *kind.start_actions):
            prefix, operation = action.name.split(":")
            if prefix != "iam":
                assert (prefix, operation) in handlers, action.name
