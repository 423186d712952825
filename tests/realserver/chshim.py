"""A small ClickHouse HTTP interface in front of chDB (the ClickHouse engine as a library), for the real server.

The webapp reads the runs list from ClickHouse and fills it through its own replication of Postgres; it
talks to ClickHouse with @clickhouse/client over HTTP. This serves the part of that protocol the client
uses, on one chDB session:

* ``GET /ping`` and ``GET /`` answer ``Ok.``;
* a query comes in the request body, or in the ``query`` URL parameter with the body as its data
  (``INSERT … FORMAT JSONEachRow`` + rows); ``param_<name>`` are query parameters; ``database`` and other
  settings in the URL are applied with SET (they persist; the webapp always sends the same ones);
* request bodies may be gzip or deflate compressed; answers are never compressed;
* errors answer 500 with ClickHouse's text and ``X-ClickHouse-Exception-Code``.

Queries run one at a time (chDB sessions are not concurrent). Run it with a Python that has chdb-core:

    python chshim.py --data DIR --port 0        # prints "listening on http://127.0.0.1:PORT"
"""

import argparse
import gzip
import json
import re
import sys
import threading
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

# URL parameters that are not settings
NOT_SETTINGS = {"query", "database", "query_id", "session_id", "session_timeout", "session_check", "default_format",
                "user", "password", "compress", "decompress", "quota_key"}
# Settings the client sends that chDB refuses or that make no sense here
IGNORED_SETTINGS = {"enable_http_compression", "send_progress_in_http_headers", "http_headers_progress_interval_ms",
                    "wait_end_of_query", "async_insert", "wait_for_async_insert", "async_insert_busy_timeout_ms",
                    "async_insert_max_data_size", "http_response_buffer_size", "max_execution_time", "readonly"}
# ClickHouse 26 refuses some schemas older servers took; the webapp's migrations need them
RETRY_WITH = {36: "allow_dimensions_outside_sorting_key"}
ERROR_CODE = re.compile(r"Code: (\d+)")
FORMAT_CLAUSE = re.compile(r"\bFORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)


class Engine:
    """One chDB session behind a lock."""

    def __init__(self, path, session_factory=None):
        if session_factory is None:
            from chdb import session  # pylint: disable=import-outside-toplevel
            session_factory = session.Session
        self.session = session_factory(path)
        self.lock = threading.Lock()
        self.applied = {}

    def run(self, sql, params, settings, database):
        with self.lock:
            if database and self.applied.get("database") != database:
                self._query("USE %s" % _identifier(database), {})
                self.applied["database"] = database
            for name, value in settings.items():
                if self.applied.get(name) != value:
                    try:
                        self._query("SET %s = %s" % (_identifier(name), _literal(value)), {})
                        self.applied[name] = value
                    except Exception:  # pylint: disable=broad-except
                        self.applied[name] = value   # unknown to this engine: ignored, as the server ignores profile noise
            try:
                return self._query(sql, params)
            except Exception as exc:  # pylint: disable=broad-except
                code = _code(exc)
                setting = RETRY_WITH.get(code)
                if setting and re.match(r"(\s*--[^\n]*\n)*\s*(CREATE|ALTER)\b", sql, re.IGNORECASE):
                    return self._query(_with_setting(sql, setting), params)
                raise

    def _query(self, sql, params):
        match = FORMAT_CLAUSE.search(sql) if not sql.lstrip().upper().startswith("INSERT") else None
        fmt = match.group(1) if match else "TabSeparated"
        result = self.session.query(sql, fmt, params=params or None) if params else self.session.query(sql, fmt)
        return result.bytes() if hasattr(result, "bytes") else bytes(result or b"")


def _identifier(name):
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError("bad identifier %r" % name)
    return name


def _literal(value):
    if re.fullmatch(r"-?\d+(\.\d+)?", value):
        return value
    return "'%s'" % value.replace("\\", "\\\\").replace("'", "\\'")


def _with_setting(sql, setting):
    sql = sql.rstrip().rstrip(";")
    if re.search(r"\bSETTINGS\b", sql, re.IGNORECASE):
        return "%s, %s = 1" % (sql, setting)
    return "%s SETTINGS %s = 1" % (sql, setting)


def _code(exc):
    match = ERROR_CODE.search(str(exc))
    return int(match.group(1)) if match else 1002


def split_request(query_string, body):
    """(sql, params, settings, database) from a request's URL parameters and body."""
    args = dict(parse_qsl(query_string, keep_blank_values=True))
    params = {name[len("param_"):]: value for name, value in args.items() if name.startswith("param_")}
    settings = {name: value for name, value in args.items()
                if not name.startswith("param_") and name not in NOT_SETTINGS and name not in IGNORED_SETTINGS}
    text = body.decode("utf-8")
    sql = "%s\n%s" % (args["query"], text) if args.get("query") else text
    return sql.strip(), params, settings, args.get("database")


def decode_body(body, encoding):
    encoding = (encoding or "").lower()
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    engine = None
    errors = 0

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def _send(self, status, body, headers=None):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        # @clickhouse/client streams inserts with chunked transfer encoding
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self):
        url = urlsplit(self.path)
        body = self._body()
        if url.path in ("/ping", "/") and not body and "query" not in url.query:
            self._send(200, b"Ok.\n")
            return
        query_id = dict(parse_qsl(url.query)).get("query_id") or str(uuid.uuid4())
        headers = {"X-ClickHouse-Query-Id": query_id, "X-ClickHouse-Summary": json.dumps({"read_rows": "0", "written_rows": "0"})}
        try:
            sql, params, settings, database = split_request(url.query, decode_body(body, self.headers.get("Content-Encoding")))
            out = self.engine.run(sql, params, settings, database)
        except Exception as exc:  # pylint: disable=broad-except
            Handler.errors += 1
            code = _code(exc)
            text = str(exc) if str(exc).startswith("Code:") else "Code: %d. DB::Exception: %s" % (code, exc)
            sys.stderr.write("chshim error: %s\n" % text[:500])
            headers["X-ClickHouse-Exception-Code"] = str(code)
            self._send(500, (text + "\n").encode("utf-8"), headers)
            return
        match = FORMAT_CLAUSE.search(sql)
        if match:
            headers["X-ClickHouse-Format"] = match.group(1)
        self._send(200, out, headers)

    do_GET = do_POST = _handle


def serve(data_dir, host="127.0.0.1", port=0):
    Handler.engine = Engine(data_dir)
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="chDB data directory")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = serve(args.data, args.host, args.port)
    print("listening on http://%s:%d" % server.server_address[:2], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
