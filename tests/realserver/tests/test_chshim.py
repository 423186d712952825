# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ClickHouse-HTTP shim of the real server (tests/realserver/chshim.py): request parsing and the HTTP protocol
against a fake chDB session, and, where the real-server build left its chDB venv, the real engine end to end."""

import gzip
import json
import os
import subprocess
import sys
import threading
import urllib.request
import zlib

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import chshim  # noqa: E402  pylint: disable=wrong-import-position
import realserver  # noqa: E402  pylint: disable=wrong-import-position


class FakeResult:
    def __init__(self, data):
        self.data = data

    def bytes(self):
        return self.data


class FakeSession:
    """Records every query; fails the first time a statement carries ``fail_with`` (a ClickHouse error code)."""

    def __init__(self, _path):
        self.queries = []
        self.fail_with = {}

    def query(self, sql, fmt, params=None):
        self.queries.append((sql, fmt, params))
        for fragment, code in list(self.fail_with.items()):
            if fragment in sql and 'SETTINGS' not in sql:
                raise RuntimeError('Code: %d. DB::Exception: refused %s' % (code, fragment))
        return FakeResult(json.dumps({'sql': sql, 'format': fmt, 'params': params}).encode())


@pytest.fixture
def shim():
    engine = chshim.Engine('/nowhere', session_factory=FakeSession)
    server = chshim.ThreadingHTTPServer(('127.0.0.1', 0), chshim.Handler)
    chshim.Handler.engine = engine
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d' % server.server_address[1], engine.session
    server.shutdown()
    server.server_close()


def post(url, body=b'', headers=None):
    request = urllib.request.Request(url, data=body, method='POST', headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_split_request_separates_query_params_settings_and_database():
    sql, params, settings, database = chshim.split_request(
        'query=INSERT+INTO+t+FORMAT+JSONEachRow&param_id=run_1&database=trigger_dev&max_threads=2&async_insert=1&query_id=q1',
        b'{"a":1}\n')
    assert sql == 'INSERT INTO t FORMAT JSONEachRow\n{"a":1}'
    assert params == {'id': 'run_1'} and database == 'trigger_dev'
    assert settings == {'max_threads': '2'}  # async_insert is ignored, query_id is not a setting


def test_body_encodings_and_helpers():
    assert chshim.decode_body(gzip.compress(b'SELECT 1'), 'gzip') == b'SELECT 1'
    assert chshim.decode_body(zlib.compress(b'SELECT 2'), 'deflate') == b'SELECT 2'
    assert chshim.decode_body(b'SELECT 3', None) == b'SELECT 3'
    assert chshim._with_setting('CREATE TABLE t (a Int8) ENGINE = Memory;', 'x') == 'CREATE TABLE t (a Int8) ENGINE = Memory SETTINGS x = 1'
    assert chshim._with_setting('CREATE TABLE t ENGINE = MergeTree SETTINGS y = 2', 'x') == 'CREATE TABLE t ENGINE = MergeTree SETTINGS y = 2, x = 1'
    assert chshim._literal('12') == '12' and chshim._literal("it's") == "'it\\'s'"
    with pytest.raises(ValueError):
        chshim._identifier('a; DROP TABLE x')


def test_ping_query_format_and_settings_over_http(shim):
    url, session = shim
    assert post(url + '/ping', b'')[2] == b'Ok.\n'
    status, headers, body = post(url + '/?database=trigger_dev&max_threads=2&param_n=5', b'SELECT {n:UInt8} FORMAT JSONEachRow')
    assert status == 200 and headers['X-ClickHouse-Format'] == 'JSONEachRow' and headers['X-ClickHouse-Query-Id']
    assert json.loads(body) == {'sql': 'SELECT {n:UInt8} FORMAT JSONEachRow', 'format': 'JSONEachRow', 'params': {'n': '5'}}
    assert [q[0] for q in session.queries[:2]] == ['USE trigger_dev', "SET max_threads = 2"]
    post(url + '/?database=trigger_dev&max_threads=2', b'SELECT 1')
    assert [q[0] for q in session.queries].count('USE trigger_dev') == 1  # settings are applied once, then kept


def test_chunked_and_gzip_bodies(shim):
    url, session = shim
    request = urllib.request.Request(url + '/?query=INSERT+INTO+t+FORMAT+JSONEachRow', method='POST',
                                     data=iter([b'{"a":1}\n', b'{"a":2}\n']), headers={'Transfer-Encoding': 'chunked'})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    assert session.queries[-1][0] == 'INSERT INTO t FORMAT JSONEachRow\n{"a":1}\n{"a":2}'
    post(url + '/', gzip.compress(b'SELECT 42'), {'Content-Encoding': 'gzip'})
    assert session.queries[-1][0] == 'SELECT 42'


def test_errors_carry_the_code_and_code_36_schemas_are_retried_with_the_setting(shim):
    url, session = shim
    session.fail_with = {'BROKEN': 62, 'AggregatingMergeTree': 36}
    status, headers, body = post(url + '/', b'SELECT BROKEN')
    assert status == 500 and headers['X-ClickHouse-Exception-Code'] == '62' and body.startswith(b'Code: 62.')
    status, _headers, _body = post(url + '/', b'CREATE TABLE x (a Int8) ENGINE = AggregatingMergeTree ORDER BY a')
    assert status == 200
    assert session.queries[-1][0].endswith('SETTINGS allow_dimensions_outside_sorting_key = 1')
    status, _headers, _body = post(url + '/', b'SELECT 1 FROM AggregatingMergeTree')
    assert status == 500  # only schema statements are retried


CHDB_PYTHON = os.path.join(realserver.CACHE, 'chdb-venv', 'bin', 'python')


@pytest.mark.skipif(not os.path.exists(CHDB_PYTHON), reason='the real-server build (make real-server) has not made its chDB venv here')
def test_the_shim_over_real_chdb(tmp_path):
    """What the webapp does through @clickhouse/client: create, insert JSONEachRow, select with a parameter."""
    proc = subprocess.Popen([CHDB_PYTHON, os.path.join(os.path.dirname(HERE), 'chshim.py'), '--data', str(tmp_path / 'chdb')],
                            stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip().split(' ', 2)[-1]
        assert post(url + '/', b'CREATE TABLE runs (id String, status String) ENGINE = MergeTree ORDER BY id')[0] == 200
        rows = b'{"id":"run_1","status":"QUEUED"}\n{"id":"run_2","status":"COMPLETED"}\n'
        assert post(url + '/?query=INSERT+INTO+runs+FORMAT+JSONEachRow', rows)[0] == 200
        status, _headers, body = post(url + '/?param_s=COMPLETED', b'SELECT id FROM runs WHERE status = {s:String} FORMAT JSONEachRow')
        assert status == 200 and [json.loads(line) for line in body.splitlines()] == [{'id': 'run_2'}]
        status, headers, _body = post(url + '/', b'SELECT nope FROM runs')
        assert status == 500 and headers['X-ClickHouse-Exception-Code'] == '47'
    finally:
        proc.terminate()
        proc.wait(timeout=30)
