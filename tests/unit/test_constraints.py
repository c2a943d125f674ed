# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ansible-core 2.18 venv pins what the main venv pins, and the README names the versions both test."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# What ansible-core 2.18 needs otherwise (it requires resolvelib < 1.1.0).
DIFFERENT = {"ansible-core", "resolvelib"}


def pins(name: str) -> dict[str, str]:
    lines = (REPO / "tests" / name).read_text().splitlines()
    return dict(line.split("==", 1) for line in lines if line and not line.startswith("#"))


def test_the_2_18_pins_differ_only_where_ansible_core_2_18_needs_it():
    main, old = pins("constraints.txt"), pins("constraints-2.18.txt")
    assert old["ansible-core"].startswith("2.18.") and main["ansible-core"].startswith("2.19.")
    assert {k: v for k, v in old.items() if k not in DIFFERENT} == {k: v for k, v in main.items() if k not in DIFFERENT}


def test_the_readme_names_the_tested_ansible_core_versions():
    readme = (REPO / "README.md").read_text()
    for name in ("constraints.txt", "constraints-2.18.txt"):
        assert f"ansible-core {pins(name)['ansible-core']}" in readme, name
