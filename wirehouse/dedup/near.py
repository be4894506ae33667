"""Near-duplicate fingerprints: word shingles, MinHash signatures and LSH band keys.

Pure functions. A text becomes the set of its normalised word k-shingles; a MinHash signature
of `num_perm` minima estimates the Jaccard similarity of two such sets (the share of equal
minima); LSH cuts the signature into `bands` of `rows` values and hashes each band to one
64-bit key, so two texts become candidates when any band key is equal. Keys are stable across
processes (no Python `hash()`), so they can be stored in the warehouse and joined later.

Why Jaccard (and not containment): J(A, B) <= min(|A|, |B|) / max(|A|, |B|), so a two-line brief
quoted inside a long article is never similar to it, however completely it is contained.
"""

from __future__ import annotations

import functools
import math
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wirehouse.config.settings import DedupSettings
from wirehouse.extractors.fingerprint import folded_words

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]

_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
# odd 64-bit multipliers (from splitmix64 / murmur3 finalisers), fixed for stable keys
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_GOLDEN_INT = 0x9E3779B97F4A7C15
_GOLDEN = np.uint64(_GOLDEN_INT)
_SHIFT33 = np.uint64(33)


@dataclass(frozen=True, slots=True)
class Scheme:
    """The parameters signatures and band keys depend on. Stored rows are only comparable under
    the same scheme, so its `name` is stored with them.

    LSH uses the first `bands * rows` minima; the estimate uses all `num_perm`.
    """

    shingle_words: int = 5
    num_perm: int = 128
    bands: int = 42
    rows: int = 3
    seed: int = 1

    def __post_init__(self) -> None:
        if min(self.shingle_words, self.num_perm, self.bands, self.rows) < 1:
            raise ValueError("shingle_words, num_perm, bands and rows must be positive")
        if self.bands * self.rows > self.num_perm:
            raise ValueError("bands * rows must not exceed num_perm")

    @property
    def name(self) -> str:
        return f"w{self.shingle_words}-p{self.num_perm}-b{self.bands}x{self.rows}-s{self.seed}"


def scheme_for(settings: DedupSettings) -> Scheme:
    """The fingerprint scheme the settings describe."""
    return Scheme(
        shingle_words=settings.near_shingle_words,
        num_perm=settings.near_num_perm,
        bands=settings.near_bands,
        rows=settings.near_rows,
    )


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What is stored for one text: its signature, its band keys and its size in shingles."""

    signature: U32
    band_keys: npt.NDArray[np.int64]
    shingles: int


def _scalar(value: int) -> np.uint64:
    """A Python int wrapped to 64 bits (numpy warns on scalar overflow, arrays wrap silently)."""
    return np.uint64(value % 2**64)


def _mix(x: U64) -> U64:
    """murmur3's 64-bit finaliser: spreads every input bit over the whole word."""
    x = x ^ (x >> _SHIFT33)
    x = x * _MIX1
    x = x ^ (x >> _SHIFT33)
    x = x * _MIX2
    return x ^ (x >> _SHIFT33)


@functools.lru_cache(maxsize=200_000)
def _token_hash(token: str) -> int:
    return zlib.crc32(token.encode("utf-8"))


def shingle_hashes(text: str, k: int) -> U64:
    """Distinct 32-bit hashes of the text's word k-shingles (a text shorter than k words is one
    shingle), computed with numpy over per-token CRC32s rather than per-shingle strings."""
    words = folded_words(text)  # as exact dedup sees them
    if not words:
        return np.empty(0, dtype=np.uint64)
    base = np.fromiter(map(_token_hash, words), dtype=np.uint64, count=len(words))
    n = max(1, len(words) - k + 1)
    acc = np.zeros(n, dtype=np.uint64)
    for j in range(min(k, len(words))):
        # position-dependent mixing keeps "a b" and "b a" apart
        acc = _mix(acc ^ (base[j : j + n] + _scalar((j + 1) * _GOLDEN_INT)))
    return np.unique(acc & _MASK32)


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[U64, U64]:
    # multiply-add-shift hashing of 32-bit inputs with 64-bit a, b is 2-independent and needs
    # no modulo: h(x) = ((a*x + b) mod 2^64) >> 32
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def signature(hashes: U64, scheme: Scheme) -> U32:
    """MinHash signature of a shingle-hash set: the minimum of each of `num_perm` hashings."""
    a, b = _permutations(scheme.num_perm, scheme.seed)
    if hashes.size == 0:
        return np.full(scheme.num_perm, 0xFFFFFFFF, dtype=np.uint32)
    # in place, and shifted after the minimum (the shift is monotone, so the minima agree):
    # a third less CPU than three temporaries of hashes x num_perm
    permuted = np.multiply.outer(hashes, a)
    permuted += b
    return (permuted.min(axis=0) >> _SHIFT32).astype(np.uint32)


def band_keys(sig: U32, scheme: Scheme) -> npt.NDArray[np.int64]:
    """One signed 64-bit key per band (band index and scheme mixed in, so bands of different
    positions or schemes never collide), ready for a BIGINT column. `sig` may be one signature
    or a (n, num_perm) array of them."""
    used = sig[..., : scheme.bands * scheme.rows].astype(np.uint64)
    rows = used.reshape(*sig.shape[:-1], scheme.bands, scheme.rows)
    seed = zlib.crc32(scheme.name.encode())
    acc = _mix(np.arange(scheme.bands, dtype=np.uint64) + _scalar(seed * _GOLDEN_INT))
    for j in range(scheme.rows):
        acc = _mix(acc ^ (rows[..., j] + _GOLDEN))
    return acc.view(np.int64)


def fingerprint(text: str, scheme: Scheme) -> Fingerprint:
    """Signature, band keys and shingle count of one text. Not memoised: a cache keyed by the
    text would keep thousands of texts alive; the dedup stage hands its probes' fingerprints
    to storage instead (`store_fingerprints(computed=...)`)."""
    hashes = shingle_hashes(text, scheme.shingle_words)
    sig = signature(hashes, scheme)
    keys = band_keys(sig, scheme)
    sig.setflags(write=False)
    keys.setflags(write=False)
    return Fingerprint(sig, keys, int(hashes.size))


def similarity(a: U32, b: U32) -> float:
    """Estimated Jaccard similarity: the share of equal minima (std ~ sqrt(J(1-J)/num_perm))."""
    return float(np.count_nonzero(a == b)) / a.size


def jaccard(text_a: str, text_b: str, k: int) -> float:
    """Exact Jaccard similarity of two texts' shingle sets (for tests and evaluation)."""
    a, b = shingle_hashes(text_a, k), shingle_hashes(text_b, k)
    union = np.union1d(a, b).size
    return np.intersect1d(a, b).size / union if union else 1.0


def candidate_probability(jaccard: float, scheme: Scheme) -> float:
    """Probability that two texts of this Jaccard similarity share at least one band key:
    1 - (1 - J^rows)^bands, the S-curve that the bands x rows choice shapes."""
    return 1.0 - (1.0 - jaccard**scheme.rows) ** scheme.bands


def lsh_threshold(scheme: Scheme) -> float:
    """The similarity where the S-curve is steepest, about (1/bands)^(1/rows)."""
    return math.pow(1.0 / scheme.bands, 1.0 / scheme.rows)


def pack(sig: U32) -> bytes:
    """Signature as stored in the warehouse (little-endian uint32)."""
    return sig.astype("<u4").tobytes()


def unpack(blob: bytes) -> U32:
    return np.frombuffer(blob, dtype="<u4").astype(np.uint32)
