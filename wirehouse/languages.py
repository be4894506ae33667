"""Languages in one spelling: pages, feed lists and watches name them in BCP 47 tags of every
vintage ("en-GB", "en_US", ISO 639-2's "eng" and "fre", the retired "iw"), and a query for
`language = 'en'` must find them all."""

from __future__ import annotations

import langcodes

# tags that name no one language: undetermined, several, no linguistic content
_NO_LANGUAGE = frozenset({"und", "mul", "zxx"})


def primary_language(tag: str) -> str | None:
    """The language of a BCP 47 tag, as its shortest standard code in lower case ("eng",
    "en-GB" and "en_US" give "en", "fre" gives "fr", "iw" gives "he"); None for text that is no
    language tag or a tag that names no one language."""
    try:
        language = langcodes.Language.get(tag.strip().replace("_", "-")).language
    except (langcodes.LanguageTagError, ValueError):
        return None
    if not language or not language.isalpha() or language in _NO_LANGUAGE:
        return None  # a private-use tag ("x-...") is no language code either
    return language.lower()
