#!/usr/bin/env bash
# Pre-seed ansible-test's pip bootstrap cache with the offline stand-in, for every pip version
# the given ansible-test installations ask for (the download host is not reachable here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="${HOME}/.ansible/test/cache"
mkdir -p "$cache"
for python in "$@"; do
  version=$("$python" - <<'PY'
import inspect, re
from ansible_test._internal import python_requirements as pr
print(re.search(r"pip='([0-9.]+)'", inspect.getsource(pr.get_venv_packages)).group(1))
PY
)
  cp "$here/get_pip_standin.py" "$cache/get_pip_${version//./_}.py"
done
