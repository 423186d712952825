# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Nothing lost: purge and ``state: absent`` remove exactly what is not declared (or what is declared absent)
and nothing else.

1. Property-based (hypothesis) on the planner of plugins/module_utils/envvars.py: random current and
   declared sets, the plan applied to a model of the API (import with and without isSecret, delete),
   for an environment and for a preview branch over its parent. The result must be exactly the
   declaration (plus what purge never touches), a second plan on the result must change nothing,
   and on a branch nothing inherited is ever deleted and the parent never changes.
2. End to end: random current/declared sets through the module against the emulator, one environment
   (or preview branch) per case, all cases in one playbook run (check mode first: no write, nothing changed).
"""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import harness
from reliability_support import LONG, report

from ansible_collections.triggerdev.management.plugins.module_utils._envvars import (  # pylint: disable=import-error
    REDACTED,
    SYSTEM_PREFIX,
    Variable,
    plan,
)

NAMES = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'TRIGGER_X', 'TRIGGER_Y']
EXAMPLES = 1500 if LONG else 200

values = st.text(alphabet='abcxyz 01-', min_size=1, max_size=6).filter(lambda v: v.strip())
entry = st.tuples(values, st.booleans())   # (value, secret)
stores = st.dictionaries(st.sampled_from(NAMES), entry, max_size=8)
declared_names = st.lists(st.sampled_from([n for n in NAMES if not n.startswith(SYSTEM_PREFIX)] + ['TRIGGER_X']), unique=True, max_size=7)


@st.composite
def declarations(draw):
    names = draw(declared_names)
    return [Variable(n, draw(values), draw(st.booleans())) for n in names]


# ------------------------------------------------------------------------------------------- API models

def listing(store):
    return {n: Variable(n, REDACTED if s else v, s) for n, (v, s) in store.items()}


def apply_env(store, p):
    """An environment: import (isSecret None keeps an existing flag, new = plain) and delete."""
    store = dict(store)
    for flag, group in p.imports():
        for name, value in group.items():
            if flag is None:
                store[name] = (value, store[name][1] if name in store else False)
            else:
                store[name] = (value, flag)
    for name in p.deletes:
        store.pop(name, None)
    return store


def merged(parent, own):
    view = {}
    for name in set(parent) | set(own):
        p, o = parent.get(name), own.get(name)
        view[name] = ((o or p)[0], bool((o and o[1]) or (p and p[1])))
    return view


def apply_branch(parent, own, p):
    """A preview branch: writes land on the branch's own values (a new one without isSecret is secret when the
    parent's is); a DELETE removes only an own value ("value not found" otherwise)."""
    own = dict(own)
    for flag, group in p.imports():
        for name, value in group.items():
            if flag is None:
                secret = own[name][1] if name in own else bool(parent.get(name, (None, False))[1])
            else:
                secret = flag
            own[name] = (value, secret)
    for name in p.deletes:
        own.pop(name, None)
    return own


def resolved_of(store):
    return {n: v for n, (v, _s) in store.items()}


# ------------------------------------------------------------------------------------------- properties

@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(current=stores, desired=declarations(), purge=st.booleans(), update_secrets=st.sampled_from(['when_changed', 'always', 'on_create']))
def test_present_ends_exactly_at_the_declaration(current, desired, purge, update_secrets):
    p = plan(desired, listing(current), state='present', purge=purge, update_secrets=update_secrets, resolved=resolved_of(current))
    final = apply_env(current, p)
    declared = {d.name for d in desired}
    for d in desired:
        if update_secrets == 'on_create' and d.secret and d.name in current and current[d.name][1]:
            assert final[d.name] == current[d.name]          # an existing secret is never rotated
        elif update_secrets == 'on_create' and d.secret and d.name in current:
            assert final[d.name] == (current[d.name][0], True)  # made secret, value kept
        else:
            assert final[d.name] == (d.value, d.secret)
    for name, stored in current.items():
        if name in declared:
            continue
        if purge and not name.startswith(SYSTEM_PREFIX):
            assert name not in final, 'purge kept %s' % name
        else:
            assert final[name] == stored, '%s was changed though not declared' % name
    assert set(p.removed) == ({n for n in current if n not in declared and not n.startswith(SYSTEM_PREFIX)} if purge else set())
    again = plan(desired, listing(final), state='present', purge=purge, update_secrets=update_secrets, resolved=resolved_of(final))
    if update_secrets != 'always' or not any(d.secret for d in desired):
        assert not again.changed and not again.deletes and not again.imports(), (again.result(), update_secrets)


