#!/usr/bin/env python
"""Write the shared return documentation into the modules and generate docs/collection/, or check both are current.

Usage: python tools/docs.py --write | --check [--returns-only]
The return values every job module shares are written once, in tools/returns.yml; this puts them into each
module's RETURN between its `# BEGIN name` / `# END name` markers (ansible-doc has no RETURN fragments). Then
antsibull-docs runs against the collection as installed (ANSIBLE_COLLECTIONS_PATH), plus its docs linter.
"""
from __future__ import annotations

import argparse
import copy
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "docs" / "collection"
MODULES = ROOT / "plugins" / "modules"
SOURCE = ROOT / "tools" / "returns.yml"
BIN = Path(sys.executable).parent

MARKER = re.compile(r"^(?P<indent> *)# BEGIN (?P<name>\w+)\b.*$")
BEGIN_TEXT = "# BEGIN {name}: generated from tools/returns.yml by `make docs`; edit it there"
PLACEHOLDER = re.compile(r"\{(provider|id_option|ids_option|id_ref|job_returned|info_module)\}")
WIDTH = 110


# ---------------------------------------------------------------------------------------------------------- RETURN
class _Dumper(yaml.SafeDumper):
    """Block style with lists indented under their key, as the hand-written parts of RETURN are."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):  # noqa: ARG002 - PyYAML's signature
        return super().increase_indent(flow, False)


def load_source(path: Path = SOURCE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def module_kinds(source: dict) -> dict:
    """{module name: (kind, flavour)} from the kinds' `modules` entries."""
    found = {}
    for kind, spec in source["kinds"].items():
        for flavour, module in spec["modules"].items():
            found[module] = (kind, flavour)
    return found


def _fill(value, names: dict):
    """Replace {placeholders} in every string of value."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: names[m.group(1)], value)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


def _names(source: dict, kind: str, flavour: str) -> dict:
    spec = source["kinds"][kind]
    names = {"provider": kind, "id_option": spec["id_option"], "ids_option": spec["ids_option"],
             "info_module": spec["modules"]["info"]}
    for key, text in source["flavours"][flavour].items():
        if key != "descriptions":
            names[key] = _fill(text, names)
    return names


def _describe(shared: dict, path: str, text) -> None:
    """Set the description of a shared key: "summary", or "summary.all_succeeded" inside its contains."""
    key, *inner = path.split(".")
    node = shared[key]
    for name in inner:
        node = node["contains"][name]
    node["description"] = text


def regions(source: dict, module: str) -> dict:
    """{region name: its YAML text, unindented} for one module."""
    kind, flavour = module_kinds(source)[module]
    spec = source["kinds"][kind]
    names = _names(source, kind, flavour)
    normalized = copy.deepcopy(source["normalized"])
    for key, text in (spec.get("normalized") or {}).items():
        normalized["contains"][key]["description"] = text
    shared = {}
    for key, value in copy.deepcopy(source["shared"]).items():
        if key == "would_start":
            if flavour != "start":
                continue
            value = {**value, "sample": spec["would_start"]}
        shared[key] = value
    own = (spec.get("descriptions") or {}).get(flavour) or {}
    for path, text in {**(source["flavours"][flavour].get("descriptions") or {}), **own}.items():
        _describe(shared, path, text)
    return {name: yaml.dump(_fill(data, names), Dumper=_Dumper, sort_keys=False, width=WIDTH, allow_unicode=True)
            for name, data in (("normalized", {"normalized": normalized}), ("shared", shared))}


def sync(text: str, module: str, source: dict) -> tuple:
    """(text with every marked region rewritten from the source, [problems]) for one module file's text."""
    wanted = regions(source, module)
    lines = text.split("\n")
    out: list = []
    seen: list = []
    problems: list = []
    index = 0
    while index < len(lines):
        match = MARKER.match(lines[index])
        if not match:
            out.append(lines[index])
            index += 1
            continue
        indent, name = match.group("indent"), match.group("name")
        end = next((i for i in range(index + 1, len(lines)) if lines[i].strip() == f"# END {name}"), None)
        if name not in wanted or end is None:
            problems.append(f"marker BEGIN {name} has no END {name}" if end is None else f"unknown region {name}")
            out.append(lines[index])
            index += 1
            continue
        seen.append(name)
        out.append(indent + BEGIN_TEXT.format(name=name))
        out.extend((indent + line) if line else line for line in wanted[name].rstrip("\n").split("\n"))
        out.append(f"{indent}# END {name}")
        index = end + 1
    problems += [f"RETURN has no `# BEGIN {name}` / `# END {name}` markers" for name in wanted if name not in seen]
    return "\n".join(out), problems


