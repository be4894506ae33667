"""When a re-fetched page's text is a new version of its article, and when it is the same text.

A page re-fetched an hour later often differs only in things that are not the article: spacing,
punctuation, letter case, or a short dated line ("Updated 10:42 GMT", "5 min read", "12 June
2026"). Those must not add a version on every poll. Any changed word of the body (a corrected
name, a changed figure in a sentence, a paragraph added) is a new version.
"""

from __future__ import annotations

import unicodedata

# a dateline is short: "Updated 10:42 GMT", "5 min read", "Zuletzt aktualisiert: 01.12.2026 08:00"
_DATE_LINE_WORDS = 12

# the words a dateline, reading-time or "updated" line is made of besides its numbers, in the
# languages of the feeds we read; a line with any other word is text (a figure in it counts)
_MONTHS = (
    "january february march april may june july august september october november december"
    " jan feb mar apr jun jul aug sep sept oct nov dec"
    " januar februar märz mai juni juli oktober dezember jänner"
    " janvier février mars avril juin juillet août septembre octobre novembre décembre"
    " enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
    " gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre"
    " januari februari maart mei augustus"
    " janeiro fevereiro março maio junho julho setembro outubro novembro dezembro"
)
_WEEKDAYS = (
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs"
    " fri sat sun montag dienstag mittwoch donnerstag freitag samstag sonntag"
    " lundi mardi mercredi jeudi vendredi samedi dimanche"
    " lunes martes miércoles jueves viernes sábado domingo"
)
_LABELS = (
    "updated update published posted modified last first edited on at by ago today yesterday"
    " min mins minute minutes hour hours hr hrs sec secs second seconds read reading time"
    " am pm gmt utc bst cet cest eet eest est edt cst cdt mst mdt pst pdt et pt ist aest aedt"
    " aktualisiert zuletzt veröffentlicht erstellt stand um uhr lesezeit minuten stunden vor"
    " publié mis mise à jour le il y a lecture heure heures"
    " actualizado actualización publicado el la las a de hace lectura minutos horas"
    " aggiornato pubblicato alle ore fa lettura minuti"
    " bijgewerkt gepubliceerd geleden leestijd minuten uur om"
    " atualizado publicado às há leitura"
)
_DATE_WORDS = frozenset(f"{_MONTHS} {_WEEKDAYS} {_LABELS}".split())
_ORDINALS = ("st", "nd", "rd", "th")


def _words(line: str) -> list[str]:
    out = []
    for raw in line.split():
        # letters and digits only: quotes, dashes and punctuation are typography, not content
        word = "".join(c for c in raw if c.isalnum())
        if word:
            out.append(word)
    return out


def _is_number(word: str) -> bool:
    """A number, an ordinal (12th) or a French-style time (10h42)."""
    if word.isdigit():
        return True
    if word.endswith(_ORDINALS) and word[:-2].isdigit():
        return True
    hours, _, minutes = word.partition("h")
    return hours.isdigit() and (minutes == "" or minutes.isdigit())


def _is_date_shape(raw: str) -> bool:
    """A time (10:42) or a full numeric date (01.12.2026, 2026-06-12), not a score (3-2)."""
    if ":" in raw:
        parts = raw.strip(",;()[]").split(":")
        return 2 <= len(parts) <= 3 and all(p.isdigit() and len(p) <= 2 for p in parts[1:])
    for sep in "./-":
        parts = raw.strip(",;()[]").rstrip(".").split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            return True
    return False


def is_dateline(line: str) -> bool:
    """Whether a line is only a date, time, reading time or "updated" label, which a page
    changes on every fetch; a short line with any other word ("Storm kills 12 people") is text."""
    line = line.casefold()
    words = _words(line)
    if not words or len(words) >= _DATE_LINE_WORDS or not any(c.isdigit() for c in line):
        return False
    if not all(w in _DATE_WORDS or _is_number(w) for w in words):
        return False
    # numbers alone ("3-2", "40") are a figure unless a date word or a date/time shape says not
    return any(w in _DATE_WORDS for w in words) or any(_is_date_shape(r) for r in line.split())


def normalised_words(text: str) -> tuple[str, ...]:
    """The words of a text that make it this article: NFKC, case-folded, without punctuation,
    and without dateline, reading-time and "updated" lines."""
    words: list[str] = []
    for line in unicodedata.normalize("NFKC", text).casefold().splitlines():
        if not is_dateline(line):
            words.extend(_words(line))
    return tuple(words)


def changed_meaningfully(old: str | None, new: str) -> bool:
    """Whether `new` is a new version of an article whose current text is `old` (None: it had
    no text yet, so any text is)."""
    if old is None:
        return True
    return normalised_words(old) != normalised_words(new)
