#!/usr/bin/env bash
# Build the docs site offline into docs/build/html, lint the collection docs, then check the site:
# internal links (check_links.py) and rendering in headless Chromium (check_browser.py).
# Usage: tests/packaging/build_docs.sh VENV
# The collection must be installed where ANSIBLE_COLLECTIONS_PATH points (the Makefile's `tree`).
set -euo pipefail
venv=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/docs/build
export PATH=$venv/bin:$PATH
: "${ANSIBLE_COLLECTIONS_PATH:?set ANSIBLE_COLLECTIONS_PATH to a path holding ansible_collections/triggerdev/management}"
collection=$(ansible-galaxy collection list triggerdev.management --format json 2>/dev/null \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); print(next(p for p in d if "triggerdev.management" in d[p]))')
echo "docs: documenting triggerdev.management from $collection"

echo "docs: antsibull-docs lint-collection-docs --plugin-docs"
(cd "$collection/triggerdev/management" && antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs .)

rm -rf "$out/rst" "$out/html"
mkdir -p "$out/rst"
chmod og-w "$out/rst"   # antsibull-docs wants its output directory writable by itself only
python3 "$root/docs/sphinx/ansible_inventory.py" "$out/ansible_devel.inv"
antsibull-docs --config-file "$root/docs/sphinx/antsibull-docs.cfg" collection \
  --use-current --fail-on-error --cleanup everything --dest-dir "$out/rst" triggerdev.management
cp "$root/docs/sphinx/index.rst" "$out/rst/index.rst"
TRIGGER_DOCS_ANSIBLE_INVENTORY=$out/ansible_devel.inv \
  sphinx-build -b html -c "$root/docs/sphinx" -W --keep-going -q "$out/rst" "$out/html"
echo "docs: built $out/html/index.html"

python3 "$root/tests/packaging/check_links.py" "$out/html"
python3 "$root/tests/packaging/check_browser.py" --install --screenshots "$out/screenshots" "$out/html"
