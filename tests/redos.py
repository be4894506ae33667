"""A ReDoS checker for compiled patterns: regexploit's static analysis plus a timed probe.

regexploit reads the pattern's structure and names nested or adjacent overlapping repeats, but
it misses some shapes (a lazy `.*?` inside a starred group, two `\\S+` around a literal). The
probe covers those: it builds "pump" strings from the pattern itself (the minimal text of every
repeated part and of every short run of adjacent parts), repeats them, appends characters that
make the match fail, and times the pattern as the package uses it (`match` and `search`).
Exponential blow-up shows within a few dozen repetitions; polynomial blow-up as time that grows
much faster than the input between two sizes.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from types import ModuleType
from typing import Any

with warnings.catch_warnings():
    # regexploit (2021) imports the sre_* modules that Python 3.11 deprecated (same content)
    warnings.simplefilter("ignore", DeprecationWarning)
    from regexploit.ast.sre import SreOpParser
    from regexploit.redos import find

# what each category stands for in a pump string
_CATEGORY_CHAR = {
    sre_constants.CATEGORY_DIGIT: "0",
    sre_constants.CATEGORY_NOT_DIGIT: "a",
    sre_constants.CATEGORY_SPACE: " ",
    sre_constants.CATEGORY_NOT_SPACE: "a",
    sre_constants.CATEGORY_WORD: "a",
    sre_constants.CATEGORY_NOT_WORD: " ",
}
# characters that end a match attempt badly for most patterns
_KILLERS = ("", "\x00", "!", "\n", "a")
# exponential patterns pass these repetition counts quickly only when they are safe
_SMALL_COUNTS = (4, 8, 12, 16, 20, 24)
# polynomial check: time at the large size may grow at most this much faster than the input
_SIZES = (1_000, 4_000, 16_000)
_MAX_GROWTH = 8.0  # 4x the input: linear gives ~4, quadratic ~16
_NOISE_FLOOR = 0.005  # CPU seconds: below this a timing says nothing
# CPU seconds on 4,000 characters (a linear pattern takes < 1 ms): no need for the largest size
_SURELY_SLOW = 0.05
_EXPONENTIAL_LIMIT = 0.25  # seconds for a few hundred characters: far beyond any safe pattern


@dataclass(frozen=True)
class Finding:
    """One reason a pattern is unsafe, with an input that shows it."""

    pattern: str
    reason: str
    example: str


def package_patterns(package: ModuleType) -> Iterator[tuple[str, re.Pattern[Any]]]:
    """Every compiled pattern held at module level in `package`, in lists and dicts too."""
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            values = value.values() if isinstance(value, dict) else value
            if isinstance(value, re.Pattern):
                yield f"{info.name}.{name}", value
            elif isinstance(values, list | tuple | frozenset | set | type({}.values())):
                for item in values:
                    if isinstance(item, re.Pattern):
                        yield f"{info.name}.{name}", item


def findings(pattern: re.Pattern[Any]) -> list[Finding]:
    """Why `pattern` can take super-linear time, empty when it cannot be shown to."""
    text = _as_text(pattern.pattern)
    found = _static(text, pattern.flags)
    return found if found else _probe(pattern)


def _as_text(source: str | bytes) -> str:
    return source.decode("latin-1") if isinstance(source, bytes) else source


def _static(text: str, flags: int) -> list[Finding]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its own parser warns on some valid patterns
            parsed = SreOpParser().parse_sre(text, flags & ~re.UNICODE)
        return [
            Finding(text, f"regexploit: starriness {r.starriness}", r.example())
            for r in find(parsed)
        ]
    except Exception:  # regexploit cannot read every construct: the probe still runs
        return []


def _probe(pattern: re.Pattern[Any]) -> list[Finding]:
    text = _as_text(pattern.pattern)
    is_bytes = isinstance(pattern.pattern, bytes)
    for pump in sorted(pumps(text, pattern.flags)):
        for killer in _KILLERS:
            for how in (pattern.match, pattern.search):
                subject = _Subject(pump, killer, is_bytes)
                reason = _exponential(how, subject) or _polynomial(how, subject)
                if reason:
                    return [Finding(text, f"{how.__name__}: {reason}", repr(subject.at(24)))]
    return []


@dataclass(frozen=True)
class _Subject:
    pump: str
    killer: str
    is_bytes: bool

    def at(self, count: int) -> Any:
        value = self.pump * count + self.killer
        return value.encode("utf-8") if self.is_bytes else value


def _timed(how: Any, subject: Any) -> float:
    """CPU seconds of this thread: what other processes on a shared machine do not inflate."""
    start = time.thread_time()
    how(subject)
    return time.thread_time() - start


def _exponential(how: Any, subject: _Subject) -> str | None:
    """Exponential when a few dozen repetitions are slow, or 4 more multiply the time by 6+."""
    previous = 0.0
    for count in _SMALL_COUNTS:
        elapsed = _timed(how, subject.at(count))
        if _blew_up(elapsed, previous):
            elapsed = min(elapsed, _timed(how, subject.at(count)))  # a pause of ours, or not
            if _blew_up(elapsed, previous):
                return f"{elapsed:.3f} s on {count} repetitions ({previous:.3f} s on 4 fewer)"
        previous = elapsed
    return None


def _blew_up(elapsed: float, previous: float) -> bool:
    return elapsed > _EXPONENTIAL_LIMIT or (
        elapsed > _NOISE_FLOOR and elapsed > 6 * max(previous, 1e-4)
    )


def _polynomial(how: Any, subject: _Subject) -> str | None:
    """Superlinear when each 4x step of the input costs more than 8x the time, twice running
    (one slow step alone is the shared machine, not the pattern)."""
    counts = [max(1, size // len(subject.pump)) for size in _SIZES]
    if _timed(how, subject.at(counts[1])) <= _NOISE_FLOOR:
        return None
    times = [_best(how, subject.at(count)) for count in counts[:2]]
    if times[1] <= _MAX_GROWTH * max(times[0], 1e-4):
        return None
    if times[1] < _SURELY_SLOW:
        times.append(_timed(how, subject.at(counts[2])))
        if times[2] <= _MAX_GROWTH * times[1]:
            return None
    steps = " -> ".join(f"{t:.3f} s" for t in times)
    return f"{steps} for each 4x of the input"


def _best(how: Any, subject: Any) -> float:
    return min(_timed(how, subject) for _ in range(3))


def pumps(text: str, flags: int) -> set[str]:
    """Candidate pump strings: minimal text of every repeated part and of short runs of parts."""
    found: set[str] = set()
    _collect(sre_parse.parse(text, flags), found)
    return {p for p in found if p}


def _collect(items: Any, found: set[str]) -> None:
    parts = _merge_literals(list(items))
    for size in (1, 2, 3):
        for i in range(len(parts) - size + 1):
            found.add("".join(_example(p) for p in parts[i : i + size]))
    for op, av in items:
        if op in (
            sre_constants.MAX_REPEAT,
            sre_constants.MIN_REPEAT,
            sre_constants.POSSESSIVE_REPEAT,
        ):
            _collect(av[2], found)
        elif op is sre_constants.SUBPATTERN:
            _collect(av[-1], found)
        elif op is sre_constants.BRANCH:
            for branch in av[1]:
                _collect(branch, found)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            _collect(av[1], found)


def _merge_literals(items: list[Any]) -> list[Any]:
    merged: list[Any] = []
    for op, av in items:
        if op is sre_constants.LITERAL and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + chr(av))
        elif op is sre_constants.LITERAL:
            merged.append(("text", chr(av)))
        else:
            merged.append((op, av))
    return merged


def _example(item: Any) -> str:
    """The shortest text that `item` matches (a repeat counts at least once)."""
    op, av = item
    if op == "text":
        return str(av)
    if op is sre_constants.LITERAL:
        return chr(av)
    if op is sre_constants.NOT_LITERAL:
        return "a" if av != ord("a") else "b"
    if op is sre_constants.ANY:
        return "a"
    if op is sre_constants.IN:
        return _in_example(av)
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
        return "".join(_example(p) for p in av[2]) * max(1, av[0])
    if op is sre_constants.SUBPATTERN:
        return "".join(_example(p) for p in av[-1])
    if op is sre_constants.BRANCH:
        return "".join(_example(p) for p in av[1][0])
    return ""  # anchors, lookarounds and back-references match no text of their own


def _in_example(av: list[Any]) -> str:
    negate = av and av[0][0] is sre_constants.NEGATE
    if negate:
        excluded = {chr(a) for op, a in av if op is sre_constants.LITERAL}
        return next(c for c in "a0 !<" if c not in excluded)
    op, value = av[0]
    if op is sre_constants.LITERAL:
        return chr(value)
    if op is sre_constants.RANGE:
        return chr(value[0])
    if op is sre_constants.CATEGORY:
        return _CATEGORY_CHAR.get(value, "a")
    return "a"
