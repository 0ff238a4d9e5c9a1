"""How often the multivariate check alerts when nothing drifted, and what it catches.

The warehouse computes MMD^2 with random Fourier features and its p-value from a scaled
chi-square (docs/multivariate-drift.md); the SQL equals numpy to 1e-9
(tests/test_multivariate_drift.py). This script uses the same formulas in numpy to measure,
on data drawn from the reference distribution, the false-alarm rate at the default levels
(warn p <= 0.01, error p <= 0.001), and the detection rate of a few shifts.

Usage: python scripts/mmd_calibration.py [--replications 400] [--seed 7]
Exit code 0; 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from scipy import stats

FEATURES = 6
DIMENSIONS = 100
REFERENCE_ROWS = 50_000
PAIRED_ROWS = 50_000


def draw(rng: np.random.Generator, n: int, rho: float = 0.8, shift: float = 0.0) -> np.ndarray:
    """Six features: a correlated normal pair, a skewed one, an integer one with ties, two
    independent normals; 2 % of the skewed one missing (NaN)."""
    x1 = rng.normal(0, 1, n)
    x2 = rho * x1 + np.sqrt(1 - rho**2) * rng.normal(0, 1, n)
    x3 = np.where(rng.random(n) < 0.02, np.nan, rng.exponential(2.0, n))
    x4 = rng.poisson(3, n).astype(float)
    return np.column_stack([x1 + shift, x2, x3, x4, rng.normal(0, 1, n), rng.normal(0, 1, n)])


def embed(x: np.ndarray, mean, std, omega, phase) -> np.ndarray:
    z = np.nan_to_num((x - mean) / std, nan=0.0)
    return np.sqrt(2.0 / len(phase)) * np.cos(z @ omega.T + phase)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.replications < 10:
        print("--replications must be at least 10", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    omega = rng.normal(0, 1, (DIMENSIONS, FEATURES)) / np.sqrt(FEATURES)
    phase = rng.uniform(0, 2 * np.pi, DIMENSIONS)
    reference = draw(rng, REFERENCE_ROWS)
    mean, std = np.nanmean(reference, 0), np.nanstd(reference, 0)
    ref_embedded = embed(reference, mean, std, omega, phase)
    ref_mean = ref_embedded.mean(0)
    trace = ref_embedded.var(0).sum()
    centred = ref_embedded[:PAIRED_ROWS] - ref_mean
    dots = np.einsum("ij,ij->i", centred[0::2], centred[1::2])
    trace_squared = np.mean(dots**2)
    exact = np.sum(np.cov(ref_embedded, rowvar=False, ddof=0) ** 2)
    print(f"tr(S) {trace:.4f}; tr(S^2) from pairs {trace_squared:.5f}, exact {exact:.5f}")
    print(f"null degrees of freedom h = {trace**2 / trace_squared:.1f}\n")

    def pvalue(batch: np.ndarray) -> float:
        mmd = np.sum((embed(batch, mean, std, omega, phase).mean(0) - ref_mean) ** 2)
        scale = 1 / REFERENCE_ROWS + 1 / len(batch)
        return stats.chi2.sf(mmd / (scale * trace_squared / trace), trace**2 / trace_squared)

    scenarios = {
        "no drift": {},
        "correlation x1,x2 +0.8 -> -0.8": {"rho": -0.8},
        "correlation +0.8 -> +0.6": {"rho": 0.6},
        "location x1 +0.05 sd": {"shift": 0.05},
        "location x1 +0.2 sd": {"shift": 0.2},
    }
    print("| scenario | batch rows | p <= 0.01 (warn) | p <= 0.001 (alert) |")
    print("| --- | --- | --- | --- |")
    for name, kwargs in scenarios.items():
        for rows in (1_000, 10_000):
            p = np.array([pvalue(draw(rng, rows, **kwargs)) for _ in range(args.replications)])
            print(f"| {name} | {rows:,} | {np.mean(p <= 0.01):.3f} | {np.mean(p <= 0.001):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
