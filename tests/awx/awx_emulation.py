# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What AWX does with a custom credential type, reduced to what the tests need (no AWX here).

awx_injected_env() follows awx.main.models.credential.CredentialType.inject_credential() (env
injectors, Jinja's immutable sandbox, blank inputs left out of the namespace); awx_safe_env() follows
build_safe_env() (the job environment AWX stores). The rest is what the two AWX-style runs share: their command line,
the job environment, the texts of a run and the leak search over them. Used by run_demo_like_awx.py,
run_many_projects_like_awx.py and the unit tests.
"""

import argparse
import json
import os
import re
import sys
import tempfile

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

# AWX's build_safe_env(): environment variables whose names match this are stored masked.
AWX_HIDDEN = re.compile(r'API|TOKEN|KEY|SECRET|PASS', re.I)
AWX_HIDDEN_PASSWORD = '**********'
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CREDENTIAL_TYPE = os.path.join(ROOT, 'extensions', 'awx', 'credential_type_trigger.yml')


def awx_injected_env(credential_type, inputs):
    """The environment AWX injects for a credential: CredentialType.inject_credential(), env part."""
    namespace = {}
    for field in credential_type['inputs']['fields']:
        value = inputs.get(field['id'])
        if isinstance(value, bool) or value:   # AWX leaves blank inputs out of the namespace
            namespace[field['id']] = value
    missing = [name for name in credential_type['inputs'].get('required', []) if name not in namespace]
    if missing:
        raise ValueError('AWX would refuse this credential: required inputs missing: %s' % ', '.join(missing))
    sandbox = ImmutableSandboxedEnvironment()
    return {name: sandbox.from_string(template).render(**namespace)
            for name, template in credential_type['injectors'].get('env', {}).items()}


def awx_safe_env(env):
    """What AWX records as the job's environment (awx.main.models.credential.build_safe_env)."""
    return {k: (AWX_HIDDEN_PASSWORD if AWX_HIDDEN.search(k) and not k.startswith('ANSIBLE_') else v) for k, v in env.items()}


def demo_secret_values(path):
    with open(path, encoding='utf-8') as handle:
        data = yaml.safe_load(handle)
    values = []
    for per_env in data.get('demo_secrets', {}).values():
        values.extend(per_env.values())
    values.extend(data.get('demo_preview_secrets', {}).values())
    return [str(v) for v in values]


def forms(secret):
    """The secret as it could appear: raw and JSON-escaped."""
    return {secret, json.dumps(secret)[1:-1]}


def find_leaks(secrets, texts):
    """[(where, secret label)] for every text that contains a secret."""
    leaks = []
    for where, text in texts:
        for label, secret in secrets.items():
            if any(form in text for form in forms(secret)):
                leaks.append((where, label))
    return leaks


def job_setup(doc, workdir_prefix, argv=None):
    """The command line both AWX-style runs take; returns (args, the credential type, the work directory)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument('--verbosity', type=int, default=3, help='ansible verbosity of the runs (default 3: -vvv)')
    parser.add_argument('--keep', help='keep the private data directories under this directory')
    args = parser.parse_args(argv)
    if not os.environ.get('ANSIBLE_COLLECTIONS_PATH'):
        parser.error('set ANSIBLE_COLLECTIONS_PATH to the collection tree')
    with open(CREDENTIAL_TYPE, encoding='utf-8') as handle:
        credential_type = yaml.safe_load(handle)
    workdir = args.keep or tempfile.mkdtemp(prefix=workdir_prefix)
    os.makedirs(workdir, exist_ok=True)
    return args, credential_type, workdir


def use_job_environment():
    """The environment ansible-runner hands on, as on an AWX node: no TRIGGER_* variable of the caller (the credential
    comes injected), no colour, this Python's bin first."""
    base = {k: v for k, v in os.environ.items() if not k.startswith('TRIGGER_')}
    base.update(ANSIBLE_NOCOLOR='1', PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    os.environ.clear()
    os.environ.update(base)


def artifact_texts(private_data_dir):
    """(relative path, text) of every file under the private data directory."""
    for dirpath, _dirnames, filenames in os.walk(private_data_dir):
        for name in filenames:
            path = os.path.join(dirpath, name)
            with open(path, 'rb') as handle:
                yield os.path.relpath(path, private_data_dir), handle.read().decode('utf-8', 'replace')


def run_texts(runner, events, private_data_dir, recorded=None):
    """Every text a run leaves: stdout, each event, the recorded job environment (when there is one), every file."""
    texts = [('stdout', runner.stdout.read())]
    texts.extend(('event %s %s' % (e.get('counter'), e.get('event')), json.dumps(e)) for e in events)
    if recorded is not None:
        texts.append(('recorded job environment', json.dumps(recorded)))
    texts.extend(artifact_texts(private_data_dir))
    return texts


def job_leaks(secrets, texts, ident):
    """Leaks of a run: anywhere but ansible-runner's own dump of the job environment (artifacts/<ident>/command), plus
    anything in that dump outside its `env` member. Returns (leaks, labels of the secrets in that `env`): AWX keeps the
    file only in the job's temporary directory, so the injected token is expected there and nothing else."""
    command_file = os.path.join('artifacts', ident, 'command')
    leaks = [(where, label) for where, label in find_leaks(secrets, texts) if where != command_file]
    command = json.loads(dict(texts).get(command_file, '{}'))
    outside_env = {k: v for k, v in command.items() if k != 'env'}
    leaks.extend(find_leaks(secrets, [('%s (without env)' % command_file, json.dumps(outside_env))]))
    in_env = sorted({label for _where, label in find_leaks(secrets, [('env', json.dumps(command.get('env', {})))])})
    return leaks, in_env
