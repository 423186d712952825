"""Throughput of the emulator: N keep-alive requests over one requests.Session.

Run from the collection root: ``python3 tests/bench/bench_emulator.py [N]``. Prints requests per second
for a cheap unauthenticated GET, an authenticated env-var list, a runs list page over 10,000 seeded runs,
and the time it took to seed them. No assertions: the numbers are for humans and CI logs.
"""

import concurrent.futures
import http.client
import os
import subprocess
import sys
import time
from urllib.parse import urlsplit

import requests

EMULATOR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "emulator"))


def measure(session, url, headers, count):
    started = time.perf_counter()
    for _request in range(count):
        response = session.get(url, headers=headers, timeout=10)
        response.raise_for_status()
    return count / (time.perf_counter() - started)


def measure_raw(base, path, headers, count):
    """Same loop with http.client: closer to the server's own capacity (requests costs ~1 ms per call)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    started = time.perf_counter()
    for _request in range(count):
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError("unexpected status %d" % response.status)
    conn.close()
    return count / (time.perf_counter() - started)


def measure_parallel(base, path, headers, count, workers=4):
    """`workers` keep-alive requests.Sessions at once; aggregate requests/s."""
    def worker(_index):
        with requests.Session() as session:
            session.trust_env = False
            for _request in range(count // workers):
                session.get(base + path, headers=headers, timeout=10).raise_for_status()
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(worker, range(workers)))
    return (count // workers * workers) / (time.perf_counter() - started)


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    proc = subprocess.Popen([sys.executable, EMULATOR, "--port", "0", "--rate-limit", "1000000/1000000"],  # pylint: disable=consider-using-with
                            stdout=subprocess.PIPE, text=True)
    try:
        base = proc.stdout.readline().strip().split(" ", 2)[-1]
        session = requests.Session()
        session.trust_env = False  # skip per-request proxy/netrc lookups: measure the server, not the environment
        config = session.get(base + "/_emulator/config", timeout=10).json()
        key = config["projects"][0]["environments"]["prod"]["secret_key"]
        auth = {"Authorization": "Bearer " + key}
        started = time.perf_counter()
        session.post(base + "/_emulator/runs", json={"environment": "prod", "count": 10000}, timeout=60).raise_for_status()
        seed_seconds = time.perf_counter() - started
        results = [
            ("GET /api/v1/timezones (no auth)", measure(session, base + "/api/v1/timezones?excludeUtc=true", {}, count)),
            ("GET envvars list (secret key)", measure(session, base + "/api/v1/projects/proj_demo/envvars/prod", auth, count)),
            ("GET runs list, 25 of 10,000", measure(session, base + "/api/v1/runs", auth, max(1, count // 10))),
            ("GET envvars list, http.client", measure_raw(base, "/api/v1/projects/proj_demo/envvars/prod", auth, count)),
            ("GET envvars list, 4 sessions", measure_parallel(base, "/api/v1/projects/proj_demo/envvars/prod", auth, count)),
        ]
        print("seeded 10,000 runs in %.3f s" % seed_seconds)
        for name, rate in results:
            print("%-36s %8.0f requests/s" % (name, rate))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


if __name__ == "__main__":
    main()
