# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared harness of the benchmarks (tests/bench) and the reliability suite (tests/reliability).

* ``Emu``: the local emulator's control API (reset, faults, journal, settings, seeded runs) plus a small
  direct API client used to prepare and to verify state (it retries 429/5xx/dropped connections itself,
  so verification also works while faults or rate limits are on).
* ``run_playbook``: one ``ansible-playbook`` process with the ``bench_record`` callback, returning the
  exit code, the output, the wall time and every task's own wall time and results.

The collection is found through ANSIBLE_COLLECTIONS_PATH (``make`` points it at the build root); from a
plain checkout a scratch ``ansible_collections/triggerdev/management`` symlink is made instead.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote

import requests
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CALLBACKS = os.path.join(HERE, 'callback_plugins')
PLAYBOOKS = os.path.join(HERE, 'playbooks')
sys.path.insert(0, os.path.join(ROOT, 'tests', 'utils'))

from with_emulator import emulator as _emulator  # noqa: E402  pylint: disable=wrong-import-position

WRITE_METHODS = ('POST', 'PUT', 'PATCH', 'DELETE')
API_VERSION_HEADERS = {'x-trigger-api-version': '2025-07-16'}


# ------------------------------------------------------------------------------------------- collection

def collections_base():
    """A directory holding ansible_collections/triggerdev/management (this checkout or its build copy)."""
    parts = ROOT.split(os.sep)
    if parts[-3:] == ['ansible_collections', 'triggerdev', 'management']:
        return os.sep.join(parts[:-3])
    for base in (os.environ.get('ANSIBLE_COLLECTIONS_PATH') or '').split(os.pathsep):
        if base and os.path.isfile(os.path.join(base, 'ansible_collections', 'triggerdev', 'management', 'galaxy.yml')):
            return base
    base = tempfile.mkdtemp(prefix='tdm-bench-')
    namespace = os.path.join(base, 'ansible_collections', 'triggerdev')
    os.makedirs(namespace)
    link = os.path.join(namespace, 'management')
    os.symlink(ROOT, link)

    def cleanup():
        os.unlink(link)
        shutil.rmtree(base, ignore_errors=True)

    atexit.register(cleanup)
    return base


COLLECTIONS_BASE = collections_base()
if COLLECTIONS_BASE not in sys.path:
    sys.path.insert(0, COLLECTIONS_BASE)