@settings(max_examples=EXAMPLES, deadline=None)
@given(current=stores, desired=declarations())
def test_absent_removes_exactly_the_declared_names(current, desired):
    p = plan(desired, listing(current), state='absent')
    final = apply_env(current, p)
    declared = {d.name for d in desired}
    assert final == {n: v for n, v in current.items() if n not in declared}
    assert sorted(p.removed) == sorted(declared & set(current))
    assert sorted(p.untouched) == sorted(declared - set(current))
    assert not p.imports()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parent=stores, own=stores, desired=declarations(), state=st.sampled_from(['present', 'absent']), purge=st.booleans())
def test_branch_never_deletes_inherited_values_nor_touches_the_parent(parent, own, desired, state, purge):
    purge = purge and state == 'present'
    view = merged(parent, own)
    p = plan(desired, listing(view), state=state, purge=purge, resolved=resolved_of(view), parent=listing(parent), on_branch=True)
    for name in p.deletes:
        assert name in own, 'DELETE of %s, which the branch only inherits' % name
    final_own = apply_branch(parent, own, p)
    final_view = merged(parent, final_own)
    declared = {d.name for d in desired}
    if state == 'absent':
        for name in set(own) - declared:
            assert final_own[name] == own[name]
        for name in declared & set(own):
            # left only when it cannot be told apart from the parent's value (or overrides a parent secret)
            if name in final_own:
                assert name in parent and (parent[name][1] or parent[name] == own[name]), name
        return
    for d in desired:
        assert final_view[d.name] == (d.value, d.secret or bool(d.name in parent and parent[d.name][1])), d.name
    for name in set(own) - declared:
        if purge and not name.startswith(SYSTEM_PREFIX):
            if name in final_own:
                assert name in parent and (parent[name][1] or parent[name] == own[name]), 'purge kept the branch value of %s' % name
        else:
            assert final_own[name] == own[name], '%s changed though not declared' % name


# ------------------------------------------------------------------------------------------- end to end

ROOT_TARGETS = [(ref, env) for ref in ('proj_demo', 'proj_other') for env in ('dev', 'staging', 'prod')]
ROUNDS = 4 if LONG else 1
E2E_NAMES = ['APP_%s' % c for c in 'ABCDEFGHIJ'] + ['TRIGGER_KEEP']


def _random_case(rng):
    current = {}
    for name in rng.sample(E2E_NAMES, rng.randint(0, 9)):
        current[name] = ('cur %s %d' % (name.lower(), rng.randint(0, 99)), rng.random() < 0.3)
    declared = []
    for name in rng.sample(E2E_NAMES[:-1], rng.randint(0, 7)):
        value = current[name][0] if name in current and rng.random() < 0.4 else 'new %s %d' % (name.lower(), rng.randint(0, 99))
        declared.append({'name': name, 'value': value, 'secret': current[name][1] if name in current and rng.random() < 0.7
                         else rng.random() < 0.3})
    mode = rng.choice(['purge', 'absent', 'present'])
    if mode == 'absent':
        extra = rng.sample(['NEVER_SET_1', 'NEVER_SET_2'], 1)
        declared = [{'name': d['name']} for d in declared] + [{'name': n} for n in extra]
    return {'current': current, 'declared': declared, 'mode': mode}


def _expected(case):
    current, declared, mode = case['current'], case['declared'], case['mode']
    names = {d['name'] for d in declared}
    if mode == 'absent':
        return {n: v for n, v in current.items() if n not in names}
    final = {n: v for n, v in current.items() if mode == 'present' or n not in names and n.startswith(SYSTEM_PREFIX)}
    final.update({d['name']: (d['value'], d['secret']) for d in declared})
    return final


def _seed(emu, ref, env, current, branch=None):
    plain = {n: v for n, (v, s) in current.items() if not s}
    secret = {n: v for n, (v, s) in current.items() if s}
    emu.import_envvars(ref, env, plain, branch=branch)
    emu.import_envvars(ref, env, secret, secret=True, branch=branch)


