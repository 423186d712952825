# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The long benchmark (``make bench``): the collection against the baseline a user would write without it.

Starts its own emulator, injects a fixed latency on every API request (``POST /_emulator/faults
{"latency_ms": 20}``) and measures, for each scenario, the requests (from the emulator's journal) and
the wall time of the measured task(s) inside ansible-playbook (bench_record callback,
time.perf_counter). Each measurement is repeated; the collection and its baseline alternate within
each repetition and the median is reported, with the median of the per-repetition ratios.
Prints the tables and writes them to docs/docsite/rst/benchmarks.rst. No assertions on time.

    python tests/bench/run_bench.py [--repeat 3] [--latency-ms 20] [--sizes 10,100,1000] [--quick] [--out FILE]
    python tests/bench/run_bench.py --render tests/output/bench.json     # the page again from kept results
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402  pylint: disable=wrong-import-position
import scenarios  # noqa: E402  pylint: disable=wrong-import-position

DOC = os.path.join(harness.ROOT, 'docs', 'docsite', 'rst', 'benchmarks.rst')


def log(message):
    sys.stderr.write('[bench %s] %s\n' % (time.strftime('%H:%M:%S'), message))
    sys.stderr.flush()


def median(values):
    return statistics.median(values) if values else float('nan')


def paired(repeat, module, baseline):
    """Run module() and baseline() ``repeat`` times, alternating which goes first."""
    mods, bases = [], []
    for i in range(repeat):
        if i % 2:
            bases.append(baseline())
            mods.append(module())
        else:
            mods.append(module())
            bases.append(baseline())
    return mods, bases


def summary(mods, bases, key='seconds'):
    ratios = [m[key] / b[key] for m, b in zip(mods, bases) if b[key]]
    return {
        'mod_requests': mods[0]['requests'], 'base_requests': bases[0]['requests'],
        'mod_requests_all': sorted(set(m['requests'] for m in mods)), 'base_requests_all': sorted(set(b['requests'] for b in bases)),
        'mod_seconds': median([m[key] for m in mods]), 'base_seconds': median([b[key] for b in bases]),
        'ratio': median(ratios), 'runs': '%d/%d' % (len(mods), len(bases)),
        'mod_wall': median([m['wall'] for m in mods]),
    }


def fmt_ratio(value):
    if math.isnan(value):
        return 'n/a'
    return '%.2f' % value if value >= 0.1 else '%.3f' % value


def fmt_s(value):
    return '%.2f' % value


# ------------------------------------------------------------------------------------------- scenarios

def bench_envvars(emu, args):
    rows = []
    for n in args.sizes:
        for case, label in (('nochange', 'no change'), ('change', '5 of N changed'), ('first', 'first time (all new)')):
            base_repeat = args.repeat if n < 1000 or args.full else 1
            log('env vars N=%d %s (%d runs, baseline %d)' % (n, case, args.repeat, base_repeat))
            mods, bases = [], []
            for i in range(args.repeat):
                first_baseline = i % 2 == 1
                if first_baseline and i < base_repeat:
                    bases.append(scenarios.envvar_baseline(emu, n, case, args.latency_ms))
                mods.append(scenarios.envvar_module(emu, n, case, args.latency_ms))
                if not first_baseline and i < base_repeat:
                    bases.append(scenarios.envvar_baseline(emu, n, case, args.latency_ms))
            row = summary(mods, bases)
            if len(bases) != len(mods):
                # fewer baseline runs: the ratio of the medians instead of the median of paired ratios
                row['ratio'] = row['mod_seconds'] / row['base_seconds']
            row.update(n=n, case=label)
            rows.append(row)
            log('  -> %s' % row)
    return rows


def bench_overhead(emu, args):
    log('module overhead (%d runs)' % args.repeat)
    runs = [scenarios.overhead(emu, args.latency_ms) for _repetition in range(args.repeat)]
    return {
        'uri_seconds': median([r['uri_seconds'] for r in runs]), 'module_seconds': median([r['module_seconds'] for r in runs]),
        'ratio': median([r['module_seconds'] / r['uri_seconds'] for r in runs]), 'runs': len(runs),
        'requests': runs[0]['requests'],
    }


def bench_runs(emu, args):
    log('runs listing: seeding %d runs' % args.runs)
    scenarios.seed_runs(emu, args.runs)
    mods, bases = paired(args.repeat, lambda: scenarios.runs_module(emu, args.runs, args.latency_ms),
                         lambda: scenarios.runs_baseline(emu, args.runs, args.latency_ms))
    row = summary(mods, bases)
    row['per_1000_mod'] = row['mod_seconds'] * 1000.0 / args.runs
    row['per_1000_base'] = row['base_seconds'] * 1000.0 / args.runs
    row['count'] = args.runs
    fields = ['id', 'status', 'task_identifier', 'created_at']
    slim, slim_bases = paired(args.repeat, lambda: scenarios.runs_module_fields(emu, args.runs, fields, args.latency_ms),
                              lambda: scenarios.runs_baseline(emu, args.runs, args.latency_ms))
    row['fields'] = dict(summary(slim, slim_bases), names=fields)
    parts = [scenarios.runs_in_process(emu, args.runs, args.latency_ms) for _repetition in range(args.repeat)]
    row['in_process'] = dict((name, median([p[name] for p in parts])) for name in parts[0])
    log('  -> %s' % row)
    return row


def bench_schedules(emu, args):
    log('schedules: %d declared, no change (%d runs)' % (args.schedules, args.repeat))
    scenarios.prepare_schedules(emu, args.schedules)   # no-change runs leave the state as it is: prepared once
    mods, bases = paired(args.repeat, lambda: scenarios.schedules_module(emu, args.schedules, args.latency_ms, prepare=False),
                         lambda: scenarios.schedules_baseline(emu, args.schedules, args.latency_ms, prepare=False))
    row = summary(mods, bases)
    row['count'] = args.schedules
    log('  -> %s' % row)
    return row


def bench_schedule_set(emu, args):
    """The declared set in one task: N=100 and 1,000 without change (time against one uri GET of the list at N=100),
    5 of 100 changed, and first-time creation of 100."""
    rows = []
    for n, case in ((100, 'nochange'), (args.schedule_set_large, 'nochange'), (100, 'changed5'), (100, 'first')):
        log('schedule set: %d declared, %s (%d runs)' % (n, case, args.repeat))
        if case == 'nochange':
            scenarios.prepare_schedule_set(emu, n)   # a no-change run leaves the state as it is: prepared once
        mods, bases = paired(args.repeat, lambda: scenarios.schedules_set(emu, n, case, latency_ms=args.latency_ms, prepare=case != 'nochange'),
                             lambda: scenarios.schedule_list_uri(emu, args.latency_ms))
        row = summary(mods, bases)
        row.update(count=n, case=case)
        rows.append(row)
        log('  -> %s' % row)
    return rows


def bench_rate_limits(emu, args):
    rows = []
    for what, n, label in (('envvar', args.rl_vars, '%d-variable first-time sync' % args.rl_vars),
                           ('batch', args.rl_items, '%d-item batch trigger' % args.rl_items)):
        log('rate limited: %s at %s per %d ms' % (label, args.rl_limit, args.rl_interval_ms))
        limited = [scenarios.rate_limited(emu, args.rl_limit, args.rl_interval_ms, what, n) for _repetition in range(args.repeat)]
        free = [scenarios.rate_limited(emu, '1000000/1000000', 10000, what, n) for _repetition in range(args.repeat)]
        row = {
            'label': label, 'requests': median([m['requests'] for m in limited]), 'throttled': median([m['throttled'] for m in limited]),
            'throttled_all': sorted(set(m['throttled'] for m in limited)),
            'seconds': median([m['seconds'] for m in limited]), 'free_seconds': median([m['seconds'] for m in free]),
            'free_requests': free[0]['requests'], 'runs': len(limited),
        }
        row['waited'] = max(0.0, row['seconds'] - row['free_seconds'])
        rows.append(row)
        log('  -> %s' % row)
    return rows


# ------------------------------------------------------------------------------------------- output

def table(headers, rows):
    """An RST simple table."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    rule = '  '.join('=' * w for w in widths)
    lines = [rule, '  '.join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(), rule]
    lines.extend('  '.join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)
    lines.append(rule)
    return '\n'.join(lines)


def ansible_version():
    try:
        out = subprocess.run([harness.venv_bin('ansible'), '--version'], capture_output=True, text=True, check=False).stdout
        return out.splitlines()[0].strip()
    except OSError:
        return 'unknown'


def render(args, results, started, load_before, load_after):
    env_rows = [[r['n'], r['case'], r['mod_requests'], r['base_requests'], fmt_ratio(r['mod_requests'] / r['base_requests']),
                 fmt_s(r['mod_seconds']), fmt_s(r['base_seconds']), fmt_ratio(r['ratio']), r['runs']] for r in results['envvars']]
    ov = results['overhead']
    rn = results['runs']
    sc = results['schedules']
    other_rows = [
        ['module overhead: no-op trigger_envvar vs one uri GET', '1', '1', '1.00', fmt_s(ov['module_seconds']), fmt_s(ov['uri_seconds']),
         fmt_ratio(ov['ratio']), '%d/%d' % (ov['runs'], ov['runs'])],
        ['runs: %s runs, trigger_run_info limit %s' % ('{:,}'.format(rn['count']), rn['count']), rn['mod_requests'], rn['base_requests'],
         fmt_ratio(rn['mod_requests'] / rn['base_requests']), fmt_s(rn['mod_seconds']), fmt_s(rn['base_seconds']), fmt_ratio(rn['ratio']),
         rn['runs']],
    ] + [
        ['runs: %s runs, trigger_run_info fields %s' % ('{:,}'.format(rn['count']), ', '.join(f['names'])), f['mod_requests'],
         f['base_requests'], fmt_ratio(f['mod_requests'] / f['base_requests']), fmt_s(f['mod_seconds']), fmt_s(f['base_seconds']),
         fmt_ratio(f['ratio']), f['runs']] for f in [rn['fields']] if rn.get('fields')
    ] + [
        ['schedules: %d declared, no change, one task each' % sc['count'], sc['mod_requests'], sc['base_requests'],
         fmt_ratio(sc['mod_requests'] / sc['base_requests']), fmt_s(sc['mod_seconds']), fmt_s(sc['base_seconds']), fmt_ratio(sc['ratio']),
         sc['runs']],
    ] + [['schedule set in one task: %s declared, %s (against one uri GET of the list)'
          % ('{:,}'.format(r['count']), {'nochange': 'no change', 'changed5': '5 changed', 'first': 'all created'}[r['case']]),
          r['mod_requests'], r['base_requests'], fmt_ratio(r['mod_requests'] / r['base_requests']), fmt_s(r['mod_seconds']),
          fmt_s(r['base_seconds']), fmt_ratio(r['ratio']), r['runs']] for r in results.get('schedule_set', [])]
    rl_rows = [[r['label'], r['requests'], r['throttled'], fmt_s(r['seconds']), fmt_s(r['free_seconds']), fmt_s(r['waited']), r['runs']]
               for r in results['rate_limits']]
    env_table = table(['N', 'case', 'requests', 'baseline requests', 'request ratio', 'time (s)', 'baseline time (s)', 'time ratio',
                       'runs'], env_rows)
    other_table = table(['scenario', 'requests', 'baseline requests', 'request ratio', 'time (s)', 'baseline time (s)', 'time ratio',
                         'runs'], other_rows)
    rl_table = table(['scenario', 'requests', '429s absorbed', 'time (s)', 'time without limit (s)', 'waited (s)', 'runs'], rl_rows)
    per_1000 = 'Runs listing, time per 1,000 runs: %.3f s through trigger_run_info, %.3f s with a bare requests loop.' % (
        rn['per_1000_mod'], rn['per_1000_base'])
    if rn.get('in_process'):
        ip = rn['in_process']
        per_1000 += RUNS_PROFILE.format(count='{:,}'.format(rn['count']), operation=ip['operation'], base=rn['base_seconds'],
                                        masking=ip['masking'], json=ip['json'], megabytes=ip['megabytes'], module=rn['mod_seconds'],
                                        fields=rn['fields']['mod_seconds'], ratio=rn['fields']['ratio'])
    return TEMPLATE.format(
        date=started.strftime('%Y-%m-%d %H:%M UTC'), latency=args.latency_ms, repeat=args.repeat,
        python=platform.python_version(), ansible=ansible_version(), cpus=os.cpu_count(), system=platform.platform(terse=True),
        load_before='%.2f' % load_before, load_after='%.2f' % load_after, env_table=env_table, other_table=other_table,
        rl_table=rl_table, per_1000=per_1000, rl_limit=args.rl_limit, rl_interval=args.rl_interval_ms,
        baseline_1000='1 run (``--full`` for %d)' % args.repeat if not args.full else '%d runs' % args.repeat,
    )


RUNS_PROFILE = '''

Where the time of the runs listing goes. A profile of the listing (cProfile over ``RunRead``, the module's operation)
showed it spent most of its time converting the API's camelCase keys to snake_case with two regular expressions per
key, 250,000 times for 10,000 runs; the conversion is now made once per distinct key. Measured in this benchmark's
process for {count} runs: the operation itself (the requests and the conversion) takes {operation:.2f} s, against
{base:.2f} s for the bare ``requests`` loop, so the module's own work is at the floor. What remains of the
{module:.2f} s inside ``ansible-playbook`` is Ansible's handling of a {megabytes:.1f} MB result: masking ``no_log``
values in every string of it ({masking:.2f} s here), serialising it ({json:.2f} s), and on the controller decoding,
registering and passing it to the callbacks, plus the module's start-up. That cost grows with the size of the
result, so ``trigger_run_info`` takes ``fields``: returning only ``id``, ``status``, ``task_identifier`` and
``created_at`` took {fields:.2f} s (time ratio {ratio:.2f} against the floor).'''


TEMPLATE = '''.. _ansible_collections.triggerdev.management.docsite.benchmarks:

**********
Benchmarks
**********

How many API requests and how much time the collection needs, compared with what a user would write
without it. Reproduce with ``make bench`` (about an hour on a two-core machine; ``make bench-short``,
part of ``make test``, checks only the exact request counts).

.. contents::
   :local:

Method
======

- The local emulator (``tests/emulator``) answers every API request after a fixed injected latency of
  {latency} ms (``POST /_emulator/faults {{"latency_ms": {latency}}}``), to model a network round trip.
  Its rate limit is off except in the rate-limit scenarios.
- **requests** are counted in the emulator's journal while the measured task runs; they are exact and
  the same on every run.
- **time** is the wall time of the measured task(s) inside ``ansible-playbook`` (a callback records
  ``time.perf_counter`` at task start and at its last result), so the 2-3 s start-up of
  ``ansible-playbook`` itself is left out on both sides. Local connection, pipelining on.
- Each row is the median of several runs ({repeat} by default; the uri baseline at N = 1,000 variables:
  {baseline_1000}, it takes tens of minutes). The collection and the baseline alternate within a
  repetition, and **time ratio** is the median of the per-repetition ratios (collection / baseline):
  below 1 the collection is faster.
- The baselines are plain Ansible without this collection: ``ansible.builtin.uri`` tasks that loop
  over the items, read each one and write it only if it differs (``tests/bench/playbooks/envvar_uri.yml``
  and ``scenarios.schedule_baseline_play``). For the runs list, where a ``uri`` loop cannot follow
  cursors, the baseline is the floor: the same pages read by a bare Python ``requests`` loop without
  Ansible at all.
- Measured on {date}: {system}, {cpus} CPUs, Python {python}, {ansible}. The machine was shared with
  other jobs (load average {load_before} at the start, {load_after} at the end), so times carry noise;
  the request counts do not.

Environment variables
=====================

One ``trigger_envvar`` task declaring N variables, against ``uri`` tasks that read each variable and
write (create/update) the ones that differ. "5 of N changed" starts with all N set and 5 values
different; "first time" starts with none.

{env_table}

Other operations
================

{other_table}

{per_1000}

Under rate limiting
===================

The emulator's limit set to {rl_limit} (burst / refill) per {rl_interval} ms per credential, so almost
every request after the first waits for a token. The client retries each 429 after the time the API
gives in ``x-ratelimit-reset`` (plus up to 1 s of jitter); every run completed and the result was
checked (all variables set; every batch item triggered exactly once). **waited** is the time beyond
the same run without a limit.

{rl_table}

At the same limit the ``uri`` baseline of a 1,000-variable first-time sync would need 2,000 requests,
that is at least 2,000 token intervals of waiting (and ``ansible.builtin.uri`` does not retry a 429 by
itself).

Many hosts sharing one token
----------------------------

The modules retry a 429 as the official SDK does: four retries, each after the time the API gives.
That is plenty for one host. When many forks share one access token against a low limit, a host can
lose the race for a token five times in a row and fail with a clear
``failed with HTTP 429: Rate limit exceeded`` message (``make reliability``: 20 forks on one token,
burst 20 then 10 requests per second). Raise ``retries`` (for example ``retries: 10`` in
``module_defaults``) for such runs, or give each environment its own secret key: the API counts a
secret key's requests per environment.

Reliability
===========

``make reliability`` (a shorter form runs in ``make test``) runs against the emulator and checks:

- **faults**: every state and action module's playbook, again and again, while 30 % of the API
  requests fail with 500/502/503/429 and 5 % of the connections drop: each run converges to the
  declared state or fails with a clear message after its retries; check mode never writes; a keyed
  trigger repeated, or a trigger whose answer was lost, never creates a second run;
- **load**: 20 forks syncing 20 environments and preview branches at once on one rate-limited token;
  every variable of every target is compared afterwards;
- **bad input**: over 100 bad inputs across all modules and the lookup, each refused with a clear
  message and, where it can be known locally, before any request;
- **secrets**: the integration targets and the demo run with ``-vvv --diff``; no key, access token,
  resolved environment key or secret value appears in the collection's output, results or errors;
- **nothing lost**: purge and ``state: absent`` remove exactly what is not declared (property-based
  tests of the planner, and random sets end to end through the module).
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--full', action='store_true', help='repeat the N=1,000 uri baseline as often as the rest')
    parser.add_argument('--latency-ms', type=int, default=20)
    parser.add_argument('--sizes', default='10,100,1000')
    parser.add_argument('--runs', type=int, default=10000)
    parser.add_argument('--schedules', type=int, default=100)
    parser.add_argument('--schedule-set-large', type=int, default=1000)
    parser.add_argument('--rl-limit', default='1/1')
    parser.add_argument('--rl-interval-ms', type=int, default=1000)
    parser.add_argument('--rl-vars', type=int, default=1000)
    parser.add_argument('--rl-items', type=int, default=500)
    parser.add_argument('--quick', action='store_true', help='small sizes, one run: to try the harness')
    parser.add_argument('--out', default=DOC, help='the RST page to write (empty: do not write)')
    parser.add_argument('--json', default=os.path.join(harness.ROOT, 'tests', 'output', 'bench.json'),
                        help='where to keep the raw results (empty: do not keep them)')
    parser.add_argument('--render', metavar='JSON', help='only render the page again from raw results kept earlier')
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(',') if s]
    if args.quick:
        args.repeat, args.sizes, args.runs, args.schedules, args.rl_vars, args.rl_items = 1, [10], 1000, 5, 100, 50
        args.schedule_set_large = 200
    if args.render:
        with open(args.render, encoding='utf-8') as handle:
            kept = json.load(handle)
        for name, value in kept['args'].items():
            setattr(args, name, value)
        results, started = kept['results'], datetime.datetime.fromisoformat(kept['started'])
        load_before, load_after = kept['load_before'], kept['load_after']
    else:
        started = datetime.datetime.now(datetime.timezone.utc)
        load_before = os.getloadavg()[0]
        results = {}
        with harness.emulator('--rate-limit', '1000000/1000000', '--run-pace', '0.05') as emu:
            results['envvars'] = bench_envvars(emu, args)
            results['overhead'] = bench_overhead(emu, args)
            results['schedules'] = bench_schedules(emu, args)
            results['schedule_set'] = bench_schedule_set(emu, args)
            results['runs'] = bench_runs(emu, args)
            results['rate_limits'] = bench_rate_limits(emu, args)
        load_after = os.getloadavg()[0]
        if args.json:
            os.makedirs(os.path.dirname(args.json), exist_ok=True)
            kept = ('repeat', 'full', 'latency_ms', 'sizes', 'runs', 'schedules', 'schedule_set_large', 'rl_limit', 'rl_interval_ms',
                    'rl_vars', 'rl_items')
            kept_args = {k: getattr(args, k) for k in kept}
            with open(args.json, 'w', encoding='utf-8') as handle:
                json.dump({'args': kept_args, 'results': results, 'started': started.isoformat(), 'load_before': load_before,
                           'load_after': load_after}, handle, indent=1)
            log('kept the raw results in %s' % args.json)
    text = render(args, results, started, load_before, load_after)
    print(text)
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as handle:
            handle.write(text)
        log('wrote %s' % args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