def venv_bin(name):
    """An executable next to the running Python (the venv's ansible-playbook), else from PATH."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.path.exists(candidate) else (shutil.which(name) or name)


# ------------------------------------------------------------------------------------------- emulator

class Emu:
    """The emulator at ``url``: control API and a direct API client."""

    def __init__(self, url):
        self.url = url
        self.session = requests.Session()
        self.session.trust_env = False
        self.config = self.control('GET', 'config')

    # -- control API (never journaled, never faulted)

    def control(self, method, name, body=None):
        response = self.session.request(method, '%s/_emulator/%s' % (self.url, name), json=body, timeout=120)
        response.raise_for_status()
        return response.json()

    def reset(self):
        self.control('POST', 'reset')

    def faults(self, **spec):
        """POST /_emulator/faults; no arguments switch faults off."""
        return self.control('POST', 'faults', spec)

    def journal(self):
        return self.control('GET', 'journal')['requests']

    def clear_journal(self):
        self.control('DELETE', 'journal')

    def settings(self, **values):
        return self.control('POST', 'settings', values)

    def seed_runs(self, **spec):
        return self.control('POST', 'runs', spec)

    # -- fixture data

    @property
    def pat(self):
        return self.config['pat']

    def project(self, ref='proj_demo'):
        for project in self.config['projects']:
            if project['ref'] == ref:
                return project
        raise KeyError(ref)

    def key(self, env, ref='proj_demo'):
        return self.project(ref)['environments'][env]['secret_key']

    def all_keys(self):
        keys = [self.pat]
        for project in self.config['projects']:
            keys.extend(env['secret_key'] for env in project['environments'].values())
        return keys

    # -- direct API calls

    def api(self, method, path, token, json_body=None, params=None, branch=None, ok=(200, 201, 202), attempts=30):
        """One API call; retries 429 (until x-ratelimit-reset), 5xx and dropped connections. Returns the response."""
        headers = {'Authorization': 'Bearer %s' % token}
        headers.update(API_VERSION_HEADERS)
        if branch:
            headers['x-trigger-branch'] = branch
        for attempt in range(attempts):
            try:
                response = self.session.request(method, self.url + path, json=json_body, params=params, headers=headers, timeout=60)
            except requests.ConnectionError:
                time.sleep(0.05)
                continue
            if response.status_code == 429:
                reset = response.headers.get('x-ratelimit-reset')
                wait = (int(reset) / 1000.0 - time.time()) if reset else 0.2
                time.sleep(min(max(wait, 0.05), 15))
                continue
            if response.status_code >= 500 and attempt < attempts - 1:
                time.sleep(0.05)
                continue
            if ok and response.status_code not in ok:
                raise AssertionError('%s %s -> %s %s' % (method, path, response.status_code, response.text[:300]))
            return response
        raise AssertionError('%s %s: no answer after %d attempts' % (method, path, attempts))

    # -- env vars

    @staticmethod
    def envvars_path(ref, env, *extra):
        return '/api/v1/projects/%s/envvars/%s' % (ref, env) + ''.join('/' + quote(e, safe='') for e in extra)

    def import_envvars(self, ref, env, variables, secret=False, branch=None, token=None):
        """Set many variables with one import (override true)."""
        if variables:
            self.api('POST', self.envvars_path(ref, env, 'import'), token or self.pat,
                     json_body={'variables': variables, 'override': True, 'isSecret': bool(secret)}, branch=branch)

    def list_envvars(self, ref, env, branch=None, token=None):
        response = self.api('GET', self.envvars_path(ref, env), token or self.pat, branch=branch)
        return {item['name']: item for item in response.json()}

    def delete_envvar(self, ref, env, name, branch=None, token=None):
        self.api('DELETE', self.envvars_path(ref, env, name), token or self.pat, branch=branch, ok=(200, 400, 404))

    def env_secret_key(self, ref, env, branch=None):
        """The secret key of an environment (or of a preview branch) through the PAT bootstrap endpoint."""
        return self.api('GET', '/api/v1/projects/%s/%s' % (ref, env), self.pat, branch=branch).json()['apiKey']

    def read_envvars(self, ref, env, branch=None):
        """{name: (value, is_secret)} with real secret values (listing for flags, resolved endpoint for values).

        The preview parent itself has no usable secret key (the API wants a branch with it): there secret
        values stay '<redacted>'.
        """
        listing = self.list_envvars(ref, env, branch=branch)
        if env == 'preview' and not branch:
            return {name: (item['value'], item['isSecret']) for name, item in listing.items()}
        key = self.env_secret_key(ref, env, branch=branch)
        resolved = self.api('GET', '/api/v1/projects/%s/envvars' % ref, key, branch=branch).json()['variables']
        return {name: (resolved.get(name, item['value']) if item['isSecret'] else item['value'], item['isSecret'])
                for name, item in listing.items()}

    def wipe_envvars(self, ref, env, branch=None):
        for name in self.list_envvars(ref, env, branch=branch):
            self.delete_envvar(ref, env, name, branch=branch)


@contextlib.contextmanager
def emulator(*args):
    """Start an emulator (subprocess on a free port) and yield an Emu for it."""
    with _emulator(*args) as url:
        emu = Emu(url)
        try:
            yield emu
        finally:
            emu.session.close()


def writes(entries):
    """The journal entries that are writes (POST/PUT/PATCH/DELETE)."""
    return [e for e in entries if e['method'] in WRITE_METHODS]


def summarize(entries):
    """'METHOD path status' lines of journal entries, for assertion messages."""
    return ['%s %s %s%s' % (e['method'], e['path'], e['status'], ' (%s)' % e['fault'] if e.get('fault') else '') for e in entries]


# ------------------------------------------------------------------------------------------- playbooks

class PlaybookRun:
    """The outcome of one ansible-playbook process."""

    def __init__(self, rc, stdout, stderr, wall, tasks):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.wall = wall
        self.tasks = tasks

    def task(self, name):
        found = [t for t in self.tasks if t['name'] == name]
        if not found:
            raise KeyError('no task %r in %s' % (name, [t['name'] for t in self.tasks]))
        return found[-1]

    def result(self, name, host='localhost'):
        return self.task(name)['results'].get(host)

    def seconds(self, *names):
        """Wall time of the named tasks together (from the first start to the last end)."""
        tasks = [self.task(n) for n in names]
        return max(t['end'] or t['start'] for t in tasks) - min(t['start'] for t in tasks)

    def describe(self):
        return 'rc=%s\n--- stdout (tail)\n%s\n--- stderr (tail)\n%s' % (self.rc, self.stdout[-4000:], self.stderr[-2000:])


def write_inventory(path, hosts=('localhost',), host_vars=None):
    lines = ['[targets]']
    for host in hosts:
        lines.append('%s ansible_connection=local ansible_python_interpreter=%s' % (host, sys.executable))
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(lines) + '\n')
    if host_vars:
        os.makedirs(os.path.join(os.path.dirname(path), 'host_vars'), exist_ok=True)
        for host, values in host_vars.items():
            with open(os.path.join(os.path.dirname(path), 'host_vars', host + '.json'), 'w', encoding='utf-8') as handle:
                json.dump(values, handle)


def ansible_env(extra=None):
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_BASE,
        'ANSIBLE_CALLBACK_PLUGINS': CALLBACKS,
        'ANSIBLE_CALLBACKS_ENABLED': 'bench_record',
        'ANSIBLE_PIPELINING': '1',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_LOCALHOST_WARNING': '0',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_LOCAL_TEMP': os.path.join(tempfile.gettempdir(), 'tdm-ansible-local'),
        # the venv's ansible, ansible-playbook... first (targets call `ansible` themselves)
        'PATH': os.pathsep.join([os.path.dirname(sys.executable), os.environ.get('PATH', '')]),
    })
    for name in ('TRIGGER_SECRET_KEY', 'TRIGGER_ACCESS_TOKEN', 'TRIGGER_API_URL', 'TRIGGER_PROJECT_REF',
                 'TRIGGER_ENVIRONMENT', 'TRIGGER_PREVIEW_BRANCH'):
        env.pop(name, None)
    env.update(extra or {})
    return env


def run_playbook(playbook, extra_vars=None, check=False, diff=False, verbosity=0, hosts=('localhost',), host_vars=None,
                 forks=None, env=None, timeout=7200, workdir=None):
    """Run one playbook (a path, or a list of plays to write out) and return a PlaybookRun."""
    with tempfile.TemporaryDirectory(prefix='tdm-pb-') as tmp:
        if not isinstance(playbook, str):
            path = os.path.join(tmp, 'playbook.yml')
            with open(path, 'w', encoding='utf-8') as handle:
                yaml.safe_dump(playbook, handle, sort_keys=False, width=1000)
            playbook = path
        inventory = os.path.join(tmp, 'inventory.ini')
        write_inventory(inventory, hosts, host_vars)
        record = os.path.join(tmp, 'record.json')
        cmd = [venv_bin('ansible-playbook'), '-i', inventory, playbook]
        if extra_vars:
            vars_file = os.path.join(tmp, 'extra_vars.json')
            with open(vars_file, 'w', encoding='utf-8') as handle:
                json.dump(extra_vars, handle)
            cmd[3:3] = ['-e', '@' + vars_file]
        if check:
            cmd.append('--check')
        if diff:
            cmd.append('--diff')
        if verbosity:
            cmd.append('-' + 'v' * verbosity)
        if forks:
            cmd.extend(['--forks', str(forks)])
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=workdir or tmp,
                              env=ansible_env(dict(env or {}, BENCH_RECORD_FILE=record)), check=False)
        wall = time.perf_counter() - started
        tasks = []
        if os.path.exists(record):
            with open(record, encoding='utf-8') as handle:
                tasks = json.load(handle)['tasks']
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, wall, tasks)


def play(tasks, hosts='localhost', **extra):
    """A one-play playbook (list) with gather_facts off."""
    result = {'name': 'bench', 'hosts': hosts, 'gather_facts': False}
    result.update(extra)
    result['tasks'] = tasks
    return [result]


def connection(emu, env='dev', ref='proj_demo', token=None, **extra):
    """Module connection options for the emulator (a secret key of ``env`` unless a token is given)."""
    options = {'api_url': emu.url, 'api_key': token or emu.key(env, ref), 'project_ref': ref}
    if token:
        options['environment'] = env
    options.update(extra)
    return options
