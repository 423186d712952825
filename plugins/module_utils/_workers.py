# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The tasks an environment can run: its current worker (docs/dev/protocol.md#workers), and trigger_worker_info.

The server accepts a trigger for any task id, deployed or not; a run of a task the current version does not
have waits in PENDING_VERSION until such a version is deployed (docs/dev/protocol.md#runs). With an access token
the task ids are checked against ``GET /api/v1/projects/{ref}/{env}/workers/current`` first, once per module run.
That route takes access tokens only; with a secret key no route lists an environment's tasks, so nothing can be
checked before triggering.

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports.
"""

from ansible_collections.triggerdev.management.plugins.module_utils._base import Operation
from ansible_collections.triggerdev.management.plugins.module_utils._client import AUTH_ACCESS_TOKEN, encode_path
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerInputError, TriggerNotFound

WORKER_NOT_FOUND = 'worker not found'
SCHEDULED = 'SCHEDULED'
TASK_QUEUE_PREFIX = 'task/'


def environment_label(client):
    """'prod', or 'prod branch feature-x', for messages."""
    environment = client.environment or 'selected'
    if client.branch:
        return '%s branch %s' % (environment, client.branch)
    return environment


class UnknownTaskError(TriggerInputError):
    """A task id the environment's current worker does not have; raised before any write."""


class WorkerTasks:
    """The current worker's tasks for the client's environment (and branch), read once."""

    def __init__(self, client):
        self.client = client
        self._read = False
        self._worker = None
        self._tasks = None
        self.version = None

    @property
    def available(self):
        """Whether the credential can read the worker (an access token; a secret key cannot)."""
        return self.client.credential.is_access_token

    def worker(self):
        """The current worker as the API returns it (``{id, version, sdkVersion, cliVersion, tasks...}``); None when
        nothing is deployed (404 Worker not found). A secret key is refused before the request (access tokens only)."""
        if not self._read:
            client = self.client
            path = encode_path('api', 'v1', 'projects', client.require_project_ref(), client.require_environment(),
                               'workers', 'current')
            try:
                # The route selects a preview branch by x-trigger-branch, like every other route.
                body = client.request('GET', path, auth=AUTH_ACCESS_TOKEN, retry_not_found=False) or {}
            except TriggerNotFound as exc:
                if WORKER_NOT_FOUND not in (exc.api_message or '').lower():
                    raise
                body = None
            self._read = True
            worker = body.get('worker') if isinstance(body, dict) else None
            if isinstance(worker, dict):
                self._worker = dict(worker, urls=body.get('urls'))
                self.version = worker.get('version')
                self._tasks = dict((t.get('slug'), t.get('triggerSource')) for t in (worker.get('tasks') or [])
                                   if isinstance(t, dict) and t.get('slug'))
        return self._worker

    def tasks(self):
        """{task id: triggerSource} of the current worker; None when nothing is deployed (404 Worker not found)."""
        self.worker()
        return self._tasks

    def check(self, task_ids, scheduled=False):
        """Raise UnknownTaskError if a task is not in the current worker (or, with ``scheduled``, not a scheduled task).

        Does nothing with a secret key (see the module docs)."""
        if not self.available or (self.client.environment == 'preview' and not self.client.branch):
            return  # a secret key cannot read the worker; preview without a branch is refused when triggering
        wanted = sorted(set(t for t in task_ids if t))
        tasks = self.tasks()
        env = environment_label(self.client)
        if tasks is None:
            raise UnknownTaskError('Nothing is deployed in the %s environment (the current worker was not found), so task %s '
                                   'cannot run there: deploy the tasks first (trigger.dev deploy, or `trigger dev` for dev).'
                                   % (env, ', '.join(repr(t) for t in wanted)))
        unknown = [t for t in wanted if t not in tasks]
        if unknown:
            raise UnknownTaskError('Task %s is not in the version deployed in the %s environment (%s); its runs would wait in '
                                   'PENDING_VERSION until it is deployed. Check the spelling and the deploy. Known task ids: %s.'
                                   % (', '.join(repr(t) for t in unknown), env, 'version %s' % self.version if self.version else
                                      'current worker', ', '.join(sorted(tasks)) or 'none'))
        if scheduled:
            standard = [t for t in wanted if tasks.get(t) != SCHEDULED]
            if standard:
                known = sorted(t for t, source in tasks.items() if source == SCHEDULED)
                raise UnknownTaskError('Task %s in the %s environment is not a scheduled task (schedules.task()), so it cannot '
                                       'have a schedule. Scheduled task ids: %s.'
                                       % (', '.join(repr(t) for t in standard), env, ', '.join(known) or 'none'))


def task_view(task):
    """One task of the worker: its id (the slug triggers use), kind, file and the queue it runs in, as trigger_queue names it.

    A task without a queue of its own (no queueConfig, or its stored name task/<id>) runs in its task queue (type ``task``,
    named by the task id); a named queue is ``custom``."""
    config = task.get('queueConfig') if isinstance(task.get('queueConfig'), dict) else {}
    named = config.get('name')
    if named and named.startswith(TASK_QUEUE_PREFIX):   # the task queue under its stored name
        named = None
    return {
        'id': task.get('slug'),
        'kind': task.get('triggerSource'),
        'file_path': task.get('filePath'),
        'created_at': task.get('createdAt'),
        'queue': named or task.get('slug'),
        'queue_type': 'custom' if named else 'task',
        'queue_concurrency_limit': config.get('concurrencyLimit'),
    }


def worker_view(worker):
    return {
        'id': worker.get('id'),
        'version': worker.get('version'),
        'engine': worker.get('engine'),
        'sdk_version': worker.get('sdkVersion'),
        'cli_version': worker.get('cliVersion'),
        'runs_url': (worker.get('urls') or {}).get('runs'),
        'tasks': [task_view(t) for t in (worker.get('tasks') or []) if isinstance(t, dict)],
    }


class WorkerRead(Operation):
    """trigger_worker_info: the environment's current worker (an empty list when nothing is deployed); with ``tasks``
    only those tasks, each of which must be in it (the same check trigger_task and trigger_schedule make)."""

    resource_key = 'workers'
    reports_actions = False

    def __init__(self, client, check_mode=False, tasks=None):
        super().__init__(client, check_mode)
        if not client.credential.is_access_token:
            raise TriggerInputError('Reading the current worker needs an access token (tr_pat_..., tr_oat_... or tr_uat_...) with '
                                    'project_ref and environment; the API refuses any other credential on this route (given: %s).'
                                    % client.credential.describe())
        self.tasks = [t for t in (tasks or []) if t]
        if tasks is not None and not self.tasks:
            raise TriggerInputError('tasks is empty: give task ids, or leave tasks out for every task.')

    def run(self):
        api = WorkerTasks(self.client)
        worker = api.worker()
        if self.tasks:
            api.check(self.tasks)
        if worker is None:
            return self.finish([])
        view = worker_view(worker)
        if self.tasks:
            view['tasks'] = [t for t in view['tasks'] if t['id'] in self.tasks]
        return self.finish([view])
