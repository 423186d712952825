# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open every page of a built HTML site in headless Chromium and check that it renders.

    python3 tests/packaging/check_browser.py [--screenshots DIR] [--install] docs/build/html

The site is served on a loopback port (the search page fetches pages with JavaScript, which
Chromium refuses for file:// URLs), and one Chromium process (Debian's ``chromium``) is driven over
the DevTools protocol on a pipe (``--remote-debugging-pipe``; standard library only). For each page it waits for the load event and
then fails the page on: a JavaScript exception or console error, a resource that failed to load, a
request to anything but the site's own files (the site must work offline), a page without a title or
an ``<h1>``, a page with (almost) no text, an image that did not decode, or a page on which the
theme's stylesheet was not applied (the side navigation is not laid out as the theme lays it out).
With --screenshots it saves a PNG of a few pages for a person to look at. With --install it runs
``apt-get install chromium`` when no Chromium is found.
"""

import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--no-default-browser-check',
         '--disable-extensions', '--mute-audio', '--hide-scrollbars', '--window-size=1280,900',
         '--remote-debugging-pipe']
PAGE_TIMEOUT = 30.0
# Besides the root index.html, pages saved with --screenshots.
SCREENSHOT_PAGES = ('/index.html', 'guide_getting_started.html', 'trigger_envvar_module.html', 'envvars_role.html')

# What is measured in each page after its load event, as one JSON string.
PROBE = r'''JSON.stringify((() => {
  const nav = document.querySelector('nav.wy-nav-side');
  const navStyle = nav ? getComputedStyle(nav) : null;
  const main = document.querySelector('[role="main"]') || document.body;
  const h1 = document.querySelector('h1');
  return {
    title: document.title,
    h1: h1 ? h1.textContent.trim() : '',
    text: (main.innerText || '').trim().length,
    navPosition: navStyle ? navStyle.position : null,
    navWidth: nav ? nav.getBoundingClientRect().width : 0,
    styleSheets: document.styleSheets.length,
    brokenImages: Array.from(document.images).filter(i => i.complete && i.naturalWidth === 0).map(i => i.src),
    bodyHeight: document.body.scrollHeight,
  };
})())'''


class BrowserError(Exception):
    pass


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves the site; logs nothing."""

    def log_message(self, *args):
        pass


def find_chromium(install):
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        path = shutil.which(name)
        if path:
            return path
    if install:
        print('browser: installing Debian package chromium')
        env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
        subprocess.run(['apt-get', 'update', '-qq'], check=True, env=env)
        subprocess.run(['apt-get', 'install', '-y', '-qq', 'chromium'], check=True, env=env, stdout=subprocess.DEVNULL)
        path = shutil.which('chromium')
        if path:
            return path
    raise BrowserError('no chromium found (install the Debian package chromium, or pass --install)')


class Chromium:
    """A headless Chromium driven over --remote-debugging-pipe (fd 3: commands in, fd 4: replies out)."""

    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix='tdm-chromium-')
        cmd_read, self._cmd_write = os.pipe()
        self._reply_read, reply_write = os.pipe()

        def wire_pipes():
            os.dup2(cmd_read, 3)
            os.dup2(reply_write, 4)

        self.proc = subprocess.Popen(
            [binary] + FLAGS + ['--user-data-dir=' + self.profile, 'about:blank'],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_pipes, pass_fds=(3, 4))
        os.close(cmd_read)
        os.close(reply_write)
        self._buffer = b''
        self._next_id = 0
        self.events = []
        self.session = None

    def close(self):
        try:
            if self.proc.poll() is None:
                try:
                    self.send('Browser.close', timeout=5)
                except BrowserError:
                    pass
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        finally:
            for fd in (self._cmd_write, self._reply_read):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline):
        while b'\0' not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError('timed out waiting for Chromium')
            ready = select.select([self._reply_read], [], [], remaining)[0]
            if ready:
                chunk = os.read(self._reply_read, 1 << 20)
                if not chunk:
                    raise BrowserError('Chromium closed the DevTools pipe (exit status %s)' % self.proc.poll())
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b'\0', 1)
        return json.loads(message.decode('utf-8'))

    def send(self, method, params=None, session=True, timeout=PAGE_TIMEOUT):
        self._next_id += 1
        message = {'id': self._next_id, 'method': method, 'params': params or {}}
        if session and self.session:
            message['sessionId'] = self.session
        os.write(self._cmd_write, json.dumps(message).encode('utf-8') + b'\0')
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get('id') == self._next_id:
                if 'error' in reply:
                    raise BrowserError('%s failed: %s' % (method, reply['error'].get('message')))
                return reply.get('result', {})
            if 'method' in reply:
                self.events.append(reply)

    def wait_for(self, method, timeout=PAGE_TIMEOUT):
        deadline = time.monotonic() + timeout
        for index, event in enumerate(self.events):
            if event.get('method') == method:
                del self.events[index]
                return event
        while True:
            reply = self._read_message(deadline)
            if reply.get('method') == method:
                return reply
            if 'method' in reply:
                self.events.append(reply)

    def open_tab(self):
        target = self.send('Target.createTarget', {'url': 'about:blank'}, session=False)
        attached = self.send('Target.attachToTarget', {'targetId': target['targetId'], 'flatten': True}, session=False)
        self.session = attached['sessionId']
        for domain in ('Page', 'Runtime', 'Log', 'Network'):
            self.send(domain + '.enable')


