# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make demo: run playbooks/demo.yml twice against the local emulator and show it is idempotent.

    python tests/packaging/run_demo.py [--ansible-playbook PATH]

Starts the emulator on a free loopback port, gives the playbook the connection through the
environment only (TRIGGER_API_URL, TRIGGER_ACCESS_TOKEN, TRIGGER_PROJECT_REF: what an AWX credential
injects, and what you set for Trigger.dev Cloud), runs it, runs it again and fails unless the second
run reports changed=0 and failed=0 for every host. ANSIBLE_COLLECTIONS_PATH must point at the
collection (the Makefile's tree).
"""

import argparse
import contextlib
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'utils'))

from with_emulator import emulator, fetch_config  # noqa: E402  pylint: disable=wrong-import-position

RECAP = re.compile(r'^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)'
                   r'\s+failed=(?P<failed>\d+)', re.M)
DEMO_PROJECT = 'proj_demo'


def recap(output):
    """{host: {ok, changed, unreachable, failed}} from the PLAY RECAP of ansible-playbook's output."""
    return {m.group('host'): {k: int(m.group(k)) for k in ('ok', 'changed', 'unreachable', 'failed')}
            for m in RECAP.finditer(output)}


def run(playbook_cmd, env, title):
    print('\n==== %s: %s' % (title, ' '.join(playbook_cmd)), flush=True)
    started = time.monotonic()
    proc = subprocess.Popen(playbook_cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        sys.stdout.write(line)
        lines.append(line)
    proc.wait()
    print('==== %s took %.1fs' % (title, time.monotonic() - started), flush=True)
    return proc.returncode, ''.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--ansible-playbook', default='ansible-playbook', help='the ansible-playbook to run')
    parser.add_argument('--backend-url', help='a running backend (its control front) instead of a new emulator, such as the real server')
    parser.add_argument('--run-environment', default='prod', help='where the demo runs its tasks (dev on the local real server)')
    args = parser.parse_args(argv)
    started = time.monotonic()
    with (contextlib.nullcontext(args.backend_url) if args.backend_url else emulator()) as url:
        config = fetch_config(url)
        project = next(p for p in config['projects'] if p['ref'] == DEMO_PROJECT)
        env = dict(os.environ, TRIGGER_API_URL=config['api_url'], TRIGGER_ACCESS_TOKEN=config['pat'],
                   TRIGGER_PROJECT_REF=project['ref'], ANSIBLE_NOCOLOR='1')
        for name in ('TRIGGER_SECRET_KEY', 'TRIGGER_ENVIRONMENT', 'TRIGGER_PREVIEW_BRANCH'):
            env.pop(name, None)
        print('demo: the Trigger.dev %s listens on %s (project %s)' % (config.get('backend', 'emulator'), url, project['ref']))
        playbook = [args.ansible_playbook, 'triggerdev.management.demo', '-e', 'demo_run_environment=%s' % args.run_environment]
        status = run(playbook, env, 'first run')[0]
        if status:
            print('demo: the first run failed (exit status %d)' % status)
            return 1
        status, output = run(playbook, env, 'second run (must change nothing)')
        hosts = recap(output)
        if status or not hosts or any(h['changed'] or h['failed'] or h['unreachable'] for h in hosts.values()):
            print('demo: the second run was not a no-op: exit status %d, recap %r' % (status, hosts))
            return 1
    print('''
demo: done in %.0fs. The second run reported changed=0: every module compared before writing, and the
task trigger found its earlier run through the idempotency key.

Where to look next:
  playbooks/demo.yml and playbooks/vars/demo.yml   what the demo does, and its data
  roles/*/README.md                                 the roles it uses (envvars, schedules, preview_environment, run_health)
  ansible-doc triggerdev.management.trigger_envvar  the modules' documentation (any module of the collection)
  make docs && open docs/build/html/index.html      the docs site, with the guides
  docs/docsite/rst/guide_getting_started.rst        running the same playbook against Trigger.dev Cloud, on a
                                                    scratch project (it sets variables such as DATABASE_URL):
      TRIGGER_API_URL=https://api.trigger.dev TRIGGER_ACCESS_TOKEN=tr_pat_... TRIGGER_PROJECT_REF=proj_... \\
      ansible-playbook triggerdev.management.demo -e demo_failing_task=""
''' % (time.monotonic() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main())
