#!/usr/bin/env python
"""Write the shared return documentation and the permissions into the modules, check them and lint the docs, or
build the HTML docsite.

Usage: python tools/docs.py --write | --check | --site [--dest DIR] [--strict]
The return values every job module shares are written once, in tools/returns.yml; --write puts them into each
module's RETURN between its `# BEGIN name` / `# END name` markers (ansible-doc has no RETURN fragments). The API
actions each module calls are declared once, in the registry of kinds (plugins/module_utils/_core/kinds.py); --write
also puts them into each module's DOCUMENTATION notes (`# BEGIN permissions` / `# END permissions`) and writes
docs/permissions.md with its IAM policies and Azure role definitions (docs/permissions/*.json). --check finds any
drift and runs antsibull-docs' linter. --site builds the docsite with antsibull-docs (sphinx-init, then the
collection's pages) and Sphinx from the collection as installed (ANSIBLE_COLLECTIONS_PATH), adding what
antsibull-docs does not write: the event source's page, from its own DOCUMENTATION.
"""
from __future__ import annotations

import argparse
import ast
import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import typing as t
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / ".build" / "docsite"
MODULES = ROOT / "plugins" / "modules"
SOURCE = ROOT / "tools" / "returns.yml"
REGISTRY = ROOT / "plugins" / "module_utils" / "_core" / "kinds.py"
PERMISSIONS = ROOT / "docs" / "permissions.md"
POLICIES = ROOT / "docs" / "permissions"
BIN = Path(sys.executable).parent

MARKER = re.compile(r"^(?P<indent> *)# BEGIN (?P<name>\w+)\b.*$")
BEGIN_TEXT = "# BEGIN {name}: generated from {origin} by `make docs`; edit it there"
ORIGINS = {"normalized": "tools/returns.yml", "shared": "tools/returns.yml",
           "permissions": "plugins/module_utils/_core/kinds.py", "kinds": "plugins/module_utils/_core/kinds.py"}
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


