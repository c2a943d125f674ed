#!/usr/bin/env python
"""Write the shared return documentation and the permissions into the modules, the permissions docs and
docs/collection/, or check all are current.

Usage: python tools/docs.py --write | --check [--returns-only]
The return values every job module shares are written once, in tools/returns.yml; this puts them into each
module's RETURN between its `# BEGIN name` / `# END name` markers (ansible-doc has no RETURN fragments). The API
actions each module calls are declared once, in the registry of kinds (plugins/module_utils/_core/kinds.py); this
puts them into each module's DOCUMENTATION notes (`# BEGIN permissions` / `# END permissions`) and writes
docs/permissions.md with its IAM policies and Azure role definitions (docs/permissions/*.json). Then
antsibull-docs runs against the collection as installed (ANSIBLE_COLLECTIONS_PATH), plus its docs linter.
"""
from __future__ import annotations

import argparse
import copy
import filecmp
import importlib.util
import json
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
REGISTRY = ROOT / "plugins" / "module_utils" / "_core" / "kinds.py"
PERMISSIONS = ROOT / "docs" / "permissions.md"
POLICIES = ROOT / "docs" / "permissions"
BIN = Path(sys.executable).parent

MARKER = re.compile(r"^(?P<indent> *)# BEGIN (?P<name>\w+)\b.*$")
BEGIN_TEXT = "# BEGIN {name}: generated from {origin} by `make docs`; edit it there"
ORIGINS = {"normalized": "tools/returns.yml", "shared": "tools/returns.yml",
           "permissions": "plugins/module_utils/_core/kinds.py"}
PLACEHOLDER = re.compile(r"\{(provider|id_option|ids_option|id_ref|job_returned|info_module)\}")
WIDTH = 110


# ---------------------------------------------------------------------------------------------------------- RETURN
class _Dumper(yaml.SafeDumper):
    """Block style with lists indented under their key, as the hand-written parts of RETURN are."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):  # noqa: ARG002 - PyYAML's signature
        return super().increase_indent(flow, False)


def load_registry(path: Path = REGISTRY):
    """The registry of kinds, loaded from its file: it imports nothing of the collection, so no collection path
    is needed (make docs runs before the collection is installed)."""
    spec = importlib.util.spec_from_file_location("jobgate_cloud_kinds", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


KINDS = load_registry().KINDS


def load_source(path: Path = SOURCE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def module_kinds(source: dict) -> dict:
    """{module name: (kind, flavour)}: the registry's modules of the kinds tools/returns.yml describes."""
    found = {}
    for name in source["kinds"]:
        if name in KINDS:
            for flavour, module in KINDS[name].modules.items():
                found[module] = (name, flavour)
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
    declared = KINDS[kind]
    names = {"provider": kind, "id_option": declared.id_option.name, "ids_option": declared.ids_option.name,
             "info_module": declared.info_module}
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
    out = {name: _dump(_fill(data, names)) for name, data in (("normalized", {"normalized": normalized}), ("shared", shared))}
    out["permissions"] = _dump(permission_notes(KINDS[kind], flavour))
    return out


def _dump(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=WIDTH, allow_unicode=True)


# ---------------------------------------------------------------------------------------------------------- permissions
AUTHORIZATION = {"aws": "AWS IAM", "azure": "Azure RBAC"}


def _merged(actions) -> list:
    """[(action name, [(why, when)])] in first-seen order: an action a module calls for two reasons is listed once."""
    merged: dict = {}
    for action in actions:
        merged.setdefault(action.name, []).append((action.why, action.when))
    return list(merged.items())


def _reason(uses: list) -> str:
    return "; ".join(f"{why} ({when})" if when else why for why, when in uses)


def permission_notes(kind, flavour: str) -> list:
    """The notes of one module naming every API action it calls (the registry's), for DOCUMENTATION."""
    system = AUTHORIZATION[kind.cloud]
    listed = "; ".join(f"C({name}) to {_reason(uses)}" for name, uses in _merged(kind.actions(flavour)))
    notes = [f"Permissions ({system}): {listed}."]
    if kind.cloud == "aws":
        notes.append("With O(assume_role_arn) these are the role's permissions, and the base credentials need "
                     "C(sts:AssumeRole) on the role. Least-privilege IAM policies for every kind are in the "
                     "collection's C(docs/permissions.md).")
    else:
        notes.append("The read actions cover the edge device's jobs at O(resource_uri) (a scope at the Arc machine or "
                     "above). Azure custom role definitions for reading and for starting are in the collection's "
                     "C(docs/permissions.md).")
    return notes


