#!/usr/bin/env python
"""Regenerate plugins/module_utils/_panorama/model.py from a botocore release that still ships Panorama.

botocore dropped the Panorama service model in 1.43.38. The collection carries the API definition of the
operations it calls (no documentation strings) so that the modules keep working with any botocore.

Usage: python tools/gen_panorama_model.py [--botocore-data DIR | --reformat]
Without either it downloads botocore==1.43.37 from the package index into a temporary directory; --reformat writes
the carried model again (after a change to this tool's format).
"""
from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

OPERATIONS = (
    "CreateJobForDevices",
    "DescribeDeviceJob",
    "ListDevicesJobs",
    "DescribeDevice",
    "ListDevices",
    "CreatePackageImportJob",
    "DescribePackageImportJob",
    "ListPackageImportJobs",
)
API_VERSION = "2019-07-24"
DEST = Path(__file__).resolve().parent.parent / "plugins" / "module_utils" / "_panorama" / "model.py"


def _strip_docs(node):
    if isinstance(node, dict):
        return {k: _strip_docs(v) for k, v in node.items() if k not in ("documentation", "documentationUrl")}
    if isinstance(node, list):
        return [_strip_docs(v) for v in node]
    return node


def _shapes_used(model: dict) -> set[str]:
    shapes = model["shapes"]
    todo = []
    for op in OPERATIONS:
        spec = model["operations"][op]
        todo += [spec[k]["shape"] for k in ("input", "output") if k in spec]
        todo += [e["shape"] for e in spec.get("errors", [])]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        for key in ("member", "key", "value"):
            if key in shape:
                todo.append(shape[key]["shape"])
        todo += [m["shape"] for m in shape.get("members", {}).values()]
    return seen


# pycodestyle's limit; a longer entry keeps its one line, marked.
WIDTH = 160
# Nested deeper than this an entry keeps its one line: the ruleset's innermost trees (FIPS, dual-stack) differ only
# in names, and spread out they would read as one block written four times.
DEPTH = 6


def _entry(prefix: str, value, indent: int, closer: str, depth: int = 0) -> list[str]:
    """``prefix`` + ``value`` + ``closer`` on one line if it fits (or lies deep), else its items one a line; the
    operations and shapes are always one a line, each (as in the API definition) a declaration of its own."""
    one = f"{' ' * indent}{prefix}{value!r}{closer}"
    if len(one) <= WIDTH or depth >= DEPTH or not isinstance(value, (dict, list)) or not value:
        return [one]
    opening, ending = ("{", "}") if isinstance(value, dict) else ("[", "]")
    items = list(value.items()) if isinstance(value, dict) else [(None, item) for item in value]
    lines = [f"{' ' * indent}{prefix}{opening}"]
    for key, item in items:
        inner = f"{key!r}: " if key is not None else ""
        if depth == 0 and key in ("operations", "shapes"):
            lines.append(f"{' ' * (indent + 4)}{inner}{{")
            lines += [f"{' ' * (indent + 8)}{name!r}: {spec!r}," for name, spec in item.items()]
            lines.append(f"{' ' * (indent + 4)}}},")
        else:
            lines += _entry(inner, item, indent + 4, ",", depth + 1)
    return lines + [f"{' ' * indent}{ending}{closer}"]


def _assign(name: str, value: dict) -> str:
    """`NAME = {...}`: one line per operation and per shape, so that the generated file reads as the table it is
    rather than as pprint's columns of repeated keys."""
    return "\n".join(_entry(f"{name} = ", value, 0, ""))


def _load(data_dir: Path, name: str) -> dict:
    path = data_dir / "panorama" / API_VERSION / name
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as fh:
        return json.load(fh)


def _download(tmp: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(tmp),
                    "botocore==1.43.37"], check=True)
    wheel = next(tmp.glob("botocore-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(tmp / "unpacked")
    return tmp / "unpacked" / "botocore" / "data"


def _carried() -> tuple[dict, dict]:
    """The model and ruleset the collection carries now (to write them again in this tool's format)."""
    spec = importlib.util.spec_from_file_location("_carried_panorama_model", DEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SERVICE_MODEL, module.ENDPOINT_RULESET


def _from_botocore(data_dir: Path) -> tuple[dict, dict]:
    model = _load(data_dir, "service-2.json.gz")
    ruleset = _load(data_dir, "endpoint-rule-set-1.json.gz")
    used = _shapes_used(model)
    service = _strip_docs({
        "version": model.get("version", "2.0"),
        "metadata": model["metadata"],
        "operations": {op: model["operations"][op] for op in OPERATIONS},
        "shapes": {name: model["shapes"][name] for name in sorted(used)},
    })
    return service, _strip_docs(ruleset)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--botocore-data", type=Path, help="a botocore/data directory that has panorama/")
    source.add_argument("--reformat", action="store_true", help="write the carried model again (no download)")
    args = parser.parse_args()
    if args.reformat:
        service, ruleset = _carried()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            service, ruleset = _from_botocore(args.botocore_data or _download(Path(tmp)))
    body = [
        "# Generated by tools/gen_panorama_model.py from botocore's Panorama model (Apache-2.0, API definition only).",
        "# Do not edit by hand.",
        "from __future__ import annotations",
        "",
        f"API_VERSION = {API_VERSION!r}",
        "",
        _assign("SERVICE_MODEL", service),
        "",
        _assign("ENDPOINT_RULESET", ruleset),
        "",
    ]
    # An entry or a regex longer than pycodestyle's limit stays whole.
    text = "\n".join(line + "  # noqa: E501" if len(line) > WIDTH else line for line in "\n".join(body).split("\n"))
    DEST.write_text(text)
    print(f"wrote {DEST} ({len(service['operations'])} operations, {len(service['shapes'])} shapes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
