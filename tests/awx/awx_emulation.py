# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What AWX does with a custom credential type, reduced to what the tests need (no AWX here).

awx_injected_env() follows awx.main.models.credential.CredentialType.inject_credential() (env
injectors, Jinja's immutable sandbox, blank inputs left out of the namespace); awx_safe_env() follows
build_safe_env() (the job environment AWX stores). Used by run_demo_like_awx.py and the unit tests.
"""

import json
import re

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

# AWX's build_safe_env(): environment variables whose names match this are stored masked.
AWX_HIDDEN = re.compile(r'API|TOKEN|KEY|SECRET|PASS', re.I)
AWX_HIDDEN_PASSWORD = '**********'


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
