# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The "many projects" AWX setup through ansible-runner: an inventory update from the trigger inventory plugin, then a
job on that inventory that syncs a secret variable into every prod host with forks and rotates a key, handing the new
key to the next task. Fails if the token, any key (the rotated one included) or the secret value is in any artifact.

    python tests/awx/run_many_projects_like_awx.py [--verbosity N] [--keep DIR]

ANSIBLE_COLLECTIONS_PATH must point at the collection (the Makefile's tree). The credential reaches both runs as AWX
gives it: the collection's credential type's injectors rendered into environment variables (awx_emulation.py). The
secret value comes from a vars file outside the private data directory, as a vaulted file of the project would be
decrypted. ansible-runner's own artifacts/<id>/command holds the job environment (the injected token); as in
run_demo_like_awx.py that file is reported apart and may hold the token only.
"""

import json
import os
import shutil
import sys
import time

import ansible_runner
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'utils'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from with_emulator import emulator, fetch_config  # noqa: E402  pylint: disable=wrong-import-position
from awx_emulation import (  # noqa: E402  pylint: disable=wrong-import-position
    awx_injected_env, job_leaks, job_setup, run_texts, use_job_environment)

SECRET_VALUE = 'many-projects-s3cret-value-7f3a'
INVENTORY = 'plugin: triggerdev.management.trigger\nenvironments: [staging, prod]\nretries: 0\n'
JOB = '''
- name: Every prod environment, in parallel
  ansible.builtin.import_playbook: triggerdev.management.sync_envvars
  vars:
    sync_envvars_variables:
      - {name: LOG_LEVEL, value: info}
      - {name: SHARED_SECRET, value: "{{ many_projects_secret }}", secret: true}

- name: Rotate one staging key and hand the new key on
  hosts: "trigger_project_proj_demo:&trigger_staging"
  gather_facts: false
  connection: local
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  module_defaults:
    group/triggerdev.management.all:
      api_url: "{{ trigger_api_url }}"
      project_ref: "{{ trigger_project_ref }}"
      environment: "{{ trigger_environment }}"
  tasks:
    - name: Rotate
      triggerdev.management.trigger_api_key:
        state: regenerated
      register: rotated

    - name: The next task uses the new key
      triggerdev.management.trigger_envvar:
        api_key: "{{ rotated.api_key }}"
        name: ROTATED
        value: "yes"
'''


def run(private_data_dir, env, verbosity, **kwargs):
    runner = ansible_runner.run(private_data_dir=private_data_dir, envvars=env, suppress_env_files=True, verbosity=verbosity or None,
                                quiet=True, settings={'suppress_ansible_output': False}, **kwargs)
    events = list(runner.events)
    return runner, events, run_texts(runner, events, private_data_dir)


def leaks_in(secrets, texts, ident):
    """Leaks outside ansible-runner's own dump of the environment, and any secret but the token inside it."""
    leaks, in_env = job_leaks(secrets, texts, ident)
    return leaks + [(os.path.join('artifacts', ident, 'command'), label) for label in in_env if label != 'access token']


def main(argv=None):
    args, credential_type, workdir = job_setup(__doc__, 'tdm-awx-many-', argv)
    started = time.monotonic()
    failures = []
    try:
        with emulator(python=sys.executable) as url:
            config = fetch_config(url)
            # One credential over every project: its project ref stays blank (AWX injects it empty).
            injected = awx_injected_env(credential_type, {'api_url': url, 'api_key': config['pat']})
            use_job_environment()
            keys_before = {'%s %s key' % (p['ref'], e): v['secret_key'] for p in config['projects'] for e, v in p['environments'].items()}

            # The inventory update: ansible-inventory on the source file, with the credential in the environment.
            update_dir = os.path.join(workdir, 'update')
            os.makedirs(os.path.join(update_dir, 'project'))
            source = os.path.join(update_dir, 'project', 'prod.trigger.yml')
            with open(source, 'w', encoding='utf-8') as handle:
                handle.write(INVENTORY)
            update, _events, update_texts = run(update_dir, injected, args.verbosity, ident='update', binary='ansible-inventory',
                                                cmdline='-i %s --list' % source)
            listed = json.loads(update_texts[0][1][update_texts[0][1].index('{'):])
            prod_hosts = sorted(listed.get('trigger_prod', {}).get('hosts', []))
            print('awx: inventory update %s, prod hosts %s' % (update.status, ', '.join(prod_hosts)))
            if update.rc != 0 or prod_hosts != sorted('%s-prod' % p['ref'] for p in config['projects']):
                failures.append('the inventory update did not list one prod host per project (rc %s, %r)' % (update.rc, prod_hosts))

            # The job: the same source as its inventory, five forks.
            secret_file = os.path.join(workdir, 'decrypted-vault.yml')
            with open(secret_file, 'w', encoding='utf-8') as handle:
                handle.write('many_projects_secret: %s\n' % SECRET_VALUE)
            job_dir = os.path.join(workdir, 'job')
            os.makedirs(os.path.join(job_dir, 'project'))
            with open(os.path.join(job_dir, 'project', 'job.yml'), 'w', encoding='utf-8') as handle:
                handle.write(JOB)
            job, job_events, job_texts = run(job_dir, injected, args.verbosity, ident='job', playbook='job.yml', inventory=source,
                                             forks=5, cmdline='-e @%s' % secret_file)
            stats = job.stats or {}
            print('awx: job %s, rc %s, %d events, changed on %s' % (job.status, job.rc, len(job_events), ', '.join(sorted(stats.get('changed', {})))))
            if job.rc != 0 or sorted(h for h in stats.get('changed', {}) if h.endswith('-prod')) != prod_hosts:
                failures.append('the job did not change every prod host (rc %s, stats %r)' % (job.rc, stats))
            for project in config['projects']:
                listing = requests.get('%s/api/v1/projects/%s/envvars/prod' % (url, project['ref']),
                                       headers={'Authorization': 'Bearer ' + config['pat']}, timeout=10).json()
                if sorted(v['name'] for v in listing) != ['LOG_LEVEL', 'SHARED_SECRET']:
                    failures.append('%s prod has %r' % (project['ref'], listing))

            after = fetch_config(url)
            keys_after = {'%s %s key' % (p['ref'], e): v['secret_key'] for p in after['projects'] for e, v in p['environments'].items()}
            rotated = [label for label, key in keys_after.items() if key not in keys_before.values()]
            if rotated != ['proj_demo staging key']:
                failures.append('expected exactly the proj_demo staging key rotated, got %r' % rotated)
            secrets = {'access token': config['pat'], 'secret value': SECRET_VALUE}
            secrets.update(keys_before)
            secrets.update(('new ' + label, key) for label, key in keys_after.items() if label in rotated)
            texts = update_texts + job_texts
            for where, label in leaks_in(secrets, update_texts, 'update') + leaks_in(secrets, job_texts, 'job'):
                failures.append('%s found in %s' % (label, where))
            print('awx: searched %d texts for %d secrets (the rotated key among them)' % (len(texts), len(secrets)))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    for failure in failures:
        print('awx: FAIL: %s' % failure)
    if failures:
        return 1
    print('awx: inventory update and a forked job on every prod host with a key rotation; no token, key or secret value in any '
          'artifact (%.1fs)' % (time.monotonic() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main())
