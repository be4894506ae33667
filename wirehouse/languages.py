"""Languages in one spelling: pages, feed lists and watches name them in tags of every vintage
("en-GB", "en_US.UTF-8", ISO 639-2's "eng" and "ger", the retired "iw"), and a query for
`language = 'en'` must find them all.

Only a tag's first subtag is read (a bounded match, whatever follows), and it is mapped by
CLDR's alias table as langcodes ships it, where the alias names a two-letter code: "eng" is
"en" and "iw" is "he", but "tl" stays "tl" (its alias "fil" is another code, not a spelling)
and "sh" stays "sh" (CLDR's "sr-Latn" would label Croatian text Serbian).
"""

from __future__ import annotations

import re

from langcodes.data_dicts import LANGUAGE_REPLACEMENTS

# two or three letters not followed by another letter or digit: whatever comes next (a subtag's
# "-" or "_", a locale's ".UTF-8", a list's "," or ";q=", a space, "@latin") ends the subtag
_PRIMARY = re.compile(r"([A-Za-z]{2,3})(?![^\W_])")
# tags that name no one language: undetermined, several, no linguistic content
_NO_LANGUAGE = frozenset({"und", "mul", "zxx", "mis"})


def primary_language(tag: str) -> str | None:
    """The language a tag names, as one lower-case code ("eng", "en-GB" and "en_US" give "en",
    "ger" gives "de", "iw" gives "he"); None for text that starts with no language subtag, a
    private-use code (qaa-qtz) or a tag that names no one language."""
    match = _PRIMARY.match(tag.strip())
    if match is None:
        return None
    code = match.group(1).lower()
    if code in _NO_LANGUAGE or (len(code) == 3 and "qaa" <= code <= "qtz"):
        return None
    alias = LANGUAGE_REPLACEMENTS.get(code, "")
    return alias if len(alias) == 2 and alias.isalpha() else code
