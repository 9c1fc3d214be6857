"""Small statistics the built-in monitors need, on numpy alone.

Histogram quantiles and tail counts over the tally's log-scale bins, PSI over the baseline's
deciles, a one-sided test that a share of good outcomes fell (stratified by user kind), and
hashed character n-gram vectors with a permutation null for the semantic-drift monitor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from simulator.monitors.tally import bin_count, bin_lower, bin_table


def upper_tail_p(z: float) -> float:
    """P(Z >= z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def hist_quantile(hist: np.ndarray, q: float, sub_bits: int) -> float:
    """The ``q`` quantile of a log-scale histogram: the upper edge of the bin holding it."""
    total = float(hist.sum())
    if total <= 0:
        return 0.0
    index = int(np.searchsorted(np.cumsum(hist), q * total, side="left"))
    return bin_lower(min(index + 1, len(hist) - 1), sub_bits)


def bin_of(value: float, sub_bits: int) -> int:
    """The histogram bin a (non-negative) value falls in; the overflow bin above 2**16."""
    v = int(value)
    table = bin_table(sub_bits)
    if v < 0:
        return 0
    return table[v] if v < len(table) else bin_count(sub_bits) - 1


def count_above(hist: np.ndarray, value: float, sub_bits: int) -> float:
    """Samples in bins entirely above ``value`` (a conservative count of exceedances)."""
    return float(hist[bin_of(value, sub_bits) + 1 :].sum())


def decile_groups(baseline: np.ndarray, groups: int = 10) -> list[int]:
    """Bin indices where the baseline's decile groups start (ties merge groups)."""
    cum = np.cumsum(baseline) / max(float(baseline.sum()), 1.0)
    cuts = {0}
    for j in range(1, groups):
        cuts.add(int(np.searchsorted(cum, j / groups, side="left")) + 1)
    return sorted(c for c in cuts if c < len(baseline))


def psi(baseline: np.ndarray, window: np.ndarray, starts: Sequence[int] | None = None) -> float:
    """Population stability index of ``window`` against ``baseline`` over baseline deciles.

    ``starts`` are the decile groups' first bins (``decile_groups(baseline)`` by default).
    """
    starts = decile_groups(baseline) if starts is None else starts
    b = np.add.reduceat(baseline, starts).astype(np.float64)
    w = np.add.reduceat(window, starts).astype(np.float64)
    b = (b + 0.5) / (b.sum() + 0.5 * len(b))
    w = (w + 0.5) / (w.sum() + 0.5 * len(w))
    return float(np.sum((w - b) * np.log(w / b)))


def proportion_drop(
    base: Sequence[tuple[float, float]], window: Sequence[tuple[float, float]]
) -> tuple[float, float, float]:
    """One-sided Cochran-Mantel-Haenszel test that the good share fell: ``(p, effect, z)``.

    ``base`` and ``window`` hold ``(n, good)`` per stratum (user kind). Each stratum is a 2x2
    table whose margins fix the expected good count of the window and its hypergeometric
    variance, so a short baseline that happened to be perfect is not taken for the truth.
    ``effect`` is the drop of the window's share against the baseline's, by the window's mix.
    """
    expected = observed = variance = drop = total = 0.0
    for (n0, x0), (n1, x1) in zip(base, window, strict=True):
        if n0 <= 0 or n1 <= 0:
            continue
        big_n, good = n0 + n1, x0 + x1
        expected += n1 * good / big_n
        observed += x1
        variance += n0 * n1 * good * (big_n - good) / (big_n * big_n * max(big_n - 1.0, 1.0))
        drop += n1 * x0 / n0 - x1
        total += n1
    if total <= 0 or variance <= 0:
        return 1.0, 0.0, 0.0
    z = (expected - observed - 0.5) / math.sqrt(variance)  # with continuity correction
    return upper_tail_p(z), drop / total, z


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def exact_drop_p(n0: float, x0: float, n1: float, x1: float) -> float:
    """One-sided exact mid-p value that the window's good share ``x1/n1`` is below the baseline's.

    Fisher's exact test on the 2x2 table; against a known share (``n0`` above a million, as
    for a reference accuracy) the binomial tail. The observed table counts half (mid-p),
    which keeps the test from being as conservative as Fisher's.
    """
    n1_, x1_ = round(n1), round(x1)
    if n0 > 1e6:
        p0 = min(max(x0 / n0, 1e-12), 1.0 - 1e-12)
        terms = [math.exp(_log_comb(n1_, k) + k * math.log(p0) + (n1_ - k) * math.log1p(-p0))
                 for k in range(x1_ + 1)]
    else:
        n0_, x0_ = round(n0), round(x0)
        good, total = x0_ + x1_, n0_ + n1_
        norm = _log_comb(total, n1_)
        terms = [math.exp(_log_comb(good, k) + _log_comb(total - good, n1_ - k) - norm)
                 for k in range(max(0, good - n0_), x1_ + 1)]
    return min(1.0, sum(terms) - 0.5 * terms[-1]) if terms else 1.0


def ngram_counts(
    texts: Sequence[str], groups: Sequence[int], n_groups: int, n: int = 3, dims: int = 512
) -> np.ndarray:
    """Hashed character ``n``-gram counts summed per group: shape ``(n_groups, dims)``."""
    flat = np.zeros(n_groups * dims, dtype=np.int64)
    if texts:
        encoded = [t.lower().encode("utf-8", "replace") for t in texts]
        lengths = [len(e) for e in encoded]
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8).astype(np.int64)
        owner = np.repeat(np.asarray(groups, dtype=np.int64), lengths)
        doc = np.repeat(np.arange(len(texts)), lengths)
        if len(data) >= n:
            span = len(data) - n + 1
            code = data[:span].copy()
            for i in range(1, n):
                code = code * 257 + data[i : span + i]
            same = doc[:span] == doc[n - 1 :]
            ids = ((code * 2654435761) >> 7) % dims
            flat = np.bincount(owner[:span][same] * dims + ids[same], minlength=n_groups * dims)
    return flat.reshape(n_groups, dims).astype(np.float64)


