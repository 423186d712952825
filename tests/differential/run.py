# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Differential tests: one corpus of raw request sequences against the emulator and the real server.

    python tests/differential/run.py [--real-url URL] [--report FILE] [--only NAME] [--list]

The emulator is started here; the real server is the control front given by --real-url, REAL_SERVER_URL
or TRIGGER_EMULATOR_URL (tests/realserver/with_real_server.py sets the last). Both are reset before every
case, so each case starts from the same seed. Every response is compared on status, body shape (keys and
JSON types, list lengths), error texts and the values that carry meaning (statuses, flags, names, cron
descriptions, windows); ids, timestamps, keys and URLs are normalised first.

Prints "N of M identical" and each difference. Differences listed in known_differences.json with a reason
are reported but do not fail the run; any other difference does (exit 1).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'utils'))
sys.path.insert(0, HERE)

from corpus import CASES, unordered_key  # noqa: E402  pylint: disable=wrong-import-position
from with_emulator import emulator, fetch_config  # noqa: E402  pylint: disable=wrong-import-position

API_VERSION = '2025-07-16'
# Values compared exactly (after normalisation); every other string only has to be a string.
VALUE_KEYS = {
    'error', 'message', 'status', 'isCached', 'isSecret', 'name', 'value', 'type', 'task', 'taskIdentifier', 'active',
    'timezone', 'window', 'description', 'expression', 'externalId', 'deduplicationKey', 'success', 'ttl', 'tags',
    'isTest', 'runCount', 'triggerSource', 'slug', 'variableErrors', 'isPaused', 'apiKey', 'idempotencyKey',
    'queue', 'machine', 'payload', 'output', 'version',
}
ID_RE = re.compile(r'\b(run|sched|batch|env|worker|task|prj|org|user|deployment|waitpoint|bulk|cm|cl)_[A-Za-z0-9_]{6,}\b')
CUID_RE = re.compile(r'\bc[a-z0-9]{24}\b')
# A key neither config lists: a preview branch's own key, made by each backend at random.
OTHER_KEY_RE = re.compile(r'\btr_(dev|stg|prod|preview)_[A-Za-z0-9]{24}\b')
ISO_RE = re.compile(r'\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})')


class Backend:
    """One side of the comparison: a base URL and its /_emulator/config."""

    def __init__(self, name, url):
        self.name = name
        self.url = url.rstrip('/')
        self.config = fetch_config(self.url)
        self.secrets = {}
        for project in self.config['projects']:
            for env, data in project['environments'].items():
                self.secrets[data['secret_key']] = '<key:%s/%s>' % (project['ref'], env)
        for kind in ('pat', 'oat', 'uat'):
            if self.config.get(kind):
                self.secrets[self.config[kind]] = '<%s>' % kind
        for user in self.config.get('users', []):
            self.secrets.setdefault(user['pat'], '<pat:%s>' % user['name'].lower())

    def token(self, auth):
        """auth spec -> bearer token or None: key:ENV[:PROJECT], pat, oat, uat, none, bogus."""
        if auth in (None, 'none'):
            return None
        if auth == 'bogus':
            return 'tr_prod_notAKeyAtAll000000000000'
        if auth in ('pat', 'oat', 'uat'):
            return self.config.get(auth)
        if auth.startswith('pat:'):  # pat:<user name>, another user's personal access token
            return next(u['pat'] for u in self.config['users'] if u['name'].lower() == auth[4:])
        _kind, env, *rest = auth.split(':')
        ref = rest[0] if rest else 'proj_demo'
        projects = self.config['projects'] + self.config.get('outside_projects', [])
        project = next(p for p in projects if p['ref'] == ref)
        return project['environments'][env]['secret_key']

    def control(self, name, body=None):
        return request(self.url, 'POST', '/_emulator/' + name, body=body if body is not None else {})

    def normalise_text(self, text):
        for secret, placeholder in self.secrets.items():
            text = text.replace(secret, placeholder)
        for url in {self.url, self.config.get('api_url', ''), self.config.get('webapp_url', '')} - {''}:
            text = text.replace(url.rstrip('/'), '<api>')
        text = ISO_RE.sub('<ts>', text)
        text = ID_RE.sub(lambda m: '<%s>' % m.group(1), text)
        text = OTHER_KEY_RE.sub(lambda m: '<other-key:%s>' % m.group(1), text)
        return CUID_RE.sub('<cuid>', text)


