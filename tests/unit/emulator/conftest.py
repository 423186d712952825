"""Start the emulator once per session (subprocess, port 0) and reset it before each test."""

# pylint: disable=redefined-outer-name

import pytest

from emulator_helpers import Emu, start_emulator, stop_emulator


@pytest.fixture(scope="session")
def emulator_url():
    proc, url = start_emulator()
    yield url
    stop_emulator(proc)


@pytest.fixture
def emu(emulator_url):
    client = Emu(emulator_url)
    client.control("POST", "reset")
    yield client
    client.session.close()
