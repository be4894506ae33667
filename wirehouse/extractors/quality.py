"""Token-level scores of an extracted text against a gold text (tests and the benchmark).

A token is a lower-cased word (letters and digits); texts are compared as multisets, so a
paragraph extracted twice costs precision and order does not matter. This is the usual
bag-of-words measure of extraction benchmarks.
"""

from __future__ import annotations

import re
from collections import Counter

_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """Lower-cased words of `text`."""
    return _TOKEN.findall(text.lower())


def token_scores(predicted: str, gold: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of `predicted` against `gold` over token multisets.

    Empty against empty is a perfect (1, 1, 1); anything against an empty gold has precision 0.
    """
    pred, ref = Counter(tokens(predicted)), Counter(tokens(gold))
    n_pred, n_ref = sum(pred.values()), sum(ref.values())
    if n_pred == 0 and n_ref == 0:
        return 1.0, 1.0, 1.0
    overlap = sum((pred & ref).values())
    precision = overlap / n_pred if n_pred else 0.0
    recall = overlap / n_ref if n_ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def aggregate_scores(pairs: list[tuple[str, str]]) -> tuple[float, float, float]:
    """Micro-averaged (precision, recall, F1) over (predicted, gold) pairs: token counts summed."""
    overlap = n_pred = n_ref = 0
    for predicted, gold in pairs:
        pred, ref = Counter(tokens(predicted)), Counter(tokens(gold))
        overlap += sum((pred & ref).values())
        n_pred += sum(pred.values())
        n_ref += sum(ref.values())
    precision = overlap / n_pred if n_pred else 0.0
    recall = overlap / n_ref if n_ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
