#!/usr/bin/env bash
# Make every installed python3.X callable by name from one folder (argument 1), so ansible-test
# can check module code on each target Python even where pyenv shims need PYENV_VERSION,
# which ansible-test does not pass on.
set -euo pipefail
dir=$1
mkdir -p "$dir"
versions=$(command -v pyenv >/dev/null 2>&1 && pyenv versions --bare 2>/dev/null | grep -E '^3\.[0-9]+\.[0-9]+$' | tr '\n' ':' | sed 's/:$//' || true)
for minor in 8 9 10 11 12 13 14; do
  exe=$(PYENV_VERSION="${versions}" "python3.${minor}" -c 'import sys; print(sys.executable)' 2>/dev/null || true)
  if [ -n "$exe" ]; then
    ln -sf "$(readlink -f "$exe")" "$dir/python3.${minor}"
  fi
done