REGISTRY_MODULE = load_registry()
KINDS = REGISTRY_MODULE.KINDS


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
    # What assume_role_arn does to these is the same for every AWS kind: the aws doc fragment says it.
    if kind.cloud == "azure":
        # The first location option is the ARM id the URLs start from: the narrowest scope a role can be assigned at.
        notes.append(f"Assign them at O({kind.location_options[0]}) or above (its resource group, the subscription). "
                     "Azure custom role definitions for reading and for starting are in the collection's "
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
    titles = [kind.title for kind in kinds if kind.cloud == "azure"]
    return {
        "Name": f"jobgate.cloud Azure jobs ({what})",
        "IsCustom": True,
        "Description": f"Lets jobgate.cloud {what} {', '.join(titles[:-1])}{' and ' if len(titles) > 1 else ''}"
                       f"{titles[-1]}.",
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
    azure = [kind for kind in kinds if kind.cloud == "azure"]
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
        f"| Azure custom role, reading | {', '.join(f'`{k.info_module}`' for k in azure)}, `wait_for_job`, `job_status` | "
        "[azure-role-read.json](permissions/azure-role-read.json) |",
        f"| Azure custom role, starting | {', '.join(f'`{k.start_module}`' for k in azure)} and the above | "
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
        "  --role-definition @azure-role-read.json`, and assign the role at the resource a module addresses (its",
        f"  {', '.join(f'`{k.location_options[0]}`' for k in azure)}), its resource group or the subscription.",
        "  `Microsoft.AzureStackHCI/locations/operationStatuses/read` lets the start modules follow the long-running",
        "  operation of their request.",
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


def rewrite_regions(text: str, bodies: t.Mapping[str, str],
                    keep: t.Container[str] = ()) -> tuple[str, list[str], list[str]]:
    """(text with each ``# BEGIN name`` / ``# END name`` region of ``bodies`` holding its body, the names rewritten,
    [problems]): the one writer of generated regions. Regions named in ``keep`` stay as they are; any other name,
    or a BEGIN without its END, is a problem and its marker is left alone."""
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
        if name in keep and end is not None:
            out.extend(lines[index:end + 1])
            index = end + 1
            continue
        if name not in bodies or end is None:
            problems.append(f"marker BEGIN {name} has no END {name}" if end is None else f"unknown region {name}")
            out.append(lines[index])
            index += 1
            continue
        seen.append(name)
        out.append(indent + BEGIN_TEXT.format(name=name, origin=ORIGINS[name]))
        out.extend((indent + line) if line else line for line in bodies[name].rstrip("\n").split("\n"))
        out.append(f"{indent}# END {name}")
        index = end + 1
    return "\n".join(out), seen, problems


def sync(text: str, module: str, source: dict, only: tuple | None = None) -> tuple:
    """(text with every marked region rewritten from the source, [problems]) for one module file's text; with
    ``only``, just those regions (the others are kept as they are)."""
    wanted = regions(source, module)
    keep: tuple = ()
    if only is not None:
        wanted = {name: value for name, value in wanted.items() if name in only}
        keep = tuple(name for name in ORIGINS if name not in only)
    synced, seen, problems = rewrite_regions(text, wanted, keep)
    problems += [f"{'DOCUMENTATION' if name == 'permissions' else 'RETURN'} has no `# BEGIN {name}` / `# END {name}` "
                 "markers" for name in wanted if name not in seen]
    return synced, problems


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


# ---------------------------------------------------------------------------------------------------------- kind lists
# The lists of kinds and modules outside the modules, each between `# BEGIN kinds` / `# END kinds` markers: a new
# kind's entry in the registry puts it in the action groups, the role's choices and the event source's choices.
def runtime_kinds(kinds) -> str:
    """meta/runtime.yml's action groups (each cloud's modules; the info modules the role polls) and their routing."""
    groups: dict = {cloud: [m for kind in kinds if kind.cloud == cloud for m in (kind.info_module, kind.start_module)]
                    for cloud in REGISTRY_MODULE.CLOUDS}
    groups["wait_for_job"] = [kind.info_module for kind in kinds]
    routing = {kind.info_module: {"action_plugin": "ansible.legacy.normal"} for kind in kinds}
    return _dump({"action_groups": groups, "plugin_routing": {"modules": routing}})


def kind_choices(kinds) -> str:
    """The choices of the role's wait_for_job_kind and of the event source's kind: every kind's name."""
    return _dump({"choices": [kind.name for kind in kinds]})


KIND_LISTS = {
    ROOT / "meta" / "runtime.yml": runtime_kinds,
    ROOT / "roles" / "wait_for_job" / "meta" / "argument_specs.yml": kind_choices,
    ROOT / "extensions" / "eda" / "plugins" / "event_source" / "job_status.py": kind_choices,
}


def with_region(text: str, name: str, body: str) -> tuple:
    """(text with its one ``# BEGIN name`` / ``# END name`` region holding ``body``, [problems]): a file outside the
    modules must have exactly one; ``rewrite_regions`` writes it, and leaves the rest of the file alone."""
    lines = text.split("\n")
    begins = [i for i, line in enumerate(lines) if (m := MARKER.match(line)) and m.group("name") == name]
    ends = [i for i, line in enumerate(lines) if line.strip() == f"# END {name}"]
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        return text, [f"needs exactly one `# BEGIN {name}` and one `# END {name}` after it"]
    region = rewrite_regions("\n".join(lines[begins[0]:ends[0] + 1]), {name: body})[0]
    return "\n".join([*lines[:begins[0]], region, *lines[ends[0] + 1:]]), []


def kind_lists(write: bool, kinds=None, files: dict | None = None) -> list:
    """Write (or check) every list of kinds outside the modules (``files``: path -> writer, KIND_LISTS by default);
    returns the problems."""
    kinds = list((kinds or KINDS).values())
    problems = []
    for path, make in (files or KIND_LISTS).items():
        text = path.read_text(encoding="utf-8")
        synced, found = with_region(text, "kinds", make(kinds))
        problems += [f"{_shown(path)}: {p}" for p in found]
        if synced == text:
            continue
        if write:
            path.write_text(synced, encoding="utf-8")
            print(f"wrote the kinds of {_shown(path)}")
        else:
            problems.append(f"{_shown(path)} lists other kinds than the registry; run `make docs`")
    return problems


# ---------------------------------------------------------------------------------------------------------- site
COLLECTION = "jobgate.cloud"
INSTALLED = Path("ansible_collections") / "jobgate" / "cloud"
EVENT_SOURCE = Path("extensions") / "eda" / "plugins" / "event_source" / "job_status.py"
EVENT_SOURCE_LABEL = "ansible_collections.jobgate.cloud.job_status_event_source"
# The guides, in the docsite's order: Markdown in docs/, where Galaxy shows them. The site takes them as
# antsibull-docs extra docs (docs/docsite/extra-docs.yml and one page each in docs/docsite/rst/) that include the
# Markdown with MyST. Those are written into the staged copy only: antsibull-docs' linter checks extra docs as
# standalone docutils files, where a MyST include cannot work; the strict Sphinx build checks them instead.
GUIDES = ("try_it", "gating_deployments", "awx", "event_driven", "troubleshooting", "permissions")
# Where Sphinx reads the Markdown from, excluded from the documents it looks for by itself.
GUIDES_DIR = "_guides"
# The site's front page (antsibull-docs' own says "Welcome to my Ansible collection documentation").
INDEX_RST = """.. _docsite_root_index:

jobgate.cloud
=============

Gate playbooks, AWX jobs and Event-Driven Ansible rulebooks on long-running cloud work, with one status vocabulary
for all: AWS Backup report, backup and restore jobs, Azure Local (formerly Azure Stack HCI) edge device jobs, and
AWS Panorama device and package import jobs (AWS ended support for AWS Panorama on 31 May 2026).

- :ref:`The collection <plugins_in_jobgate.cloud>`: its modules, the role, the event source, the guides and the
  changelog.
- New here? Start with :ref:`Try your own playbook against the emulator
  <ansible_collections.jobgate.cloud.docsite.try_it>`, then :ref:`Gating a deployment on job completion
  <ansible_collections.jobgate.cloud.docsite.gating_deployments>`.

.. toctree::
   :maxdepth: 2
   :caption: Collections:

   collections/index

.. toctree::
   :maxdepth: 1
   :caption: Plugin indexes:
   :glob:

   collections/index_*

.. toctree::
   :maxdepth: 1
   :caption: Reference indexes:

   collections/environment_variables
"""
# Appended to the conf.py that `antsibull-docs sphinx-init` writes.
CONF_EXTRA = f"""

# ---- added by tools/docs.py
# The guides are Markdown (docs/*.md, which Galaxy renders); the stubs in docs/docsite/rst/ include them with MyST.
extensions.append("myst_parser")
exclude_patterns = ["{GUIDES_DIR}"]
myst_heading_anchors = 3
# No inventory is fetched (the build runs offline, in CI as here): the two labels of ansible's own docs that
# antsibull-docs' pages use link to docs.ansible.com directly; any other unknown label stays a warning.
intersphinx_mapping = {{}}
_ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"
_EXTERNAL = {{
    "common_return_values": _ANSIBLE_DOCS + "reference_appendices/common_return_values.html",
    "ansible_configuration_settings": _ANSIBLE_DOCS + "reference_appendices/config.html",
}}


def _external_label(app, env, node, contnode):
    from docutils import nodes

    url = _EXTERNAL.get(node.get("reftarget", ""))
    if node.get("reftype") != "ref" or url is None:
        return None
    return nodes.reference("", "", contnode, internal=False, refuri=url)


def setup(app):
    app.connect("missing-reference", _external_label)
"""


def _env(collections: Path | None = None) -> dict:
    # antsibull-docs runs `ansible-doc` itself: it must find the venv's one.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    if collections is not None:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(collections)
    return env


def installed_collection() -> Path:
    """The collection as `make install` put it (the first ANSIBLE_COLLECTIONS_PATH entry that has it)."""
    for entry in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep):
        if entry and (Path(entry) / INSTALLED / "MANIFEST.json").is_file():
            return Path(entry) / INSTALLED
    raise SystemExit("jobgate.cloud is not installed on ANSIBLE_COLLECTIONS_PATH; run `make install`")


def lint() -> None:
    subprocess.run([str(BIN / "antsibull-docs"), "lint-collection-docs", "--plugin-docs", str(ROOT)], check=True,
                   env=_env())


def stage(dest: Path) -> Path:
    """A copy of the installed collection under dest/collections, its changelog fragments released as the
    version in galaxy.yml when there are any, so that the site's changelog page shows what the next release
    brings. Returns the collections path."""
    collections = dest / "collections"
    copy = collections / INSTALLED
    shutil.copytree(installed_collection(), copy)
    extra = copy / "docs" / "docsite"
    (extra / "rst").mkdir(parents=True, exist_ok=True)
    sections = {"sections": [{"title": "Guides", "toctree": list(GUIDES)}]}
    (extra / "extra-docs.yml").write_text(yaml.safe_dump(sections), encoding="utf-8")
    for guide in GUIDES:
        if not (copy / "docs" / f"{guide}.md").is_file():
            raise SystemExit(f"docs/{guide}.md is missing from the installed collection")
        (extra / "rst" / f"{guide}.rst").write_text(
            f".. _ansible_collections.jobgate.cloud.docsite.{guide}:\n\n"
            f".. include:: /{GUIDES_DIR}/{guide}.md\n   :parser: myst_parser.sphinx_\n", encoding="utf-8")
    fragments = copy / "changelogs" / "fragments"
    if fragments.is_dir() and any(fragments.glob("*.yml")):
        shutil.copy(ROOT / "galaxy.yml", copy / "galaxy.yml")
        subprocess.run([str(BIN / "antsibull-changelog"), "release"], cwd=copy, check=True, env=_env())
    return collections


GUIDE_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<target>[\w-]+)\.md\)")
FILE_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<target>permissions/[\w.-]+\.json)\)")