def request(base, method, path, token=None, headers=None, body=None, raw=None, timeout=30):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None and raw is None:
        req.add_header('Content-Type', 'application/json')
    if token:
        req.add_header('Authorization', 'Bearer ' + token)
    req.add_header('x-trigger-api-version', API_VERSION)
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            status, text = response.status, response.read().decode('utf-8', 'replace')
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read().decode('utf-8', 'replace')
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


def fill(template, saved):
    """Replace {name} in strings (recursively) with values saved by earlier steps of the case."""
    if isinstance(template, str):
        return re.sub(r'\{(\w+)\}', lambda m: str(saved.get(m.group(1), m.group(0))), template)
    if isinstance(template, list):
        return [fill(item, saved) for item in template]
    if isinstance(template, dict):
        return {key: fill(value, saved) for key, value in template.items()}
    return template


def dig(body, path):
    for part in path.split('.') if path else ():
        if isinstance(body, list) and part.isdigit() and int(part) < len(body):
            body = body[int(part)]
        elif isinstance(body, dict):
            body = body.get(part)
        else:
            return None
    return body


def run_step(backend, step, saved):
    """Send one step (polling when asked); returns (status, body)."""
    path = fill(step['path'], saved)
    headers = fill(step.get('headers') or {}, saved)
    body = fill(step.get('json'), saved)
    raw = step.get('raw')
    deadline = time.monotonic() + step.get('timeout', 30)
    while True:
        status, answer = request(backend.url, step.get('method', 'GET'), path, backend.token(step.get('auth')), headers, body, raw)
        until = step.get('until')
        if until is None or time.monotonic() > deadline:
            break
        field, wanted = until
        value = dig(answer, field)
        # a list: until the field has one of these values; None: until the field is there at all
        if (value is not None) if wanted is None else (value in wanted if isinstance(wanted, (list, tuple)) else value == wanted):
            break
        time.sleep(0.25)
    for name, field in (step.get('save') or {}).items():
        value = dig(answer, field)
        if value is not None:
            saved[name] = value
    return status, answer


