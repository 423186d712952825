# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every integration target against the real Trigger.dev server (make integration-real).

    python tests/utils/integration_real.py VENV [ansible-test integration arguments / targets]

Run from the build tree under tests/realserver/with_real_server.py, which gives the server's control
front in TRIGGER_EMULATOR_URL. The targets see the same `emulator` variables as against the emulator
(the front serves /_emulator/config, journal and reset). What the real server cannot do here is the
tags listed in tests/integration/real_server.yml: each names a capability of the backend's config; a
task or block tagged with a missing capability is skipped (--skip-tags), and the report counts them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REGISTRY = os.path.join(ROOT, 'tests', 'integration', 'real_server.yml')
TARGETS = os.path.join(ROOT, 'tests', 'integration', 'targets')


def load_config(url):
    with urllib.request.urlopen(url.rstrip('/') + '/_emulator/config', timeout=30) as response:
        return json.load(response)


def missing_tags(config, registry):
    """The registry's tags whose capability the backend does not have."""
    capabilities = config.get('capabilities') or {}
    missing = {}
    for tag, spec in registry['tags'].items():
        need = spec['capability']
        if need.startswith('runs_execute:'):
            have = need.split(':', 1)[1] in (capabilities.get('runs_execute') or [])
        else:
            have = capabilities.get(need, config.get('backend') != 'real')
        if not have:
            missing[tag] = spec['reason']
    return missing


def _walk(tasks, tags, target, counts, inherited=()):
    for task in tasks or ():
        if not isinstance(task, dict):
            continue
        own = task.get('tags') or []
        own = [own] if isinstance(own, str) else own
        here = set(inherited) | set(own)
        nested = [task.get(key) for key in ('block', 'rescue', 'always') if task.get(key)]
        if nested:
            for part in nested:
                _walk(part, tags, target, counts, here)
            continue
        counts[target]['cases'] += 1
        hit = sorted(here & set(tags))
        if hit:
            counts[target]['skipped'] += 1
            for tag in hit:
                counts[target]['by_tag'][tag] = counts[target]['by_tag'].get(tag, 0) + 1


def count_cases(targets, tags):
    """Tasks per target, and how many carry a skipped tag (static: tasks files of each target)."""
    counts = {}
    for target in targets:
        counts[target] = {'cases': 0, 'skipped': 0, 'by_tag': {}}
        tasks_dir = os.path.join(TARGETS, target, 'tasks')
        for name in sorted(os.listdir(tasks_dir)):
            if name.endswith(('.yml', '.yaml')):
                with open(os.path.join(tasks_dir, name), encoding='utf-8') as handle:
                    _walk(yaml.safe_load(handle), tags, target, counts)
    return counts


def main(argv):
    venv, extra = argv[0], argv[1:]
    url = os.environ.get('TRIGGER_EMULATOR_URL')
    if not url:
        print('integration-real: TRIGGER_EMULATOR_URL is not set (run under tests/realserver/with_real_server.py)')
        return 2
    config = load_config(url)
    with open(REGISTRY, encoding='utf-8') as handle:
        registry = yaml.safe_load(handle)
    skip = missing_tags(config, registry)
    targets = sorted(name for name in os.listdir(TARGETS) if os.path.isdir(os.path.join(TARGETS, name)))
    with open(os.path.join(ROOT, 'tests', 'integration', 'integration_config.yml'), 'w', encoding='utf-8') as handle:
        json.dump({'emulator': config}, handle, indent=2)
    python = subprocess.check_output([os.path.join(venv, 'bin', 'python'), '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], text=True).strip()
    command = [os.path.join(venv, 'bin', 'ansible-test'), 'integration', '--local', '--color', 'no', '--python', python, '--continue-on-error']
    if skip:
        command += ['--skip-tags', ','.join(sorted(skip))]
    rc = subprocess.call(command + extra, cwd=ROOT)
    counts = count_cases([t for t in targets if not [a for a in extra if not a.startswith('-')] or t in extra], skip)
    total = sum(c['cases'] for c in counts.values())
    skipped = sum(c['skipped'] for c in counts.values())
    print('integration-real: %d targets, %d cases against the real server (%s), %d cases skipped'
          % (len(counts), total - skipped, config.get('server_commit', '?'), skipped))
    for tag, reason in sorted(skip.items()):
        where = ', '.join('%s %d' % (t, c['by_tag'][tag]) for t, c in sorted(counts.items()) if c['by_tag'].get(tag))
        print('  skipped [%s] %s: %s' % (tag, reason, where or 'no cases'))
    print('integration-real: %s' % ('passed' if rc == 0 else 'FAILED (ansible-test exit %d)' % rc))
    if not [a for a in extra if not a.startswith('-')]:
        # The demo too, twice (the second run must change nothing), running its tasks in dev where `trigger dev` executes them.
        demo = subprocess.call([os.path.join(venv, 'bin', 'python'), os.path.join(ROOT, 'tests', 'packaging', 'run_demo.py'),
                                '--ansible-playbook', os.path.join(venv, 'bin', 'ansible-playbook'), '--backend-url', url,
                                '--run-environment', 'dev'], cwd=ROOT)
        print('integration-real: the demo %s against the real server' % ('passed' if demo == 0 else 'FAILED'))
        rc = rc or demo
    return rc


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