def _task(emu, name, ref, env, case, branch=None):
    args = {'api_url': emu.url, 'api_key': emu.pat, 'project_ref': ref, 'environment': env}
    if branch:
        args['branch'] = branch
    if case['mode'] == 'absent':
        args.update(names=[d['name'] for d in case['declared']], state='absent')
    else:
        args.update(variables=case['declared'], purge=case['mode'] == 'purge')
    return {'name': name, 'triggerdev.management.trigger_envvar': args}


def test_random_sets_through_the_module(emu):
    rng = random.Random(2024)
    checked = 0
    for round_no in range(ROUNDS):
        emu.reset()
        cases, tasks = {}, []
        for ref, env in ROOT_TARGETS:
            case = _random_case(rng)
            _seed(emu, ref, env, case['current'])
            name = '%s-%s' % (ref, env)
            cases[name] = (ref, env, None, case)
            tasks.append(_task(emu, name, ref, env, case))
        for ref in ('proj_demo', 'proj_other'):
            # a preview branch over a parent with values of its own: some shared names, some identical values
            branch = 'lost-%d' % round_no
            emu.api('POST', '/api/v1/projects/%s/branches' % ref, emu.pat, json_body={'branch': branch, 'env': 'preview'})
            parent = {n: ('parent %s' % n.lower(), rng.random() < 0.3) for n in rng.sample(E2E_NAMES[:-1], 4)}
            _seed(emu, ref, 'preview', parent)
            case = _random_case(rng)
            _seed(emu, ref, 'preview', case['current'], branch=branch)
            name = '%s-branch' % ref
            cases[name] = (ref, 'preview', branch, dict(case, parent=parent))
            tasks.append(_task(emu, name, ref, 'preview', case, branch=branch))
        before = {name: emu.read_envvars(ref, env, branch=branch) for name, (ref, env, branch, _c) in cases.items()}
        parents = {ref: emu.read_envvars(ref, 'preview') for ref in ('proj_demo', 'proj_other')}
        emu.clear_journal()
        check = harness.run_playbook(harness.play(tasks), check=True)
        assert check.rc == 0, check.describe()
        assert harness.writes(emu.journal()) == [], 'check mode wrote: %s' % harness.summarize(harness.writes(emu.journal()))
        assert {name: emu.read_envvars(ref, env, branch=branch) for name, (ref, env, branch, _c) in cases.items()} == before
        run = harness.run_playbook(harness.play(tasks))
        assert run.rc == 0, run.describe()
        for name, (ref, env, branch, case) in cases.items():
            got = emu.read_envvars(ref, env, branch=branch)
            predicted = check.result(name)
            result = run.result(name)
            assert {k: predicted[k] for k in ('added', 'updated', 'removed')} == {k: result[k] for k in ('added', 'updated', 'removed')}, name
            if branch:
                _check_branch(name, case, before[name], got, result)
            else:
                assert got == _expected(case), '%s (%s): %s\nresult %s' % (name, case['mode'], case, result)
            checked += 1
        assert {ref: emu.read_envvars(ref, 'preview') for ref in parents} == parents, 'a preview parent changed'
    report('nothing lost: %d hypothesis examples per property (3 properties), %d random sets end to end through trigger_envvar '
           '(%d environments and %d preview branches per round, %d round(s))' % (EXAMPLES, checked, len(ROOT_TARGETS), 2, ROUNDS))


def _check_branch(name, case, before, got, result):
    """The merged view after a branch run: declared values set; undeclared ones kept unless purged; nothing inherited lost."""
    parent, declared, mode = case['parent'], case['declared'], case['mode']
    names = {d['name'] for d in declared}
    for n in parent:
        assert n in got, '%s: the inherited %s disappeared' % (name, n)
    if mode == 'absent':
        for n, value in before.items():
            if n not in names:
                assert got.get(n) == value, '%s: %s changed though not declared absent' % (name, n)
            elif n not in parent:
                assert n not in got, '%s: %s is still there' % (name, n)
        return
    for d in declared:
        assert got[d['name']][0] == d['value'], '%s: %s not set' % (name, d['name'])
    for n, value in before.items():
        if n in names or n in parent:
            continue
        if mode == 'purge' and not n.startswith(SYSTEM_PREFIX):
            assert n not in got, '%s: purge kept %s (%s)' % (name, n, result)
        else:
            assert got.get(n) == value, '%s: %s changed though not declared' % (name, n)
