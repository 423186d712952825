# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the module and module_utils tests."""

import pytest
import responses

from ansible_collections.triggerdev.management.tests.unit.plugins.fake_schedules import FakeAPI


@pytest.fixture
def fake():
    """The in-memory schedules API (fake_schedules.FakeAPI) behind ``responses``."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeAPI(rsps)
