# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the demo playbook through ansible-runner the way AWX runs a job, and look for leaked secrets.

    python tests/awx/run_demo_like_awx.py [--verbosity N] [--keep DIR]

ANSIBLE_COLLECTIONS_PATH must point at the collection (the Makefile's tree). What it does:

1. Starts the local emulator and creates an AWX-style credential of the collection's credential type
   (extensions/awx/credential_type_trigger.yml): api_url, api_key (the emulator's personal access
   token), project_ref.
2. Renders the credential type's injectors the way AWX does (Jinja's immutable sandbox, blank inputs
   left out of the namespace) into environment variables. The credential reaches the job as those
   environment variables only: no extra vars, no files, nothing in the project.
3. Runs a project whose playbook imports triggerdev.management.demo with ansible_runner.run(), with
   the options AWX passes (envvars, suppress_env_files=True), and a status handler that records the
   job's environment the way AWX stores it (variables whose names look secret are masked).
4. Checks the job succeeded, then searches every artifact for secrets: the access token, every
   environment secret key of the project (the modules fetch them with the token), and every secret
   value of the demo (playbooks/vars/demo.yml). Searched are the runner's stdout, every job event,
   every file the runner wrote under the private data directory (env/, artifacts/, the fact cache)
   and the recorded job environment. Each secret is searched as is and JSON-escaped.

The one place ansible-runner itself always writes the job's environment is artifacts/<id>/command
(its `env` member), even with suppress_env_files; AWX keeps that file only in the job's temporary
private data directory and stores the environment masked. The check reports that file separately and
fails if a secret shows up in it anywhere but there.

A second, tiny job that prints the token on purpose proves that the search finds a leak (canary).
"""

import os
import shutil
import sys
import time

import ansible_runner

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'utils'))

from with_emulator import emulator, fetch_config  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from awx_emulation import (  # noqa: E402  pylint: disable=wrong-import-position
    awx_injected_env, awx_safe_env, demo_secret_values, find_leaks, job_leaks, job_setup, run_texts, use_job_environment)

DEMO_VARS = os.path.join(ROOT, 'playbooks', 'vars', 'demo.yml')


def run_job(private_data_dir, playbook_text, env, verbosity):
    """One AWX-style job; returns (runner, recorded job environment)."""
    project = os.path.join(private_data_dir, 'project')
    os.makedirs(project)
    with open(os.path.join(project, 'job.yml'), 'w', encoding='utf-8') as handle:
        handle.write(playbook_text)
    os.makedirs(os.path.join(private_data_dir, 'inventory'))
    with open(os.path.join(private_data_dir, 'inventory', 'hosts'), 'w', encoding='utf-8') as handle:
        handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    recorded = {}

    def status_handler(status_data, runner_config):
        # AWX's RunnerCallback.status_handler stores the environment of a starting job, masked.
        if status_data.get('status') == 'starting':
            recorded.update(awx_safe_env(dict(runner_config.env)))

    runner = ansible_runner.run(
        private_data_dir=private_data_dir, playbook='job.yml', envvars=env, suppress_env_files=True,
        verbosity=verbosity or None, quiet=True, status_handler=status_handler, ident='job',
        settings={'suppress_ansible_output': False})
    return runner, list(runner.events), recorded


def main(argv=None):
    args, credential_type, workdir = job_setup(__doc__, 'tdm-awx-', argv)
    started = time.monotonic()
    failures = []
    try:
        with emulator(python=sys.executable) as url:
            config = fetch_config(url)
            project = next(p for p in config['projects'] if p['ref'] == 'proj_demo')
            inputs = {'api_url': config['api_url'], 'api_key': config['pat'], 'project_ref': project['ref']}
            injected = awx_injected_env(credential_type, inputs)
            print('awx: credential type %r injects %s' % (credential_type['name'], ', '.join(sorted(injected))))
            # The job's environment: what the runner inherits plus the injected variables, as on an AWX node.
            use_job_environment()

            secrets = {'access token': config['pat']}
            for env_name, env in project['environments'].items():
                secrets['%s secret key' % env_name] = env['secret_key']
            for index, value in enumerate(demo_secret_values(DEMO_VARS)):
                secrets['demo secret value #%d' % (index + 1)] = value

            job_dir = os.path.join(workdir, 'demo')
            demo_playbook = ('- name: The demo, as an AWX project would run it\n'
                             '  ansible.builtin.import_playbook: triggerdev.management.demo\n')
            runner, events, recorded = run_job(job_dir, demo_playbook, injected, args.verbosity)
            print('awx: demo job %s, rc %s, %d events, %.1fs' % (runner.status, runner.rc, len(events),
                                                                 time.monotonic() - started))
            if runner.status != 'successful' or runner.rc != 0:
                failures.append('the demo job did not succeed (status %s, rc %s); its stdout is in %s'
                                % (runner.status, runner.rc, os.path.join(job_dir, 'artifacts', 'job', 'stdout')))
            stats = runner.stats or {}
            if not stats.get('ok', {}).get('localhost'):
                failures.append('the demo job ran no task on localhost (stats %r)' % (stats,))

            texts = run_texts(runner, events, job_dir, recorded)
            command_file = os.path.join('artifacts', 'job', 'command')
            leaks, in_env = job_leaks(secrets, texts, 'job')
            failures.extend('%s found in %s' % (label, where) for where, label in leaks)
            searched = len(texts)
            print('awx: searched %d texts (stdout, %d job events, %d files, the recorded job environment) for %d secrets'
                  % (searched, len(events), searched - len(events) - 2, len(secrets)))
            print('awx: note: ansible-runner writes the job environment to %s itself (secrets there: %s); AWX keeps that '
                  'file only in the temporary private data directory of the job' % (command_file, ', '.join(in_env) or 'none'))
            if in_env != ['access token']:
                failures.append('expected exactly the injected access token in the environment ansible-runner records, got %r'
                                % in_env)

            # Canary: a job that prints the token must be caught by the same search.
            canary_dir = os.path.join(workdir, 'canary')
            canary_playbook = ('- name: Canary\n  hosts: localhost\n  gather_facts: false\n  tasks:\n'
                               '    - name: Print the token on purpose\n      ansible.builtin.debug:\n'
                               "        msg: \"{{ lookup('ansible.builtin.env', 'TRIGGER_ACCESS_TOKEN') }}\"\n")
            canary, canary_events, canary_env = run_job(canary_dir, canary_playbook, injected, 0)
            caught = {where for where, label in find_leaks(secrets, run_texts(canary, canary_events, canary_dir, canary_env))
                      if label == 'access token' and where != command_file}
            if not any(w == 'stdout' for w in caught) or not any(w.startswith('event ') for w in caught):
                failures.append('the canary job printed the token but the search did not find it in stdout and the events '
                                '(found in: %s)' % ', '.join(sorted(caught)))
            else:
                print('awx: canary: a job that prints the token is caught (%d places)' % len(caught))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    for failure in failures:
        print('awx: FAIL: %s' % failure)
    if failures:
        return 1
    print('awx: the demo ran through ansible-runner with the credential in the environment only; no key or secret '
          'value in stdout, job events, env files or any other artifact (%.1fs)' % (time.monotonic() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main())