def return_drift(path: Path, source: dict) -> list:
    """What is wrong with one module's RETURN against the source: [] when it is current."""
    module = path.stem
    if module not in module_kinds(source):
        return [f"{path.name}: not listed under `kinds:` in tools/returns.yml"]
    text = path.read_text(encoding="utf-8")
    synced, problems = sync(text, module, source)
    if not problems and synced != text:
        problems.append("the shared parts of RETURN differ from tools/returns.yml; run `make docs`")
    return [f"{path.name}: {p}" for p in problems]


def module_files(modules: Path = MODULES) -> list:
    return sorted(p for p in modules.glob("*.py") if p.name != "__init__.py")


def write_returns(source: dict, modules: Path = MODULES) -> list:
    """Rewrite the marked regions of every module; returns the problems that writing cannot fix."""
    problems = []
    for path in module_files(modules):
        if path.stem not in module_kinds(source):
            problems.append(f"{path.name}: not listed under `kinds:` in tools/returns.yml")
            continue
        text = path.read_text(encoding="utf-8")
        synced, found = sync(text, path.stem, source)
        problems += [f"{path.name}: {p}" for p in found]
        if synced != text:
            path.write_text(synced, encoding="utf-8")
            print(f"wrote the shared RETURN parts of {path.name}")
    return problems


def check_returns(source: dict, modules: Path = MODULES) -> list:
    return [problem for path in module_files(modules) for problem in return_drift(path, source)]


# ---------------------------------------------------------------------------------------------------------- rst
def _env() -> dict:
    # antsibull-docs runs `ansible-doc` itself: it must find the venv's one.
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def generate(out: Path) -> None:
    subprocess.run(
        [str(BIN / "antsibull-docs"), "collection", "--use-current", "--squash-hierarchy", "--fail-on-error",
         "--output-format", "simplified-rst", "--no-add-antsibull-docs-version", "--no-breadcrumbs",
         "--dest-dir", str(out), "jobgate.cloud"],
        check=True, env=_env(),
    )


def differences(left: Path, right: Path) -> list:
    cmp = filecmp.dircmp(left, right)
    found = [f"only in generated: {n}" for n in cmp.left_only] + [f"only in docs/collection: {n}" for n in cmp.right_only]
    found += [f"out of date: {n}" for n in cmp.diff_files]
    for sub in cmp.common_dirs:
        found += differences(left / sub, right / sub)
    return found


def rst(write: bool) -> list:
    subprocess.run([str(BIN / "antsibull-docs"), "lint-collection-docs", "--plugin-docs", str(ROOT)], check=True, env=_env())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "collection"
        out.mkdir(mode=0o700)  # antsibull-docs refuses a missing or group-writable destination
        generate(out)
        if write:
            shutil.rmtree(DEST, ignore_errors=True)
            shutil.copytree(out, DEST)
            print(f"wrote {DEST}")
            return []
        return differences(out, DEST) if DEST.is_dir() else ["docs/collection/ is missing"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    parser.add_argument("--returns-only", action="store_true",
                        help="only the modules' RETURN (the rst pages are built from the installed collection)")
    args = parser.parse_args()
    source = load_source()
    problems = write_returns(source) if args.write else check_returns(source)
    if problems:
        print("RETURN does not match tools/returns.yml:\n  " + "\n  ".join(problems))
        return 1
    print("the modules' RETURN match tools/returns.yml")
    if args.returns_only:
        return 0
    problems = rst(args.write)
    if problems:
        print("docs/collection/ does not match the modules; run `make docs`:\n  " + "\n  ".join(problems))
        return 1
    if args.check:
        print("docs/collection/ matches the modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
