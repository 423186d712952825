"""npm ``slug`` 6 in its default ("pretty") mode: how the server names a preview branch's environment.

Two branch names that slug alike (``feature/login`` and ``featurelogin``) are one branch on the server.
The maps come from the package (data/make_slug_charmap.py regenerates them)."""

import json
import os
import re

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "slug_charmap.json"), encoding="utf-8") as _handle:
    _DATA = json.load(_handle)
CHARMAP = _DATA["charmap"]
MULTICHARMAP = _DATA["multicharmap"]
_LENGTHS = sorted({len(key) for key in MULTICHARMAP}, reverse=True)
_DISALLOWED = re.compile(r"[^A-Za-z0-9\s]")
# JavaScript's String.prototype.trim and \s: Unicode white space plus the BOM
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_SPACES = re.compile("[%s]+" % re.escape(_JS_SPACE))


def slug(text, replacement="-"):
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        for length in _LENGTHS:
            if text[index:index + length] in MULTICHARMAP:
                char = MULTICHARMAP[text[index:index + length]]
                index += length - 1
                break
        else:
            if char in CHARMAP:
                char = CHARMAP[char].replace(replacement, " ", 1)
            elif replacement in char:
                char = char.replace(replacement, " ", 1)
            else:
                char = _DISALLOWED.sub("", char, count=1)
        out.append(char)
        index += 1
    result = "".join(out).strip(_JS_SPACE)
    return _SPACES.sub(replacement, result).lower()