def _plain(text: str) -> str:
    """Ansible markup -> Markdown: O(x), V(x), C(x), RV(x) become code."""
    return re.sub(r"\b(?:O|V|C|RV)\(([^)]*)\)", r"`\1`", text)


def _actions(kinds, flavours, cloud: str) -> list:
    found: list = []
    for kind in kinds:
        if kind.cloud != cloud:
            continue
        for flavour in flavours:
            for action in kind.actions(flavour):
                if action.name not in found:
                    found.append(action.name)
    return found


# What each policy or role lets a user run: reading (the info modules, the role wait_for_job, the event source)
# or starting (the start modules, which read too, and all the reading).
POLICY_FLAVOURS = {"read": ("info",), "start": ("info", "start")}


def iam_policy(kinds, purpose: str) -> dict:
    actions = _actions(kinds, POLICY_FLAVOURS[purpose], "aws")
    pass_role = [name for name in actions if name == "iam:PassRole"]
    statements = []
    for service in sorted({name.split(":")[0] for name in actions} - {"iam"}):
        own = sorted(name for name in actions if name.split(":")[0] == service)
        verb = "Read" if purpose == "read" else "StartAndRead"
        statements.append({"Sid": f"Jobgate{service.capitalize()}{verb}Jobs", "Effect": "Allow", "Action": own,
                           "Resource": "*"})
    if pass_role:
        # Narrow Resource to the roles the playbooks name in iam_role_arn.
        statements.append({"Sid": "JobgatePassRoleToBackup", "Effect": "Allow", "Action": "iam:PassRole",
                           "Resource": "arn:aws:iam::*:role/*",
                           "Condition": {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}}})
    return {"Version": "2012-10-17", "Statement": statements}


def azure_role(kinds, purpose: str) -> dict:
    actions = sorted(_actions(kinds, POLICY_FLAVOURS[purpose], "azure"))
    what = "read" if purpose == "read" else "start and read"
    return {
        "Name": f"jobgate.cloud edge device jobs ({what})",
        "IsCustom": True,
        "Description": f"Lets jobgate.cloud {what} Azure Local (Azure Stack HCI) edge device jobs.",
        "Actions": actions,
        "NotActions": [],
        "DataActions": [],
        "NotDataActions": [],
        "AssignableScopes": ["/subscriptions/00000000-0000-0000-0000-000000000000"],
    }


def policy_files(kinds) -> dict:
    """{file name under docs/permissions/: its JSON text}."""
    documents = {
        "aws-iam-read.json": iam_policy(kinds, "read"),
        "aws-iam-start.json": iam_policy(kinds, "start"),
        "azure-role-read.json": azure_role(kinds, "read"),
        "azure-role-start.json": azure_role(kinds, "start"),
    }
    return {name: json.dumps(document, indent=2) + "\n" for name, document in documents.items()}


