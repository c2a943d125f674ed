# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's EXAMPLES start and read jobs with the collection's own modules, never a command line."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
MODULES = sorted(p for p in (REPO / "plugins" / "modules").glob("*.py") if p.name != "__init__.py")
# What an example may use beside the collection's modules: control flow and showing results, nothing that runs a CLI.
BUILTINS = {"ansible.builtin.debug", "ansible.builtin.assert", "ansible.builtin.fail", "ansible.builtin.set_fact",
            "ansible.builtin.include_role", "ansible.builtin.pause"}


def examples(path: Path) -> list:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "EXAMPLES":
            return yaml.safe_load(node.value.value)
    raise AssertionError(f"{path.name} has no EXAMPLES")


def actions(tasks: list) -> list:
    found = []
    for task in tasks:
        for key in ("block", "rescue", "always"):
            found += actions(task.get(key) or [])
        found += [key for key in task if "." in key]
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_examples_use_the_collection_s_modules(path):
    used = actions(examples(path))
    assert f"jobgate.cloud.{path.stem}" in used
    assert [a for a in used if not a.startswith("jobgate.cloud.") and a not in BUILTINS] == []
