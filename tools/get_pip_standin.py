#!/usr/bin/env python
"""Install a stand-in for ansible-test's get-pip bootstrap script.

`ansible-test sanity --venv` bootstraps pip in each virtual environment with a get-pip script that it downloads
from a host this machine cannot reach. It first looks in ~/.ansible/test/cache/get_pip_<version>.py, so we put a
small script there that does the same job with ensurepip and the package index that pip is configured for.

Usage: python tools/get_pip_standin.py --install
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

# The script ansible-test runs as `python get_pip.py [pip options] pip==X`. ensurepip clears PIP_* variables in
# os.environ as it runs, so the second pip gets the environment saved before it (certificates, index settings).
STANDIN = '''\
"""jobgate.cloud stand-in for get-pip.py: ensurepip, then pip install of the requested packages."""
import ensurepip
import os
import subprocess
import sys

saved_env = dict(os.environ)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
ensurepip.bootstrap(upgrade=True)
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args, env=saved_env))
'''


def pip_version() -> str:
    """The pip version ansible-test bootstraps (it names the cached script after it)."""
    import ansible_test  # pylint: disable=import-outside-toplevel

    source = Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
    found = re.search(r"pip='([0-9.]+)'", source.read_text())
    if not found:
        raise SystemExit(f"cannot find the bootstrap pip version in {source}")
    return found.group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--install", action="store_true", help="write the stand-in into ansible-test's cache")
    args = parser.parse_args()
    target = Path.home() / ".ansible" / "test" / "cache" / f"get_pip_{pip_version().replace('.', '_')}.py"
    if args.install:
        target.parent.mkdir(parents=True, exist_ok=True)
        # `make test` runs the tiers' sanity at once: write beside, then rename, so no ansible-test reads half a file
        partial = target.with_name(f"{target.name}.{os.getpid()}")
        partial.write_text(STANDIN)
        partial.replace(target)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