def site_links(text: str) -> str:
    """A guide's links to another guide or to a policy file, as the site has them.

    On Galaxy and in the repository the guides link each other as files (`[x](permissions.md)`); on the site each
    guide is included into a page of its own, where such a path names nothing, so it becomes a link to that page
    (the page as a whole: a label set before an included heading has no anchor there), and a policy file a
    download."""
    def guide(found: re.Match) -> str:
        if found["target"] not in GUIDES:
            return found[0]
        return f"{{doc}}`{found['text']} </collections/jobgate/cloud/docsite/{found['target']}>`"

    text = GUIDE_LINK.sub(guide, text)
    return FILE_LINK.sub(lambda found: f"{{download}}`{found['text']} </{GUIDES_DIR}/{found['target']}>`", text)


def load_doc(path: Path) -> dict:
    """A plugin's DOCUMENTATION and EXAMPLES (read, never imported), its doc fragments' options and notes merged."""
    found: dict = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id in ("DOCUMENTATION", "EXAMPLES"):
            found[node.targets[0].id] = node.value.value
    doc = yaml.safe_load(found["DOCUMENTATION"])
    root = path.parents[4]
    for name in doc.get("extends_documentation_fragment") or []:
        namespace, collection, fragment = name.split(".")
        if f"{namespace}.{collection}" != COLLECTION:
            raise ValueError(f"{path.name}: a fragment of another collection: {name}")
        tree = ast.parse((root / "plugins" / "doc_fragments" / f"{fragment}.py").read_text(encoding="utf-8"))
        text = next(node.value.value for node in ast.walk(tree)
                    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DOCUMENTATION")
        extra = yaml.safe_load(text)
        doc["options"] = {**(extra.get("options") or {}), **(doc.get("options") or {})}
        doc["notes"] = (doc.get("notes") or []) + (extra.get("notes") or [])
    doc["examples"] = found.get("EXAMPLES", "")
    return doc


def _markup(text, plugin, options: frozenset = frozenset()) -> str:
    """Ansible markup (O(), V(), C(), E(), ...) as plain RST, through antsibull-docs-parser. An option of this page
    links to its entry (the plain formatter would name the plugin and link to the page itself); E() is a literal: the
    site's index of environment variables lists only those of plugin configuration, which the source has none of."""
    from antsibull_docs_parser import parser, rst as rst_format  # pylint: disable=import-outside-toplevel

    class Formatter(rst_format.PlainRSTFormatter):
        def format_env_variable(self, part) -> str:
            return f"\\ :literal:`{rst_format.rst_escape(part.name, escape_ending_whitespace=True)}`\\ "

        def format_option_name(self, part, url) -> str:
            if part.plugin != plugin:
                return super().format_option_name(part, url)
            shown = part.name if part.value is None else f"{part.name}={part.value}"
            escaped = rst_format.rst_escape(shown, escape_ending_whitespace=True, must_not_be_empty=True)
            if part.name not in options:   # an option of the kind's info module, not of the source's page
                return f"\\ :literal:`{escaped}`\\ "
            return f"\\ :ref:`{escaped} <{EVENT_SOURCE_LABEL}__parameter-{part.name}>`\\ "

    paragraphs = text if isinstance(text, list) else [text]
    return rst_format.to_rst_plain(parser.parse([str(p) for p in paragraphs], parser.Context(current_plugin=plugin)),
                                   formatter=Formatter(), current_plugin=plugin)


def _indent(text: str, spaces: int) -> str:
    return "\n".join((" " * spaces + line) if line else "" for line in text.split("\n"))


def event_source_rst(doc: dict, name: str = "job_status") -> str:
    """The event source's page (antsibull-docs does not document event sources yet), from its DOCUMENTATION."""
    from antsibull_docs_parser import dom  # pylint: disable=import-outside-toplevel

    fqcn = f"{COLLECTION}.{name}"
    plugin = dom.PluginIdentifier(fqcn=fqcn, type="event_source")
    names = frozenset(doc["options"])
    title = f"{fqcn} event source -- {doc['short_description']}"
    out = [f".. _{EVENT_SOURCE_LABEL}:", "", title, "=" * len(title), "",
           f"This event source is part of the {COLLECTION} collection; ansible-rulebook uses it as "
           f"``{fqcn}`` in a rulebook's ``sources``.", "",
           ".. contents::", "   :local:", "   :depth: 1", "", "Synopsis", "--------", ""]
    out += [f"- {_indent(_markup(item, plugin, names), 2).lstrip()}" for item in doc["description"]]
    out += ["", "Parameters", "----------", ""]
    for option, spec in sorted(doc["options"].items()):
        kind = spec.get("type", "str") + (f" / elements={spec['elements']}" if spec.get("elements") else "")
        details = [f"``{kind}``"]
        if spec.get("required"):
            details.append("required")
        if spec.get("aliases"):
            details.append("aliases: " + ", ".join(f"``{a}``" for a in spec["aliases"]))
        if spec.get("choices"):
            details.append("choices: " + ", ".join(f"``{c}``" for c in spec["choices"]))
        if "default" in spec:
            details.append(f"default: ``{spec['default']}``")
        out += [f".. _{EVENT_SOURCE_LABEL}__parameter-{option}:", "", f"``{option}``", f"   {' -- '.join(details)}",
                ""]
        description = spec.get("description") or []
        for item in description if isinstance(description, list) else [description]:
            out += [_indent(_markup(item, plugin, names), 3), ""]
    out += ["Notes", "-----", ""]
    out += [f"- {_indent(_markup(note, plugin, names), 2).lstrip()}" for note in doc.get("notes") or []]
    out += ["", "Examples", "--------", "", ".. code-block:: yaml+jinja", "", _indent(doc["examples"].strip("\n"), 4),
            ""]
    return "\n".join(out) + "\n"


def add_event_source(rst_dir: Path, collection: Path) -> None:
    """Write the event source's page beside the module pages and list it in the collection's index."""
    pages = rst_dir / "collections" / "jobgate" / "cloud"
    page = event_source_rst(load_doc(collection / EVENT_SOURCE))
    (pages / "job_status_event_source.rst").write_text(page, encoding="utf-8")
    index = pages / "index.rst"
    text = index.read_text(encoding="utf-8")
    section = ("\n.. _event_source_plugins_in_jobgate.cloud:\n\nEvent Sources\n~~~~~~~~~~~~~\n\n"
               f"* :ref:`job_status event source <{EVENT_SOURCE_LABEL}>` -- "
               f"{load_doc(collection / EVENT_SOURCE)['short_description']}\n\n"
               ".. toctree::\n    :maxdepth: 1\n    :hidden:\n\n    job_status_event_source\n\n")
    anchor = ".. _role_plugins_in_jobgate.cloud:"
    if anchor not in text:
        raise ValueError(f"{index}: no {anchor} to put the event sources before")
    index.write_text(text.replace(anchor, section + anchor, 1), encoding="utf-8")


def build_site(dest: Path, strict: bool) -> Path:
    """The HTML docsite: antsibull-docs' Sphinx set-up and pages, the event source's page, the guides (extra docs)
    and the changelog, built by Sphinx into dest/build/html (warnings are errors when strict)."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True, mode=0o700)
    collections = stage(dest)
    env = _env(collections)
    antsibull = str(BIN / "antsibull-docs")
    site = dest / "site"
    site.mkdir(mode=0o700)
    index = dest / "index.rst"
    index.write_text(INDEX_RST, encoding="utf-8")
    subprocess.run([antsibull, "sphinx-init", "--use-current", "--fail-on-error", "--no-add-antsibull-docs-version",
                    "--index-rst-source", str(index), "--dest-dir", str(site), "--project", COLLECTION,
                    "--copyright", "Contributors to the jobgate.cloud project",
                    "--title", "jobgate.cloud documentation", "--html-short-title", COLLECTION, COLLECTION],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    with open(site / "conf.py", "a", encoding="utf-8") as conf:
        conf.write(CONF_EXTRA)
    rst_dir = site / "rst"
    rst_dir.mkdir(mode=0o700, exist_ok=True)
    subprocess.run([antsibull, "--config-file", str(site / "antsibull-docs.cfg"), "collection", "--cleanup",
                    "everything", "--fail-on-error", "--use-current", "--no-add-antsibull-docs-version",
                    "--dest-dir", str(rst_dir), COLLECTION], check=True, env=env)
    copy = collections / INSTALLED
    add_event_source(rst_dir, copy)
    guides = rst_dir / GUIDES_DIR
    guides.mkdir()
    for guide in GUIDES:
        text = (copy / "docs" / f"{guide}.md").read_text(encoding="utf-8")
        (guides / f"{guide}.md").write_text(site_links(text), encoding="utf-8")
    shutil.copytree(copy / "docs" / "permissions", guides / "permissions")
    html = site / "build"
    command = [str(BIN / "sphinx-build"), "-M", "html", str(rst_dir), str(html), "-c", str(site), "-q"]
    subprocess.run(command + (["-W", "--keep-going"] if strict else []), check=True, env=env)
    print(f"built the docsite: {html / 'html' / 'index.html'}")
    return html / "html"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write the shared RETURN parts into the modules")
    mode.add_argument("--check", action="store_true", help="check them, and lint the docs with antsibull-docs")
    mode.add_argument("--site", action="store_true", help="build the HTML docsite from the installed collection")
    parser.add_argument("--dest", type=Path, default=SITE, help=f"where --site builds (default: {SITE})")
    parser.add_argument("--strict", action="store_true", help="with --site: Sphinx warnings are errors")
    args = parser.parse_args()
    if args.site:
        build_site(args.dest, args.strict)
        return 0
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
    problems = kind_lists(write=args.write)
    if problems:
        print("the lists of kinds do not match the registry of kinds:\n  " + "\n  ".join(problems))
        return 1
    print("the action groups and the role's and event source's kind choices match the registry of kinds")
    if args.check:
        lint()
    return 0


if __name__ == "__main__":
    sys.exit(main())
