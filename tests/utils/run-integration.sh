#!/usr/bin/env bash
# Run the ansible-test integration targets against a fresh local emulator.
# Usage: run-integration.sh VENV BUILD_TREE [ansible-test integration arguments / targets]
set -euo pipefail
venv=$1; build=$2; shift 2
here=$(cd "$(dirname "$0")" && pwd)
cd "$build"
exec "$venv/bin/python" "$here/with_emulator.py" --config-out tests/integration/integration_config.yml \
  --emulator-arg=--run-pace --emulator-arg=0.05 -- \
  "$venv/bin/ansible-test" integration --local --color no --python "$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" "$@"
