#!/usr/bin/env bash
# Put the awx.awx collection into DEST/ansible_collections/awx/awx, from the community `ansible`
# package on PyPI (tests/requirements/awx-collection.txt pins it): Galaxy is not reachable here,
# PyPI is. Cached: nothing is downloaded when DEST already has it.
# Usage: tests/packaging/awx_collection.sh VENV DEST
set -euo pipefail
venv=$(cd "$1" && pwd); dest=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -f "$dest/ansible_collections/awx/awx/plugins/modules/credential_type.py" ]; then
  exit 0
fi
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
"$venv/bin/pip" download -q --disable-pip-version-check --no-deps -r "$root/tests/requirements/awx-collection.txt" -d "$cache"
mkdir -p "$dest"
"$venv/bin/python" - "$cache" "$dest" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + '/ansible-*.whl')[0]
with zipfile.ZipFile(wheel) as archive:
    members = [m for m in archive.namelist() if m.startswith('ansible_collections/awx/awx/')]
    if not members:
        sys.exit('%s does not contain awx.awx' % wheel)
    archive.extractall(sys.argv[2], members)
print('awx.awx extracted from %s into %s' % (wheel.rsplit('/', 1)[-1], sys.argv[2]))
PY
