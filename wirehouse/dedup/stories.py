"""Story features and the story scoring rule: is this article about an event already covered?

Pure functions. Reports of one event in different words share names, places, numbers and
quoted words rather than sentences, so an article is reduced to a small set of prefixed terms:

- `e:` named entities, by capitalisation (a capitalised word that is not sentence-initial, is
  capitalised elsewhere too, or opens a multi-word name or a possessive; titles, months and
  weekdays are not),
- `n:` numbers (`2,400` and `2400` are one term; single digits say nothing),
- `q:` pairs of adjacent content words inside quotation marks (outlets quote the same
  statement, in part, and translate it slightly differently),
- `k:` the article's most frequent content words (light stemming).

Each term weighs `KIND_WEIGHTS[kind] * idf`, with the IDF taken over the articles published
around the batch (what everybody writes about that week weighs little). An article joins the
story that best covers its weighted terms (`score`), if that reaches the threshold.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from wirehouse.config.settings import DedupSettings
from wirehouse.dedup.ids import story_id_for
from wirehouse.folding import normalized
from wirehouse.records import Decision, Outcome

# names and numbers identify an event; quotes are split into many trigrams, keywords are topical
KIND_WEIGHTS: dict[str, float] = {"e": 1.0, "n": 1.0, "q": 0.35, "k": 0.5}
MAX_TERMS = {"e": 30, "n": 12, "q": 24, "k": 12}
# a term in more than 5% of a window's articles names a topic, not an event; it is dropped, which
# also keeps the story join from fanning out over the week's most frequent words
COMMON_SHARE = 0.05
COMMON_MIN_DF = 50

_SENTENCE = re.compile(r"(?<=[.!?])[\"'”’)]*\s+|\n+")
_TOKEN = re.compile(r"[^\W\d_][\w'’.-]*[^\W_]|[^\W\d_]|\d[\d,.]*\d|\d")
_QUOTE = re.compile(r"[\"“”«»„]([^\"“”«»„]{12,400})[\"“”«»„]")
_NUMBER = re.compile(r"^\d[\d,.]*$")
_WORD = re.compile(r"[^\W_]+")


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# capitalised words that are not names of anything in particular
_NOT_NAMES = _wordset(
    """a an the this that these those there their they he she it its we our you your i his her
    in on at of for from by with to into over after before about as and or but if when while
    not no yes so than then also only all any some more most many much other such both each
    mr mrs ms dr sir madam president prime minister ministers minister's premier chancellor
    governor mayor chief chair chairman chairwoman director leader head spokesman spokeswoman
    spokesperson secretary senator deputy general officer officials official king queen prince
    ayatollah sheikh judge captain coach manager chief executive ceo cfo
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    update updated breaking live read more photo video reporting editing copyright source
    according however meanwhile although because despite since until under among between
    where what which who whom whose why how after during near"""
)

_STOPWORDS = _NOT_NAMES | _wordset(
    """is are was were be been being has have had do does did will would shall should can could
    may might must said says say told tell asked added just very well even still again already
    out up down off over under one two three four five six seven eight nine ten first second
    last next new old year years month months week weeks day days time times people percent
    per cent around about against across along whether those here them him herself himself
    itself themselves where were being make made like also within without would could should
    which while since where after before because there their them they then than"""
)


def _fold(text: str) -> str:
    return normalized("NFKC", text).replace("’", "'")


def _stem(word: str) -> str:
    """Crude plural/possessive folding: enough for 'talks'/'talk', 'Iran's'/'Iran'."""
    word = word.removesuffix("'s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _entity_key(token: str) -> str | None:
    word = _stem(token.strip(".-'").replace(".", "").casefold())
    if len(word) < 2 or word in _NOT_NAMES:
        return None
    return word


def _number_key(token: str) -> str | None:
    digits = token.replace(",", "").rstrip(".")
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    if len(digits) < 2:
        return None
    return digits


def _content(word: str) -> bool:
    return len(word) >= 3 and word.isalpha() and word not in _STOPWORDS


# the same few thousand words recur in every article: fold each once per process
@functools.lru_cache(maxsize=200_000)
def _keyword(token: str) -> str | None:
    word = _stem(token.casefold())
    return word if len(word) >= 4 and _content(word) else None


@functools.lru_cache(maxsize=200_000)
def _quote_word(word: str) -> str | None:
    word = _stem(word)
    return word if _content(word) else None


def _top(counts: Counter[str], n: int) -> list[str]:
    """The n most frequent terms, ties broken alphabetically so features are deterministic."""
    return [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


# the kinds `_inner_term` tells apart, as indexes into `features`' counters
_NUMBER_TERM, _ENTITY_TERM, _KEYWORD_TERM = 0, 1, 2


@functools.lru_cache(maxsize=200_000)
def _inner_term(token: str) -> tuple[int, str] | None:
    """What a token inside a sentence counts as: a number, an entity or a keyword, or None."""
    if token[0].isdigit():
        key = _number_key(token)
        return (_NUMBER_TERM, key) if key and _NUMBER.match(token) else None
    if token[0].isupper():
        ent = _entity_key(token)
        return (_ENTITY_TERM, ent) if ent else None
    word = _keyword(token)
    return (_KEYWORD_TERM, word) if word else None


def _opens_with_a_name(toks: list[str], inner_caps: set[str]) -> bool:
    """Whether a sentence's capitalised first word is a name, not just a sentence's capital."""
    first = toks[0]
    return (
        first in inner_caps
        or first.isupper()
        # "Kestrel Rail will...", "Estmark's bank...": a multi-word name or a possessive
        or (len(toks) > 1 and toks[1][0].isupper() and _entity_key(toks[1]) is not None)
        or first.endswith("'s")
    )


def features(text: str, title: str | None = None) -> frozenset[str]:
    """The story terms of an article (its title counts as one more sentence)."""
    body = _fold(f"{title}.\n{text}" if title else text)
    tokenised = [toks for s in _SENTENCE.split(body) if s.strip() and (toks := _TOKEN.findall(s))]
    # a token inside a sentence is read the same way wherever it stands: each distinct one once
    inner = Counter(itertools.chain.from_iterable(toks[1:] for toks in tokenised))
    inner_caps = {tok for tok in inner if tok[0].isupper()}
    counts: tuple[Counter[str], Counter[str], Counter[str]] = (Counter(), Counter(), Counter())
    numbers, entities, words = counts
    for tok, n in inner.items():
        term = _inner_term(tok)
        if term:
            counts[term[0]][term[1]] += n
    for toks in tokenised:
        tok = toks[0]
        if tok[0].isupper() and not _opens_with_a_name(toks, inner_caps):
            word = _keyword(tok)  # a sentence's capital: a keyword like any other
            term = (_KEYWORD_TERM, word) if word else None
        else:
            term = _inner_term(tok)
        if term:
            counts[term[0]][term[1]] += 1
    quotes: Counter[str] = Counter()
    for match in _QUOTE.finditer(body):
        # content-word pairs: "negotiations under pressure are impossible" and "talks under
        # such pressure are impossible" still share ("pressure", "impossible")
        qwords = [w for w in map(_quote_word, _WORD.findall(match[1].casefold())) if w]
        for i in range(len(qwords) - 1):
            quotes[f"{qwords[i]} {qwords[i + 1]}"] += 1
    for ent in entities:
        words.pop(ent, None)
    terms = (
        [f"e:{t}" for t in _top(entities, MAX_TERMS["e"])]
        + [f"n:{t}" for t in _top(numbers, MAX_TERMS["n"])]
        + [f"q:{t}" for t in _top(quotes, MAX_TERMS["q"])]
        + [f"k:{t}" for t in _top(words, MAX_TERMS["k"])]
    )
    return frozenset(terms)


def idf(df: int, n: int) -> float:
    """Smoothed inverse document frequency: a term in every article still weighs 1, not 0."""
    return math.log((n + 1) / (df + 1)) + 1.0


def weight(term: str, df: int, n: int) -> float:
    """A term's weight among `n` articles of which `df` have it; 0 for a common term (in more
    than COMMON_SHARE of them and more than COMMON_MIN_DF), which then neither counts towards
    a match nor dilutes one, like a stopword of the week."""
    if df > max(COMMON_MIN_DF, COMMON_SHARE * n):
        return 0.0
    return KIND_WEIGHTS.get(term[:1], 0.5) * idf(df, n)


@dataclass(frozen=True, slots=True)
class StoredMatch:
    """What the warehouse says about one story for one article: the summed weights of the
    article's terms over the story's members in the window (`overlap`), and how many members
    the story has in the window."""

    story_id: str
    overlap: float
    members: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """One article of the batch to place in a story."""

    article_id: str
    published: datetime
    terms: frozenset[str]


@dataclass(frozen=True, slots=True)
class Placement:
    story_id: str
    score: float | None  # None when the article starts a new story


def score(overlap: float, members: int, mass: float) -> float:
    """Share of the article's term weight found in the story, each term counted by the share
    of the story's members that have it: 1.0 when every member has every term."""
    if members <= 0 or mass <= 0:
        return 0.0
    return overlap / (members * mass)


def assign(
    candidates: Iterable[Candidate],
    *,
    stored: Mapping[str, list[StoredMatch]],
    stored_members: Mapping[str, int],
    weights: Mapping[str, float],
    threshold: float,
    window: timedelta,
    new_story_id: Mapping[str, str],
) -> dict[str, Placement]:
    """Place each article in the best-scoring story (stored, or started earlier in this batch)
    if the score reaches `threshold`, else in a new story; in publication order.

    Articles placed earlier in the batch count as members of their story (an inverted index of
    their terms keeps this linear in the batch size).
    """
    postings: dict[str, list[tuple[str, datetime]]] = {}
    times: dict[str, list[datetime]] = {}
    placed: dict[str, Placement] = {}
    for cand in sorted(candidates, key=lambda c: (c.published, c.article_id)):
        mass = sum(weights.get(t, 0.0) for t in cand.terms)
        overlaps: dict[str, float] = {}
        members: dict[str, int] = {}
        for match in stored.get(cand.article_id, ()):
            overlaps[match.story_id] = match.overlap
            members[match.story_id] = match.members
        shared: dict[str, float] = {}
        for t in cand.terms:
            w = weights.get(t, 0.0)
            if not w:
                continue
            for story_id, when in postings.get(t, ()):
                if abs(when - cand.published) <= window:
                    shared[story_id] = shared.get(story_id, 0.0) + w
        lo, hi = cand.published - window, cand.published + window
        for story_id, overlap in shared.items():
            story_times = times[story_id]
            near = bisect.bisect_right(story_times, hi) - bisect.bisect_left(story_times, lo)
            overlaps[story_id] = overlaps.get(story_id, 0.0) + overlap
            members[story_id] = members.get(story_id, stored_members.get(story_id, 0)) + near
        best: tuple[float, str] | None = None
        for story_id, overlap in overlaps.items():
            s = score(overlap, members[story_id], mass)
            if s >= threshold and (best is None or (s, story_id) > best):
                best = (s, story_id)
        if best is None:
            placement = Placement(new_story_id[cand.article_id], None)
        else:
            placement = Placement(best[1], round(best[0], 4))
        placed[cand.article_id] = placement
        bisect.insort(times.setdefault(placement.story_id, []), cand.published)
        for t in cand.terms:
            if weights.get(t, 0.0):
                postings.setdefault(t, []).append((placement.story_id, cand.published))
    return placed


def wanting_story(decisions: Sequence[Decision]) -> dict[str, Decision]:
    """The articles of a batch a story is wanted for, by id: NEW ones and VERSION ones (which
    keep a story they have). An article without text gets its story when its text arrives."""
    wanted: dict[str, Decision] = {}
    for d in decisions:
        if d.outcome in (Outcome.NEW, Outcome.VERSION) and d.article.text is not None:
            wanted.setdefault(d.article_id, d)
    return wanted


def candidate(d: Decision, now: datetime) -> Candidate:
    """An article to place, at its publication time (else when it was fetched, else now)."""
    return Candidate(
        d.article_id,
        d.article.published_at or d.article.fetched_at or now,
        features(d.article.text or "", d.article.title),
    )


def window_weights(
    candidates: Sequence[Candidate], stored_df: Mapping[str, int], stored_n: int
) -> dict[str, float]:
    """Term weights with IDF over the articles around the batch: the stored ones (`stored_df`
    articles of `stored_n` have each term) and the batch's own."""
    df = dict(stored_df)
    for c in candidates:
        for t in c.terms:
            df[t] = df.get(t, 0) + 1
    n = stored_n + len(candidates)
    return {t: weight(t, df[t], n) for t in sorted({t for c in candidates for t in c.terms})}


def place(
    candidates: Sequence[Candidate],
    *,
    inherited: Mapping[str, str],
    stored: Mapping[str, list[StoredMatch]],
    stored_members: Mapping[str, int],
    weights: Mapping[str, float],
    settings: DedupSettings,
) -> dict[str, Placement]:
    """Each candidate's story: the one it inherits from a demoted copy, else the best-scoring
    one of its window (`assign`), else a new one named after it."""
    placed = {
        c.article_id: Placement(inherited[c.article_id], None)
        for c in candidates
        if c.article_id in inherited
    }
    placed |= assign(
        [c for c in candidates if c.article_id not in inherited],
        stored=stored,
        stored_members=stored_members,
        weights=weights,
        threshold=settings.story_threshold,
        window=timedelta(days=settings.story_window_days),
        new_story_id={c.article_id: story_id_for(c.article_id) for c in candidates},
    )
    return placed
