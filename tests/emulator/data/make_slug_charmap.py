"""Regenerate the character maps of npm ``slug`` 6 that the server names preview branches with.

The server keys a preview branch on ``slug("preview-" + name)`` (apps/webapp/app/services/upsertBranch.server.ts,
``slug`` ^6.0.0 in apps/webapp/package.json). ``tests/emulator/slug.py`` ports the function; this script
writes the two maps it needs, taken from the package itself:

    npm install --prefix /tmp/slug slug@6
    python3 tests/emulator/data/make_slug_charmap.py /tmp/slug/node_modules/slug NODE
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main(package, node="node"):
    script = "const s = require(%s); process.stdout.write(JSON.stringify({version: require(%s).version, charmap: s.charmap, multicharmap: s.multicharmap}))"
    out = subprocess.run([node, "-e", script % (json.dumps(package), json.dumps(os.path.join(package, "package.json")))],
                         check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    with open(os.path.join(HERE, "slug_charmap.json"), "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, sort_keys=True, indent=0)
        handle.write("\n")
    print("slug %s: %d + %d entries" % (data["version"], len(data["charmap"]), len(data["multicharmap"])))


if __name__ == "__main__":
    main(*sys.argv[1:])
