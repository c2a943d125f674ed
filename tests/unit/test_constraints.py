# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Makefile's matrix of ansible-core versions, its pins, and what README, meta/runtime.yml and the EE and DE
definitions say about it, in step."""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from packaging.specifiers import SpecifierSet

REPO = Path(__file__).resolve().parents[2]
# What one ansible-core needs otherwise (2.18 requires resolvelib < 1.1.0).
DIFFERENT = {"ansible-core", "resolvelib"}


def makefile_var(name: str) -> str:
    found = re.search(rf"^{re.escape(name)} := (.*)$", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert found, name
    return found.group(1).strip()


PRIMARY = makefile_var("PRIMARY")
SMOKE = makefile_var("SMOKE").split()
MATRIX = [PRIMARY, *SMOKE]


def pins(version: str) -> dict[str, str]:
    lines = (REPO / "tests" / f"constraints-{version}.txt").read_text().splitlines()
    return {k.lower().replace("_", "-"): v for k, v in (line.split("==", 1) for line in lines
                                                        if line and not line.startswith("#"))}


def key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in version.split("."))


def test_each_version_pins_its_ansible_core_and_the_rest_as_the_primary_does():
    primary = pins(PRIMARY)
    for version in MATRIX:
        assert pins(version)["ansible-core"].startswith(f"{version}."), version
    for version in SMOKE:
        smoke = pins(version)
        shared = {k: v for k, v in smoke.items() if k not in DIFFERENT}
        assert shared == {k: primary[k] for k in shared}, version


def test_the_readme_names_the_tested_versions_and_their_python():
    readme = (REPO / "README.md").read_text()
    for version in MATRIX:
        core = pins(version)["ansible-core"]
        python = makefile_var(f"PYTHON_VERSION_{version}")
        assert re.search(rf"\| ansible-core {re.escape(core)} \| Python {re.escape(python)} \|", readme), version


def test_requires_ansible_is_the_oldest_version_tested():
    runtime = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())
    oldest = min(MATRIX, key=key)
    assert runtime["requires_ansible"] == f">={oldest}.0"


def test_the_ee_and_de_install_an_ansible_core_that_the_matrix_tests():
    newest = pins(PRIMARY)["ansible-core"]
    for name in ("execution-environment.yml", "decision-environment.yml"):
        spec = yaml.safe_load((REPO / name).read_text())["dependencies"]["ansible_core"]["package_pip"]
        allowed = SpecifierSet(spec.removeprefix("ansible-core"))
        # the newest release the EE may pick is one the primary tier runs, and no line the matrix leaves out
        assert newest in allowed, (name, spec)
        assert all(f"{major}.0" not in allowed for major in ("2.22", "2.17")), (name, spec)
