#!/usr/bin/env bash
# Prints the path of a CPython X.Y interpreter: pyenv's newest X.Y.* first, then pythonX.Y on PATH. Each candidate
# is asked for its version, so a pyenv shim that is not active here does not count. Without one it fails and says
# how to get one.
#   tools/find_python.sh 3.12 "ansible-core 2.21"
set -u
want=${1:?usage: find_python.sh X.Y [what needs it]}
needed_by=${2:-this tier}

# The right X.Y, and not a venv's (the Makefile puts the venv being rebuilt first on PATH).
works() {
    [ -x "$1" ] && "$1" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$want'.split('.')))
                             or sys.prefix != sys.base_prefix)" >/dev/null 2>&1
}

candidates=()
if command -v pyenv >/dev/null 2>&1; then
    # `pyenv prefix 3.12` takes the newest 3.12.* installed (pyenv 2.3+); older pyenvs want the full version.
    for v in $want $(pyenv versions --bare 2>/dev/null | grep -E "^${want//./\\.}\.[0-9]+$" | sort -t. -k3,3nr); do
        prefix=$(pyenv prefix "$v" 2>/dev/null) && candidates+=("$prefix/bin/python$want")
    done
fi
while IFS= read -r found; do candidates+=("$found"); done < <(type -ap "python$want" 2>/dev/null)

for py in "${candidates[@]}"; do
    if works "$py"; then
        echo "$py"
        exit 0
    fi
done
cat >&2 <<MSG
error: $needed_by needs CPython $want, and none was found (looked for pyenv's $want.* and python$want on PATH).
  Get one with pyenv:  pyenv install $want   (no need to make it the global version)
  or a system package: apt-get install python$want python$want-venv   (Debian/Ubuntu, where packaged)
  or name one:         make test PYTHON_$(echo "$needed_by" | sed -n 's/.*ansible-core //p')=/path/to/python$want
MSG
exit 1