def problems_of(events, site_url):
    """Errors from the protocol events a page load produced."""
    problems = []
    for event in events:
        method, params = event.get('method'), event.get('params', {})
        if method == 'Runtime.exceptionThrown':
            details = params.get('exceptionDetails', {})
            text = details.get('exception', {}).get('description') or details.get('text')
            problems.append('JavaScript exception: %s' % text)
        elif method == 'Runtime.consoleAPICalled' and params.get('type') in ('error', 'assert'):
            args = ' '.join(str(arg.get('value', arg.get('description', ''))) for arg in params.get('args', []))
            problems.append('console %s: %s' % (params.get('type'), args))
        elif method == 'Log.entryAdded' and params.get('entry', {}).get('level') == 'error':
            entry = params['entry']
            problems.append('browser log error: %s %s' % (entry.get('text'), entry.get('url', '')))
        elif method == 'Network.loadingFailed' and not params.get('canceled'):
            problems.append('failed to load a resource: %s (request %s)' % (params.get('errorText'), params.get('requestId')))
        elif method == 'Network.responseReceived' and params.get('response', {}).get('status', 200) >= 400:
            response = params['response']
            problems.append('HTTP %s for %s' % (response.get('status'), response.get('url')))
        elif method == 'Network.requestWillBeSent':
            url = params.get('request', {}).get('url', '')
            if not (url.startswith(site_url) or url.startswith('data:') or url == 'about:blank'):
                problems.append('request outside the site (must work offline): %s' % url)
    return problems


SEARCH_QUERY = 'environment'
# The number of results once Sphinx says the search finished (its summary line), else -1.
SEARCH_PROBE = ("(document.querySelector('#search-results .search-summary') || {}).textContent"
                " && /found/i.test(document.querySelector('#search-results .search-summary').textContent)"
                " ? document.querySelectorAll('#search-results li').length : -1")


def wait_for_search_results(browser, timeout=15.0):
    """The search page fills its results from searchindex.js with JavaScript, then fetches each result
    page for its summary: wait until the search has finished and the summaries have had time to load."""
    deadline = time.monotonic() + timeout
    while True:
        count = browser.send('Runtime.evaluate', {'expression': SEARCH_PROBE, 'returnByValue': True})['result']['value']
        if count >= 0 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    time.sleep(1.0)
    return max(count, 0)


def check_page(browser, url, site_url):
    is_search = url.endswith('/search.html')
    browser.events = []
    browser.send('Page.navigate', {'url': url + ('?q=' + SEARCH_QUERY if is_search else '')})
    browser.wait_for('Page.loadEventFired')
    if is_search:
        results = wait_for_search_results(browser)
        problems = [] if results else ['searching for %r found nothing (search index not loaded?)' % SEARCH_QUERY]
        browser.send('Runtime.evaluate', {'expression': '0'})
        return {'search_results': results}, problems_of(browser.events, site_url) + problems
    # Give late scripts (search index, theme) a moment, then collect everything that happened.
    time.sleep(0.2)
    probe = browser.send('Runtime.evaluate', {'expression': PROBE, 'returnByValue': True})
    if 'exceptionDetails' in probe:
        raise BrowserError('probe failed on %s: %s' % (url, probe['exceptionDetails'].get('text')))
    facts = json.loads(probe['result']['value'])
    browser.send('Runtime.evaluate', {'expression': '0'})  # flush pending events into browser.events
    problems = problems_of(browser.events, site_url)
    if not facts['title'].strip():
        problems.append('no <title>')
    if not facts['h1']:
        problems.append('no <h1>')
    if facts['text'] < 40:
        problems.append('almost no text in the main area (%d characters)' % facts['text'])
    if facts['navPosition'] != 'fixed' or facts['navWidth'] < 100:
        problems.append('the theme stylesheet is not applied (side navigation position %r, width %r)'
                        % (facts['navPosition'], facts['navWidth']))
    for image in facts['brokenImages']:
        problems.append('image did not load: %s' % image)
    return facts, problems


def screenshot(browser, path):
    shot = browser.send('Page.captureScreenshot', {'format': 'png'})
    with open(path, 'wb') as handle:
        handle.write(base64.b64decode(shot['data']))


def pages_of(site):
    result = []
    for dirpath, _dirnames, filenames in os.walk(site):
        for name in sorted(filenames):
            if name.endswith('.html'):
                result.append(os.path.join(dirpath, name))
    return sorted(result)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('site', help='directory of the built HTML site')
    parser.add_argument('--screenshots', help='save PNG screenshots of a few pages into this directory')
    parser.add_argument('--install', action='store_true', help='apt-get install chromium if it is missing')
    args = parser.parse_args(argv)

    site = os.path.abspath(args.site)
    pages = pages_of(site)
    if not pages:
        print('browser: no HTML page under %s' % site)
        return 1
    started = time.monotonic()
    binary = find_chromium(args.install)
    server = ThreadingHTTPServer(('127.0.0.1', 0), partial(QuietHandler, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site_url = 'http://127.0.0.1:%d/' % server.server_address[1]
    browser = Chromium(binary)
    failures = 0
    try:
        browser.open_tab()
        if args.screenshots:
            os.makedirs(args.screenshots, exist_ok=True)
        for path in pages:
            rel = os.path.relpath(path, site)
            problems = check_page(browser, site_url + rel.replace(os.sep, '/'), site_url)[1]
            if problems:
                failures += 1
                for problem in problems:
                    print('browser: %s: %s' % (rel, problem))
            if args.screenshots and (rel == 'index.html' or rel.endswith(SCREENSHOT_PAGES)):
                screenshot(browser, os.path.join(args.screenshots, rel.replace('/', '__').replace('.html', '.png')))
    finally:
        browser.close()
        server.shutdown()
        server.server_close()
    print('browser: %d pages opened in headless Chromium in %.1fs, %d with problems'
          % (len(pages), time.monotonic() - started, failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