def permissions_page(kinds) -> str:
    """docs/permissions.md, whole."""
    lines = [
        "<!-- Generated from plugins/module_utils/_core/kinds.py by `make docs` (tools/docs.py); edit it there. -->",
        "# Permissions",
        "",
        "The API actions each module of jobgate.cloud calls, and least-privilege policies to allow them. The",
        "role `wait_for_job` and the event source `job_status` call what the info modules call.",
        "",
        "| policy or role | lets you run | file |",
        "|---|---|---|",
        "| AWS IAM policy, reading | every AWS info module, `wait_for_job`, `job_status` | "
        "[aws-iam-read.json](permissions/aws-iam-read.json) |",
        "| AWS IAM policy, starting | every AWS module (start modules read too) | "
        "[aws-iam-start.json](permissions/aws-iam-start.json) |",
        "| Azure custom role, reading | `hci_edge_device_job_info`, `wait_for_job`, `job_status` | "
        "[azure-role-read.json](permissions/azure-role-read.json) |",
        "| Azure custom role, starting | `hci_edge_device_job` and the above | "
        "[azure-role-start.json](permissions/azure-role-start.json) |",
        "",
        "- AWS: the policies allow the actions on `Resource: \"*\"`; these Describe, List and Start actions take no",
        "  narrower resource for most jobs. `iam:PassRole` is allowed only towards AWS Backup",
        "  (`iam:PassedToService`); narrow its `Resource` to the roles your playbooks pass in `iam_role_arn`.",
        "  Create the policy with `aws iam create-policy --policy-name jobgate-read --policy-document",
        "  file://aws-iam-read.json`.",
        "- With `assume_role_arn`, the base credentials need `sts:AssumeRole` on that role (and the role's trust",
        "  policy must name them); the role itself gets the policy.",
        "- Azure: set `AssignableScopes` to your subscription (or a resource group), then `az role definition create",
        "  --role-definition @azure-role-read.json`, and assign the role at the Arc machine, its resource group or",
        "  the subscription. `Microsoft.AzureStackHCI/locations/operationStatuses/read` lets `hci_edge_device_job`",
        "  follow the long-running operation of its PUT.",
        "",
        "## By module",
        "",
        "| module | actions | what for |",
        "|---|---|---|",
    ]
    for kind in kinds:
        for flavour, module in kind.modules.items():
            for index, (name, uses) in enumerate(_merged(kind.actions(flavour))):
                shown = f"`{module}`" if index == 0 else ""
                lines.append(f"| {shown} | `{name}` | {_plain(_reason(uses))} |")
    return "\n".join(lines) + "\n"


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def permissions_drift(kinds=None, page: Path = PERMISSIONS, policies: Path = POLICIES) -> list:
    kinds = list((kinds or KINDS).values())
    problems = []
    if not page.is_file() or page.read_text(encoding="utf-8") != permissions_page(kinds):
        problems.append(f"{_shown(page)} differs from the registry of kinds; run `make docs`")
    for name, text in policy_files(kinds).items():
        path = policies / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            problems.append(f"{_shown(path)} differs from the registry of kinds; run `make docs`")
    return problems


def write_permissions(kinds=None, page: Path = PERMISSIONS, policies: Path = POLICIES) -> None:
    kinds = list((kinds or KINDS).values())
    page.write_text(permissions_page(kinds), encoding="utf-8")
    policies.mkdir(exist_ok=True)
    for name, text in policy_files(kinds).items():
        (policies / name).write_text(text, encoding="utf-8")


RETURN_REGIONS = ("normalized", "shared")


def sync(text: str, module: str, source: dict, only: tuple | None = None) -> tuple:
    """(text with every marked region rewritten from the source, [problems]) for one module file's text; with
    ``only``, just those regions (the others are kept as they are)."""
    wanted = regions(source, module)
    if only is not None:
        wanted = {name: value for name, value in wanted.items() if name in only}
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
        if only is not None and name not in only and end is not None and name in ORIGINS:
            out.extend(lines[index:end + 1])
            index = end + 1
            continue
        if name not in wanted or end is None:
            problems.append(f"marker BEGIN {name} has no END {name}" if end is None else f"unknown region {name}")
            out.append(lines[index])
            index += 1
            continue
        seen.append(name)
        out.append(indent + BEGIN_TEXT.format(name=name, origin=ORIGINS[name]))
        out.extend((indent + line) if line else line for line in wanted[name].rstrip("\n").split("\n"))
        out.append(f"{indent}# END {name}")
        index = end + 1
    problems += [f"{'DOCUMENTATION' if name == 'permissions' else 'RETURN'} has no `# BEGIN {name}` / `# END {name}` "
                 "markers" for name in wanted if name not in seen]
    return "\n".join(out), problems


def return_drift(path: Path, source: dict) -> list:
    """What is wrong with one module's RETURN against the source: [] when it is current."""
    module = path.stem
    if module not in module_kinds(source):
        return [f"{path.name}: not listed under `kinds:` in tools/returns.yml"]
    text = path.read_text(encoding="utf-8")
    synced, problems = sync(text, module, source)
    if not problems and sync(text, module, source, RETURN_REGIONS)[0] != text:
        problems.append("the shared parts of RETURN differ from tools/returns.yml; run `make docs`")
    if not problems and sync(text, module, source, ("permissions",))[0] != text:
        problems.append("the permissions notes differ from the registry of kinds "
                        "(plugins/module_utils/_core/kinds.py); run `make docs`")
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
            print(f"wrote the generated parts of {path.name}")
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
    if args.write:
        write_permissions()
        print(f"wrote {PERMISSIONS.relative_to(ROOT)} and {POLICIES.relative_to(ROOT)}/")
    else:
        problems = permissions_drift()
        if problems:
            print("the permissions docs do not match the registry of kinds:\n  " + "\n  ".join(problems))
            return 1
        print("the modules' permissions notes and docs/permissions.md match the registry of kinds")
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
