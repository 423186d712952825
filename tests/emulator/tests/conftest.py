"""Start the emulator once per session (subprocess, port 0) and reset it before each test."""

# pylint: disable=redefined-outer-name

import pytest
import requests

from emulator_helpers import Emu, start_emulator, stop_emulator


@pytest.fixture(scope="session")
def emulator_url():
    proc, url = start_emulator()
    yield url
    stop_emulator(proc)


@pytest.fixture
def emu(emulator_url):
    requests.post(emulator_url + "/_emulator/reset", timeout=30).raise_for_status()
    client = Emu(emulator_url)  # the config after the reset: keys a test rotated are the fixture's again
    yield client
    client.session.close()
