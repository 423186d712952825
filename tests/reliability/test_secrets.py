# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets: run the integration targets (and the demo, when there is one) with -vvv and --diff and look for
every credential and every secret value in everything they printed or returned.

The demo runs as ``make demo`` runs it (connection from the TRIGGER_* environment variables only).
The emulator runs in this process, so every request it ever received is kept even when a target
clears the journal or resets the emulator: that gives the full list of secret values (every value
written with isSecret true) and of keys (the fixture's keys, the access token, and the key of every
preview branch created, and every key a rotation replaced or made).

What must be clean:

* every task of the collection (action ``triggerdev.management.*``): its whole -vvv output section
  (results, diffs, warnings, failures, invocation) and its recorded result;
* every failure message of any task (lookup errors surface there);
* every ``[WARNING]`` / ``[DEPRECATION WARNING]`` / ``[ERROR]`` line.

Output of the targets' own helper tasks is not the collection's: ``ansible.builtin.uri`` calls to the
API or the journal, ``set_fact`` of the emulator's keys, and ``set_fact`` of a value the envvar lookup
was asked to read (returning it is the lookup's job). Those sections are counted, not asserted.
"""

import glob
import json
import os
import re
import sys
import threading

import pytest

import harness
from reliability_support import LONG, report

TARGETS_DIR = os.path.join(harness.ROOT, 'tests', 'integration', 'targets')
SWEEP_CALLBACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'callback_plugins')
DEMO = os.path.join(harness.ROOT, 'playbooks', 'demo.yml')
# The short form (make test) sweeps the targets that handle secrets and credentials the most.
SHORT_TARGETS = ('trigger_envvar', 'lookup_envvar', 'trigger_preview_branch', 'trigger_api_key', 'role_project_config')
MIN_SECRET_LENGTH = 6
MARKER = re.compile(r'^@@sweep task=\d+ action=(\S+)$')
ALERT = re.compile(r'^\[(WARNING|DEPRECATION WARNING|ERROR)\]')


class RecordingEmulator:
    """The emulator in this process (a thread), remembering every request and every key it handed out."""

    def __init__(self):
        sys.path.insert(0, os.path.join(harness.ROOT, 'tests'))
        from emulator.server import Emulator, make_server  # pylint: disable=import-error,import-outside-toplevel
        self.emu = Emulator(run_pace=0.05)
        self.httpd = make_server('127.0.0.1', 0, self.emu)
        self.entries = []
        self.keys = set()
        self.secret_values = set()
        journal_add = self.emu.journal.add

        def add(entry):
            self.entries.append(entry)
            journal_add(entry)

        self.emu.journal.add = add
        state = self.emu.state
        add_env = state.add_env

        def record_env(project, env):
            self.keys.add(env['apiKey'])
            add_env(project, env)

        state.add_env = record_env
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={'poll_interval': 0.1}, daemon=True)
        self.thread.start()
        self.url = self.emu.api_url
        self.client = harness.Emu(self.url)
        self.keys.update(self.client.all_keys())

    def harvest(self):
        """Secret values from every request body seen so far and from the current state."""
        for entry in self.entries:
            body = entry.get('body')
            if not isinstance(body, dict) or not body.get('isSecret'):
                continue
            if entry['path'].endswith('/import'):
                for group in ('variables', 'parentVariables'):
                    if isinstance(body.get(group), dict):
                        self.secret_values.update(v for v in body[group].values() if isinstance(v, str))
            elif isinstance(body.get('value'), str):
                self.secret_values.add(body['value'])
        with self.emu.state.lock:
            for project in self.emu.state.data['projects'].values():
                for env in project['environments'].values():
                    self.keys.add(env['apiKey'])
                for values in project['envvars'].values():
                    for stored in values.values():
                        if stored.get('isSecret') and isinstance(stored.get('value'), str):
                            self.secret_values.add(stored['value'])
            # Rotated keys: every key a regeneration replaced (the current one is above).
            self.keys.update(self.emu.state.data.get('revokedApiKeys', {}))

    def secrets(self):
        self.harvest()
        values = {v for v in self.secret_values if len(v.strip()) >= MIN_SECRET_LENGTH}
        return sorted(self.keys), sorted(values)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.client.session.close()


def _targets():
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(TARGETS_DIR, '*')) if os.path.isdir(os.path.join(p, 'tasks')))
    return names if LONG else [n for n in names if n in SHORT_TARGETS]


def _run(recorder, playbook, extra_vars, env=None):
    env = dict(env or {})
    env.update({'ANSIBLE_CALLBACK_PLUGINS': os.pathsep.join([harness.CALLBACKS, SWEEP_CALLBACKS]),
                'ANSIBLE_CALLBACKS_ENABLED': 'bench_record,secret_sweep', 'ANSIBLE_ROLES_PATH': TARGETS_DIR})
    return harness.run_playbook(playbook, extra_vars, diff=True, verbosity=3, env=env, timeout=1800)


def _sections(text):
    """(action, lines) per task section of -vvv output; text before the first task is action None."""
    action, lines, sections = None, [], []
    for line in text.splitlines():
        match = MARKER.match(line.strip())
        if match:
            sections.append((action, lines))
            action, lines = match.group(1), []
        else:
            lines.append(line)
    sections.append((action, lines))
    return sections


def _find(text, secrets):
    return [s for s in secrets if s in text]


def _sweep(name, run, keys, values):
    """Problems (strings) found in one playbook run's output and results."""
    secrets = keys + values
    problems, exempt = [], 0
    for stream, text in (('stdout', run.stdout), ('stderr', run.stderr)):
        for action, lines in _sections(text):
            section = '\n'.join(lines)
            found = _find(section, secrets)
            if action and action.startswith('triggerdev.management.') and found:
                problems.append('%s: %s output of a %s task shows %d secret(s), e.g. %s...' % (
                    name, stream, action, len(found), found[0][:6]))
            elif found:
                exempt += 1
            for line in lines:
                if ALERT.match(line) and _find(line, secrets):
                    problems.append('%s: a warning/error line shows a secret: %s' % (name, line[:200]))
    for task in run.tasks:
        for host, result in task['results'].items():
            text = json.dumps(result, default=str)
            if task['action'].startswith('triggerdev.management.'):
                found = _find(text, secrets)
                if found:
                    problems.append('%s: the result of %s (%s) holds %d secret(s), e.g. %s...' % (
                        name, task['name'], host, len(found), found[0][:6]))
            if result.get('_status') == 'failed' or result.get('failed'):
                failure = json.dumps({k: result.get(k) for k in ('msg', 'exception', 'failure', 'stderr', 'module_stderr')}, default=str)
                found = _find(failure, secrets)
                if found:
                    problems.append('%s: the failure of %s shows a secret' % (name, task['name']))
    return problems, exempt


@pytest.fixture(scope='module')
def recorder():
    instance = RecordingEmulator()
    yield instance
    instance.close()


@pytest.mark.parametrize('target', _targets())
def test_integration_target_output_holds_no_secret(recorder, target):
    # The fixture first: an earlier target may have rotated keys, and the target resets the emulator at its start.
    recorder.client.reset()
    config = recorder.client.control('GET', 'config')
    playbook = [{'name': target, 'hosts': 'localhost', 'gather_facts': False, 'roles': [target]}]
    run = _run(recorder, playbook, {'emulator': config})
    keys, values = recorder.secrets()
    problems, exempt = _sweep(target, run, keys, values)
    collection_tasks = sum(1 for t in run.tasks if t['action'].startswith('triggerdev.management.'))
    report('secrets %-28s rc=%d, %4d tasks (%3d of the collection), %6d lines of -vvv --diff output, %d keys and %d secret values '
           'searched, %d helper sections showing one (not the collection\'s)' % (
               target, run.rc, len(run.tasks), collection_tasks, len(run.stdout.splitlines()), len(keys), len(values), exempt))
    assert not problems, '\n'.join(problems)
    assert run.tasks, run.describe()
    if run.rc != 0:
        pytest.fail('the target itself failed (its output was still swept): %s' % run.describe())


def test_demo_output_holds_no_secret(recorder):
    """The demo as `make demo` runs it (connection from TRIGGER_* only, an access token), twice."""
    assert os.path.exists(DEMO), DEMO
    recorder.client.reset()
    env = {'TRIGGER_API_URL': recorder.url, 'TRIGGER_ACCESS_TOKEN': recorder.client.pat, 'TRIGGER_PROJECT_REF': 'proj_demo'}
    for label in ('first', 'second'):
        run = _run(recorder, DEMO, None, env=env)
        keys, values = recorder.secrets()
        problems, exempt = _sweep('demo (%s run)' % label, run, keys, values)
        report('secrets demo (%s run): rc=%d, %d tasks (%d of the collection), %d lines of -vvv --diff output, %d keys and %d secret '
               'values searched, %d helper sections' % (
                   label, run.rc, len(run.tasks), sum(1 for t in run.tasks if t['action'].startswith('triggerdev.management.')),
                   len(run.stdout.splitlines()), len(keys), len(values), exempt))
        assert not problems, '\n'.join(problems)
        assert run.rc == 0, run.describe()


def test_the_sweep_finds_a_leak(recorder):
    """The sweep is not blind: a collection task whose output carries a key and a secret value is caught."""
    keys, values = recorder.secrets()
    leaked = 'X9-planted-secret-value'
    fake = harness.PlaybookRun(0, 'TASK [leak]\n@@sweep task=1 action=triggerdev.management.trigger_envvar\nok: %s %s\n' % (keys[0], leaked), '', 0.0,
                               [{'name': 'leak', 'action': 'triggerdev.management.trigger_envvar', 'results': {'localhost': {'msg': leaked}}}])
    problems, _exempt = _sweep('planted', fake, keys, values + [leaked])
    assert len(problems) == 2
