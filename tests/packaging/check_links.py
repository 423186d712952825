# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the internal links of a built HTML site (the docs site of make docs), offline.

    python3 tests/packaging/check_links.py docs/build/html

Every ``href``/``src`` of every page that points inside the site must name an existing file, and
its ``#fragment`` an element id (or ``<a name>``) of that page. External links are counted, not
fetched. A stylesheet, script or image loaded from outside the site is an error: the site must
work offline. Exit status 1 on any broken link.
"""

import argparse
import os
import sys
from html.parser import HTMLParser
from urllib.parse import unquote, urldefrag, urlsplit

# Pages Sphinx writes that are filled in by JavaScript or are not meant to be linked to.
SKIP_FRAGMENT_CHECK = {'search.html', 'genindex.html'}


class Page(HTMLParser):
    """The links and the anchors of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []      # (tag, attribute, value, line)
        self.anchors = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get('id'):
            self.anchors.add(attrs['id'])
        if tag == 'a' and attrs.get('name'):
            self.anchors.add(attrs['name'])
        for attribute in ('href', 'src'):
            value = attrs.get(attribute)
            if value is not None:
                rel = (attrs.get('rel') or '').lower()
                self.links.append((tag, attribute, value.strip(), self.getpos()[0], rel))

    handle_startendtag = handle_starttag


def parse(path):
    page = Page()
    with open(path, encoding='utf-8') as handle:
        page.feed(handle.read())
    page.close()
    return page


def is_resource(tag, attribute, rel):
    """Loaded by the browser when the page opens (as opposed to a link a reader may follow)."""
    if tag in ('script', 'img', 'iframe', 'source', 'video', 'audio', 'embed'):
        return attribute == 'src'
    if tag == 'link':
        return any(word in rel.split() for word in ('stylesheet', 'icon', 'preload', 'modulepreload'))
    return False


def check(site):
    site = os.path.abspath(site)
    pages = {}
    for dirpath, _dirnames, filenames in os.walk(site):
        for name in filenames:
            if name.endswith('.html'):
                path = os.path.join(dirpath, name)
                pages[path] = parse(path)
    if not pages:
        return ['no HTML page under %s' % site], {}

    errors = []
    stats = {'pages': len(pages), 'internal': 0, 'external': 0, 'fragments': 0}
    for path, page in sorted(pages.items()):
        rel_page = os.path.relpath(path, site)
        for tag, attribute, value, line, rel in page.links:
            where = '%s:%d <%s %s="%s">' % (rel_page, line, tag, attribute, value)
            parts = urlsplit(value)
            if parts.scheme in ('http', 'https') or value.startswith('//'):
                stats['external'] += 1
                if is_resource(tag, attribute, rel):
                    errors.append('%s: loads a resource from outside the site (the site must work offline)' % where)
                continue
            if parts.scheme in ('mailto', 'javascript', 'data', 'tel'):
                continue
            if parts.scheme:
                errors.append('%s: unexpected URL scheme %r' % (where, parts.scheme))
                continue
            target_ref, fragment = urldefrag(value)
            if target_ref:
                target = os.path.normpath(os.path.join(os.path.dirname(path), unquote(urlsplit(target_ref).path)))
                if os.path.isdir(target):
                    target = os.path.join(target, 'index.html')
            else:
                target = path
            stats['internal'] += 1
            if not target.startswith(site + os.sep) and target != site:
                errors.append('%s: points outside the site (%s)' % (where, target))
                continue
            if not os.path.isfile(target):
                errors.append('%s: no such file %s' % (where, os.path.relpath(target, site)))
                continue
            if fragment and target.endswith('.html') and os.path.basename(target) not in SKIP_FRAGMENT_CHECK:
                stats['fragments'] += 1
                anchors = pages[target].anchors if target in pages else parse(target).anchors
                if unquote(fragment) not in anchors:
                    errors.append('%s: no element with id %r in %s' % (where, unquote(fragment), os.path.relpath(target, site)))
    return errors, stats


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('site', help='directory of the built HTML site')
    args = parser.parse_args(argv)
    errors, stats = check(args.site)
    for error in errors:
        print('broken link: %s' % error)
    if stats:
        print('links: %(pages)d pages, %(internal)d internal links (%(fragments)d with a fragment) checked, '
              '%(external)d external links not fetched' % stats)
    if errors:
        print('links: %d broken' % len(errors))
        return 1
    print('links: no broken internal link')
    return 0


if __name__ == '__main__':
    sys.exit(main())
