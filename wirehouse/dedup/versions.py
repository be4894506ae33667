"""When a re-fetched page's text is a new version of its article, and when it is the same text.

A page re-fetched an hour later often differs only in things that are not the article: spacing,
punctuation, letter case, or a short dated line ("Updated 10:42 GMT", "5 min read", "12 June
2026"). Those must not add a version on every poll. Any changed word of the body (a corrected
name, a changed figure in a sentence, a paragraph added) is a new version.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from wirehouse.dedup.exact import STAND_INS
from wirehouse.folding import normalized
from wirehouse.records import Access, Decision, Outcome

# a dateline is short: "Updated 10:42 GMT", "5 min read", "Zuletzt aktualisiert: 01.12.2026 08:00"
_DATE_LINE_WORDS = 12

# the words a dateline, reading-time or "updated" line is made of besides its numbers, in the
# languages of the feeds we read (full and abbreviated); a line with any other word is text
_MONTHS = (
    "january february march april may june july august september october november december"
    " jan feb mar apr jun jul aug sep sept oct nov dec"
    " januar februar märz mai juni juli oktober dezember jänner mär mrz okt dez"
    " janvier février mars avril juin juillet août septembre octobre novembre décembre"
    " janv févr fevr avr juil déc"
    " enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
    " ene abr ago dic"
    " gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre"
    " gen mag giu lug ott"
    " januari februari maart mei augustus mrt"
    " janeiro fevereiro março maio junho julho setembro outubro novembro dezembro fev"
)
_WEEKDAYS = (
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs"
    " fri sat sun montag dienstag mittwoch donnerstag freitag samstag sonntag"
    " lundi mardi mercredi jeudi vendredi samedi dimanche lun mer jeu ven sam dim"
    " lunes martes miércoles jueves viernes sábado domingo"
    " lunedì martedì mercoledì giovedì venerdì sabato domenica"
    " maandag dinsdag woensdag donderdag vrijdag zaterdag zondag"
    " segunda terça quarta quinta sexta feira sábado domingo"
)
_LABELS = (
    "updated update published posted modified last first edited originally on at by of ago"
    " today yesterday min mins minute minutes hour hours hr hrs h sec secs second seconds"
    " read reading time"
    " am pm gmt utc bst cet cest eet eest est edt cst cdt mst mdt pst pdt et pt ist aest aedt"
    " aktualisiert zuletzt veröffentlicht erstellt stand um uhr lesezeit lesedauer minuten"
    " stunden vor mez mesz"
    " publié mis mise à jour dernière le il y a lecture heure heures"
    " actualizado actualización publicado el la las a de hace lectura tiempo minutos horas"
    " aggiornato pubblicato il alle ore fa tempo di lettura minuti"
    " bijgewerkt gepubliceerd geleden leestijd minuten uur op om"
    " atualizado publicado em às há leitura"
)
_DATE_WORDS = frozenset(f"{_MONTHS} {_WEEKDAYS} {_LABELS}".split())
_ORDINALS = frozenset(("st", "nd", "rd", "th", "er", "e"))  # 12th, 1er, 2e
# the letter runs and digit runs of a token: "10:42am", "10h42", "gmt+1", "quarta-feira"
_RUNS = re.compile(r"[^\W\d_]+|\d+")


def _words(line: str) -> list[str]:
    out = []
    for raw in line.split():
        # letters and digits only: quotes, dashes and punctuation are typography, not content
        word = "".join(c for c in raw if c.isalnum())
        if word:
            out.append(word)
    return out


def _is_date_shape(raw: str) -> bool:
    """A time (10:42) or a full numeric date (01.12.2026, 2026-06-12, an ISO 8601 timestamp),
    not a score (3-2)."""
    raw = raw.strip(",;()[]|")
    if "-" in raw and "t" in raw:
        with contextlib.suppress(ValueError):
            datetime.fromisoformat(raw.upper())
            return True
    if ":" in raw:
        parts = raw.split(":")
        return 2 <= len(parts) <= 3 and all(p.isdigit() and len(p) <= 2 for p in parts[1:])
    for sep in "./-":
        parts = raw.rstrip(".").split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            return True
    return False


def _date_words_only(raw: str) -> bool | None:
    """For a token made only of numbers and date words: whether it has a date word (True) or
    only numbers (False). None for a token with any other word."""
    named = False
    after_digits = False
    for run in _RUNS.findall(raw):
        if run.isdigit():
            after_digits = True
            continue
        if run in _DATE_WORDS:
            named = True
        elif not (after_digits and run in _ORDINALS):
            return None
        after_digits = False
    return named


def is_dateline(line: str) -> bool:
    """Whether a line is only a date, time, reading time or "updated" label, which a page
    changes on every fetch; a short line with any other word ("Storm kills 12 people") is text."""
    line = line.casefold()
    if not any(c.isdigit() for c in line) or not 0 < len(_words(line)) < _DATE_LINE_WORDS:
        return False
    dated = False
    for raw in line.split():
        if _is_date_shape(raw):
            dated = True
            continue
        named = _date_words_only(raw)
        if named is None:
            return False
        dated = dated or named
    # numbers alone ("3-2", "40") are a figure unless a date word or a date/time shape says not
    return dated


def normalised_words(text: str) -> tuple[str, ...]:
    """The words of a text that make it this article: NFKC, case-folded, without punctuation,
    and without dateline, reading-time and "updated" lines."""
    words: list[str] = []
    for line in normalized("NFKC", text).casefold().splitlines():
        if not is_dateline(line):
            words.extend(_words(line))
    return tuple(words)


def changed_meaningfully(old: str | None, new: str) -> bool:
    """Whether `new` is a new version of an article whose current text is `old` (None: it had
    no text yet, so any text is)."""
    if old is None:
        return True
    return normalised_words(old) != normalised_words(new)


@dataclass(frozen=True, slots=True)
class StoredText:
    """What a stored article holds now, for screening a re-fetch of its page: its text, access
    and body source, and the new versions it got in the last 24 hours."""

    text: str | None
    access: str | None
    body_source: str | None
    recent_versions: int


def screen_versions(
    decisions: Sequence[Decision],
    stored: Mapping[str, StoredText],
    *,
    per_day: int,
) -> list[Decision]:
    """The decisions with each VERSION that is not one turned UNCHANGED: its text differs from
    its article's stored text (`stored[article_id]`) only in spacing, punctuation, case or date
    lines, or its article already got `per_day` new versions: a page that changes on every poll
    must not add a version per poll for ever. A capped change is marked `capped`, so the page is
    fetched again later rather than taken as seen. A wall's teaser met on a re-fetch takes no
    longer text away where the stored text is not the page's own teaser (the feed's text, or the
    page's whole text): it is UNCHANGED, and the stored access stays; a teaser re-fetched over
    the page's earlier teaser is screened like any text, so an edit is a version."""
    out = []
    for d in decisions:
        if d.outcome is Outcome.VERSION and d.article_id in stored:
            held = stored[d.article_id]
            text, new = held.text, d.article.text
            if new is not None and _keeps_longer_text(held, d.article.access, new):
                kept = replace(d.article, access=held.access or d.article.access)
                d = replace(d, article=kept, outcome=Outcome.UNCHANGED, version=d.version - 1)
                out.append(d)
                continue
            keep = new is not None and changed_meaningfully(text, new)
            capped = keep and text is not None and held.recent_versions >= per_day
            if capped or not keep:
                d = replace(d, outcome=Outcome.UNCHANGED, version=d.version - 1, capped=capped)
        out.append(d)
    return out


def _keeps_longer_text(held: StoredText, access: str, new: str) -> bool:
    """Whether a re-fetched stand-in (`access` a wall's) must leave the stored text in place:
    the stored text is at least as long and is not the page's own teaser."""
    if access not in STAND_INS or len(held.text or "") < len(new):
        return False
    return held.body_source == "feed" or held.access in (Access.OK, Access.TRUNCATED)
