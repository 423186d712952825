# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults: every state module's playbook under 30 % errors (500/502/503/429) and 5 % dropped connections.

The campaigns (campaigns.py) run in parallel, each against its own emulator: 5 runs per module in the
short form, 50 in the long form (RELIABILITY_LONG=1). See campaigns.py for what one run checks.
"""

import concurrent.futures

import pytest

import campaigns
import harness
from reliability_support import LONG, report

ITERATIONS = 50 if LONG else 5


def _campaign(index, cls):
    with harness.emulator('--run-pace', '0.05') as emu:
        return cls(emu, ITERATIONS, seed=101 + index).run()


@pytest.fixture(scope='module')
def outcomes():
    with concurrent.futures.ThreadPoolExecutor(len(campaigns.CAMPAIGNS)) as pool:
        futures = {cls.name: pool.submit(_campaign, i, cls) for i, cls in enumerate(campaigns.CAMPAIGNS)}
        done = {name: future.result() for name, future in futures.items()}
    for name, outcome in done.items():
        s = outcome.stats
        report('faults %-24s runs %3d: converged %3d, failed cleanly %2d; %5d requests, %4d faults injected (%d 429s)%s' % (
            name, s['runs'], s['converged'], s['failed_cleanly'], s['requests'], s['faults'], s['429'],
            ', %d runs created' % s['runs_created'] if s['runs_created'] else ''))
        for failure in outcome.failures[:5]:
            report('    failed cleanly: %s' % failure[:300])
    return done


@pytest.mark.parametrize('name', [cls.name for cls in campaigns.CAMPAIGNS])
def test_converges_or_fails_clearly_under_faults(outcomes, name):
    outcome = outcomes[name]
    assert outcome.stats['runs'] == ITERATIONS, outcome.problems
    assert not outcome.problems, '\n'.join(outcome.problems)
    # the faults really happened: a campaign that saw none would prove nothing
    assert outcome.stats['faults'] > 0
