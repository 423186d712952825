"""Command line: parse options, bind, print the 'listening on' line, serve until SIGTERM/SIGINT."""

import argparse
import signal
import sys
import threading

from .control import parse_rate_limit
from .server import Emulator, make_server, start_saver
from .util import ApiError


def _rate_limit(text):
    try:
        return parse_rate_limit(text)
    except ApiError as exc:
        raise argparse.ArgumentTypeError("expected BURST/REFILL_PER_10S, e.g. 750/250") from exc


def build_parser():
    parser = argparse.ArgumentParser(prog="python3 tests/emulator", description="Local Trigger.dev management API emulator")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free port (default 0)")
    parser.add_argument("--state", default=None, help="JSON file: loaded at start if it exists, saved after changes and on shutdown")
    parser.add_argument("--seed", type=int, default=None, help="seed for deterministic ids")
    parser.add_argument("--run-pace", type=float, default=0.2, help="seconds a run spends in each status (default 0.2)")
    parser.add_argument("--runs-list-lag-ms", type=int, default=0,
                        help="how long a new run stays out of the runs list, like the server's ClickHouse replica (default 0; ~1000 is realistic)")
    parser.add_argument("--rate-limit", type=_rate_limit, default=(750, 250), help="token bucket BURST/REFILL_PER_10S (default 750/250)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    emulator = Emulator(seed=args.seed, state_file=args.state, run_pace=args.run_pace, rate_limit=args.rate_limit,
                        runs_list_lag_ms=args.runs_list_lag_ms)
    httpd = make_server(args.host, args.port, emulator)
    stop = threading.Event()

    def _shutdown(_signum, _frame):
        if not stop.is_set():
            stop.set()
            threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _shutdown)
    signal.signal(signal.SIGINT, _shutdown)
    if args.state:
        start_saver(emulator, stop)
    sys.stdout.write("listening on %s\n" % emulator.api_url)
    sys.stdout.flush()
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        stop.set()
        httpd.server_close()
        if args.state:
            emulator.state.save()
    return 0