def frequencies(counts: np.ndarray) -> np.ndarray:
    """Rows of counts as relative frequencies (all-zero rows stay zero)."""
    totals = counts.sum(axis=-1, keepdims=True)
    return counts / np.where(totals > 0, totals, 1.0)


def stratified_null(
    counts: np.ndarray,
    kinds: np.ndarray,
    weights: np.ndarray,
    rng: np.random.Generator,
    rounds: int = 200,
    quantile: float = 0.99,
) -> float:
    """Scaled null quantile of the post-stratified n-gram profile distance of baseline halves.

    ``counts`` holds one row of n-gram counts per baseline answer. Each round splits every
    stratum in two random halves and measures the distance between the halves' weighted
    n-gram frequency profiles, divided by ``sqrt(2/n + 2/n)``; the threshold for a window of
    effective size ``m`` is the result times ``sqrt(1/m + 1/n)``.
    """
    groups = [np.nonzero(kinds == k)[0] for k in range(len(weights)) if weights[k] > 0]
    ws = [float(weights[k]) for k in range(len(weights)) if weights[k] > 0]
    n = sum(len(g) for g in groups)
    scale = math.sqrt(4.0 / n)
    stats = np.empty(rounds)
    for i in range(rounds):
        gap = np.zeros(counts.shape[1])
        for w, idx in zip(ws, groups, strict=True):
            order = rng.permutation(idx)
            half = len(order) // 2
            a, b = counts[order[:half]].sum(axis=0), counts[order[half:]].sum(axis=0)
            gap += w * (frequencies(a) - frequencies(b))
        stats[i] = float(np.linalg.norm(gap)) / scale
    return float(np.quantile(stats, quantile))