def shape(value, backend, key=None):
    """What is compared: structure and types everywhere, exact values under VALUE_KEYS."""
    if isinstance(value, dict):
        if value.get('archivedAt') and isinstance(value.get('slug'), str):
            # archiving appends a random suffix to the slug and shortcode (services/archiveBranch.server.ts)
            value = dict(value, slug=re.sub(r'-[A-Za-z0-9_-]{6}$', '-<random>', value['slug']))
        return {k: shape(v, backend, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        if key in VALUE_KEYS:
            return [shape(item, backend, key) for item in value]
        return [shape(item, backend) for item in value]
    if isinstance(value, str):
        return backend.normalise_text(value) if key in VALUE_KEYS else '<str>'
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value if key in VALUE_KEYS else '<number>'
    return repr(value)


def differences(left, right, path=''):
    if isinstance(left, dict) and isinstance(right, dict):
        found = []
        for key in sorted(set(left) | set(right)):
            where = '%s.%s' % (path, key) if path else key
            if key not in left or key not in right:
                found.append((where, left.get(key, '<absent>'), right.get(key, '<absent>')))
            else:
                found.extend(differences(left[key], right[key], where))
        return found
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return [(path + '[]', 'length %d' % len(left), 'length %d' % len(right))]
        found = []
        for index, (a, b) in enumerate(zip(left, right)):
            found.extend(differences(a, b, '%s[%d]' % (path, index)))
        return found
    return [] if left == right else [(path or '<body>', left, right)]


def load_known():
    path = os.path.join(HERE, 'known_differences.json')
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)['differences']


def is_known(known, case, step, where):
    for item in known:
        if re.fullmatch(item['case'], case) and item.get('step', step) == step and re.fullmatch(item.get('path', '.*'), where):
            return item
    return None


def align(emulator_side, other):
    """Where the other backend executes no runs (staging and prod on the local real server: no registry),
    the emulator's workers there are disconnected too, so runs wait QUEUED on both sides."""
    execute = (other.config.get('capabilities') or {}).get('runs_execute')
    if execute is None or emulator_side.config.get('backend') == other.config.get('backend'):
        return
    for project in emulator_side.config['projects']:
        for env in sorted(set(project['environments']) - set(execute)):
            emulator_side.control('workers', {'project': project['ref'], 'environment': env, 'connected': False})


def unordered(answers, key):
    """A list whose order the server does not define (corpus.unordered_key): both sides sorted by that key, so
    the content is still compared item by item, and a difference in order reported on its own as `body[] order`."""
    bodies = [body for _status, body in answers]
    if not key or not all(isinstance(b, list) and all(isinstance(i, dict) for i in b) for b in bodies):
        return answers, []
    orders = [[item.get(key) for item in body] for body in bodies]
    answers = [(status, sorted(body, key=lambda item: str(item.get(key)))) for status, body in answers]
    return answers, ([] if orders[0] == orders[1] else [('body[] order', orders[0], orders[1])])


def compare(backends, cases, known):
    results = []
    for case in cases:
        for backend in backends:
            backend.control('reset')
        align(backends[0], backends[1])
        for backend in backends:
            for setup in case.get('setup', ()):
                backend.control(setup[0], setup[1])
        saved = [{} for _backend in backends]
        for index, step in enumerate(case['steps']):
            answers = [run_step(backend, step, saved[i]) for i, backend in enumerate(backends)]
            answers, order_diffs = unordered(answers, unordered_key(step))
            shaped = [{'status': status, 'body': shape(body, backend)} for (status, body), backend in zip(answers, backends)]
            diffs = order_diffs + differences(shaped[0], shaped[1])
            label = step.get('name') or '%s %s' % (step.get('method', 'GET'), step['path'])
            entry = {'case': case['name'], 'step': index, 'request': label, 'diffs': []}
            for where, left, right in diffs:
                reason = is_known(known, case['name'], index, where)
                entry['diffs'].append({'path': where, 'emulator': left, 'real': right, 'known': reason['reason'] if reason else None})
            results.append(entry)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--real-url', default=os.environ.get('REAL_SERVER_URL') or os.environ.get('TRIGGER_EMULATOR_URL'))
    parser.add_argument('--report', help='write the full result as JSON here')
    parser.add_argument('--only', help='run only the cases whose name matches this regular expression')
    parser.add_argument('--list', action='store_true', help='list the cases and their request counts')
    args = parser.parse_args()
    cases = [c for c in CASES if not args.only or re.search(args.only, c['name'])]
    if args.list:
        for case in cases:
            print('%-45s %3d' % (case['name'], len(case['steps'])))
        print('%d cases, %d requests' % (len(cases), sum(len(c['steps']) for c in cases)))
        return 0
    if not args.real_url:
        print('differential: no real server (give --real-url, REAL_SERVER_URL, or run under tests/realserver/with_real_server.py)')
        return 2
    known = load_known()
    with emulator('--run-pace', '0.2', '--seed', '11') as emulator_url:
        backends = [Backend('emulator', emulator_url), Backend('real', args.real_url)]
        started = time.monotonic()
        results = compare(backends, cases, known)
    identical = sum(1 for r in results if not r['diffs'])
    unexplained = [r for r in results if any(d['known'] is None for d in r['diffs'])]
    print('differential: %d of %d identical (%d cases, %.0f s)' % (identical, len(results), len(cases), time.monotonic() - started))
    for result in results:
        for diff in result['diffs']:
            print('  %s #%d %s: %s: emulator %s | real %s%s' % (
                result['case'], result['step'], result['request'], diff['path'], json.dumps(diff['emulator'])[:160],
                json.dumps(diff['real'])[:160], '  [known: %s]' % diff['known'] if diff['known'] else ''))
    if args.report:
        with open(args.report, 'w', encoding='utf-8') as handle:
            json.dump({'identical': identical, 'total': len(results), 'results': results}, handle, indent=1)
    if unexplained:
        print('differential: %d responses differ in ways known_differences.json does not explain' % len(unexplained))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
