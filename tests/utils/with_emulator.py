# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a command with the local Trigger.dev emulator up, then stop it.

    python tests/utils/with_emulator.py [--config-out FILE] [--emulator-arg ARG ...] -- COMMAND ...

The command gets TRIGGER_EMULATOR_URL in its environment. With --config-out, the emulator's
/_emulator/config is written there as YAML-compatible JSON under the key ``emulator``
(ansible-test reads tests/integration/integration_config.yml as extra vars).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.request
from contextlib import contextmanager

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@contextmanager
def emulator(*extra_args, python=None):
    """Start the emulator on a free loopback port; yield its base URL."""
    cmd = [python or sys.executable, os.path.join(ROOT, 'tests', 'emulator'), '--host', '127.0.0.1', '--port', '0']
    cmd.extend(extra_args)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        if not line.startswith('listening on '):
            raise RuntimeError('the emulator did not start (it printed %r)' % line)
        yield line[len('listening on '):]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def fetch_config(url):
    with urllib.request.urlopen(url + '/_emulator/config', timeout=10) as response:
        return json.load(response)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config-out', help='write {"emulator": <config>} to this file')
    parser.add_argument('--emulator-arg', action='append', default=[], help='an argument for the emulator (repeatable)')
    parser.add_argument('command', nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ['--'] else args.command
    if not command:
        parser.error('no command given')
    with emulator(*args.emulator_arg) as url:
        if args.config_out:
            with open(args.config_out, 'w', encoding='utf-8') as handle:
                json.dump({'emulator': fetch_config(url)}, handle, indent=2)
        env = dict(os.environ, TRIGGER_EMULATOR_URL=url)
        return subprocess.call(command, env=env)


if __name__ == '__main__':
    sys.exit(main())
