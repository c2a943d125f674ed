#!/usr/bin/env python
"""Generate docs/collection/ from the modules' and role's own documentation, or check that it is current.

Usage: python tools/docs.py --write | --check
Runs antsibull-docs against the collection as installed (ANSIBLE_COLLECTIONS_PATH), plus its docs linter.
"""
from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "docs" / "collection"
BIN = Path(sys.executable).parent


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


def differences(left: Path, right: Path) -> list[str]:
    cmp = filecmp.dircmp(left, right)
    found = [f"only in generated: {n}" for n in cmp.left_only] + [f"only in docs/collection: {n}" for n in cmp.right_only]
    found += [f"out of date: {n}" for n in cmp.diff_files]
    for sub in cmp.common_dirs:
        found += differences(left / sub, right / sub)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args()
    subprocess.run([str(BIN / "antsibull-docs"), "lint-collection-docs", "--plugin-docs", str(ROOT)], check=True, env=_env())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "collection"
        out.mkdir(mode=0o700)  # antsibull-docs refuses a missing or group-writable destination
        generate(out)
        if args.write:
            shutil.rmtree(DEST, ignore_errors=True)
            shutil.copytree(out, DEST)
            print(f"wrote {DEST}")
            return 0
        problems = differences(out, DEST) if DEST.is_dir() else ["docs/collection/ is missing"]
    if problems:
        print("docs/collection/ does not match the modules; run `make docs`:\n  " + "\n  ".join(problems))
        return 1
    print("docs/collection/ matches the modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
