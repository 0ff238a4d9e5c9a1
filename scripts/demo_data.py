"""Deterministic demo prediction logs for modelwatch.

Generates weekly prediction logs for two production ML models and writes them into a
DuckDB file (schema ``demo``):

* ``demo.credit_default_predictions``: a credit-risk scoring model. Its reference is a
  time window (the ``reference_weeks`` weeks starting Monday 2026-01-05), followed by
  ``n_batches`` weekly monitoring batches.
* ``demo.churn_predictions``: a subscription churn model, monitoring weeks only.
* ``demo.churn_validation_sample``: the churn model's validation sample, which serves as
  its reference (a separate table, not a time window).

The data is stationary except for the drifts listed in :data:`INJECTED_DRIFTS`. Every
week of every model is drawn from its own random stream derived from ``(seed, model,
period, week)``, so a given week does not depend on how many other weeks are generated.

Usage::

    python scripts/demo_data.py --db data/modelwatch.duckdb [--seed 20260301]
        [--rows-per-batch 10000] [--batches 16] [--reference-weeks 8]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

Rng = np.random.Generator  # short alias for type hints

DEFAULT_SEED = 20260301
DEFAULT_ROWS_PER_BATCH = 10_000
DEFAULT_BATCHES = 16
DEFAULT_REFERENCE_WEEKS = 8

SCHEMA = "demo"
CREDIT_TABLE = f"{SCHEMA}.credit_default_predictions"
CHURN_TABLE = f"{SCHEMA}.churn_predictions"
VALIDATION_TABLE = f"{SCHEMA}.churn_validation_sample"

REFERENCE_START = date(2026, 1, 5)  # a Monday
SECONDS_PER_WEEK = 7 * 24 * 60 * 60
VALIDATION_ROWS = 20_000
VALIDATION_PREDICTED_AT = datetime(2025, 12, 15)
MAX_TOTAL_ROWS = 10**9 - 1  # prediction ids carry nine digits

# Random-stream keys: (seed, model, period, week) -> independent numpy generator.
_CREDIT, _CHURN = 0, 1
_REFERENCE, _MONITORING, _VALIDATION = 0, 1, 2

# --- credit model ---------------------------------------------------------------------
INCOME_MEDIAN = 52_000.0
INCOME_LOG_SIGMA = 0.45
INCOME_SHIFT_FIRST_WEEK = 9
INCOME_SHIFT_SD_PER_WEEK = 0.15
EMPLOYMENT_LEVELS = ("salaried", "self_employed", "contractor", "unemployed", "retired")
EMPLOYMENT_PROBS = (0.60, 0.20, 0.12, 0.05, 0.03)
EMPLOYMENT_EFFECT = (0.0, 0.25, 0.35, 1.10, -0.15)
REGION_LEVELS = ("north", "south", "east", "west", "central")
REGION_PROBS = (0.30, 0.25, 0.20, 0.15, 0.10)
REGION_CAMPAIGN_PROBS = (0.10, 0.15, 0.15, 0.20, 0.40)
REGION_CAMPAIGN_WEEKS = (6, 7)
REGION_EFFECT = (0.0, 0.10, -0.05, 0.05, 0.15)
DTI_NULL_WEEK = 13
CREDIT_VERSION = "v3.1.0"
CREDIT_NEW_VERSION = "v3.2.0"
CREDIT_NEW_VERSION_FIRST_WEEK = 15
UTILISATION_ZERO_SHARE = 0.08
NEVER_DELINQUENT_SHARE = 0.55
CREDIT_INTERCEPT = -4.97  # calibrated so that the stationary mean score is about 0.08

# --- churn model ----------------------------------------------------------------------
CHURN_VERSION = "2.4"
CONTRACT_LEVELS = ("month_to_month", "one_year", "two_year")
CONTRACT_PROBS = (0.55, 0.25, 0.20)
CONTRACT_TENURE_BETA = ((0.7, 2.8), (1.5, 1.5), (2.5, 1.0))
CONTRACT_EFFECT = (0.9, 0.0, -0.8)
PAYMENT_LEVELS = ("card", "direct_debit", "bank_transfer", "paper_check")
PAYMENT_PROBS = (0.40, 0.35, 0.15, 0.10)
PAYMENT_EFFECT = (0.0, -0.2, 0.1, 0.3)
PRICE_RISE_FIRST_WEEK = 11
PRICE_RISE_FACTOR = 1.25
CHURN_INTERCEPT = -3.0  # calibrated so that the stationary mean score is about 0.2

# Output column order and exact DuckDB types (prediction_id is derived from `seq`).
CREDIT_COLUMNS: dict[str, str] = {
    "prediction_id": "VARCHAR",
    "scored_at": "TIMESTAMP",
    "model_version": "VARCHAR",
    "income": "DOUBLE",
    "debt_to_income": "DOUBLE",
    "credit_utilisation": "DOUBLE",
    "open_accounts": "INTEGER",
    "months_since_delinquency": "INTEGER",
    "employment_type": "VARCHAR",
    "region": "VARCHAR",
    "default_probability": "DOUBLE",
}
CHURN_COLUMNS: dict[str, str] = {
    "prediction_id": "VARCHAR",
    "predicted_at": "TIMESTAMP",
    "model_version": "VARCHAR",
    "tenure_months": "INTEGER",
    "monthly_charges": "DOUBLE",
    "support_tickets": "INTEGER",
    "contract_type": "VARCHAR",
    "payment_method": "VARCHAR",
    "churn_probability": "DOUBLE",
}


def injected_drifts(n_batches: int = DEFAULT_BATCHES) -> list[dict[str, Any]]:
    """Describe the injected drifts for a run with ``n_batches`` monitoring weeks.

    Week numbers are 1-based monitoring weeks; drifts that start after the last
    generated week have an empty ``weeks`` list.
    """
    weeks = range(1, n_batches + 1)
    return [
        {
            "model_id": "credit_default",
            "feature": "income",
            "kind": "gradual_shift",
            "weeks": [w for w in weeks if w >= INCOME_SHIFT_FIRST_WEEK],
            "description": (
                "log(income) shifted down by 0.15 * (week - 8) standard deviations of "
                "log(income) from week 9 on (0.15 sd in week 9, 1.2 sd in week 16); "
                "default_probability rises accordingly"
            ),
        },
        {
            "model_id": "credit_default",
            "feature": "region",
            "kind": "category_mix_change",
            "weeks": [w for w in weeks if w in REGION_CAMPAIGN_WEEKS],
            "description": (
                "regional campaign: region mix north 10%, south 15%, east 15%, west 20%, "
                "central 40% (normally 30/25/20/15/10%)"
            ),
        },
        {
            "model_id": "credit_default",
            "feature": "debt_to_income",
            "kind": "missing_values",
            "weeks": [w for w in weeks if w == DTI_NULL_WEEK],
            "description": (
                "pipeline fault: debt_to_income is NULL for every row of the week "
                "(the score is still computed from the true value)"
            ),
        },
        {
            "model_id": "credit_default",
            "feature": "model_version",
            "kind": "model_version_change",
            "weeks": [w for w in weeks if w >= CREDIT_NEW_VERSION_FIRST_WEEK],
            "description": (
                "deployment: model_version is v3.2.0 for all rows (v3.1.0 before); "
                "features and scoring function unchanged"
            ),
        },
        {
            "model_id": "subscriber_churn",
            "feature": "monthly_charges",
            "kind": "abrupt_shift",
            "weeks": [w for w in weeks if w >= PRICE_RISE_FIRST_WEEK],
            "description": (
                "price rise: monthly_charges multiplied by 1.25 (then rounded to cents) "
                "from week 11 on; churn_probability rises accordingly"
            ),
        },
    ]


INJECTED_DRIFTS: list[dict[str, Any]] = injected_drifts(DEFAULT_BATCHES)


# --- random building blocks -----------------------------------------------------------
def _rng(seed: int, model: int, period: int, week: int) -> Rng:
    """Return the independent random stream of one week of one model."""
    return np.random.default_rng([seed, model, period, week])


def _categorical(
    rng: Rng,
    levels: Sequence[str],
    probs: Sequence[float],
    n: int,
) -> np.ndarray:
    """Draw ``n`` category codes (indices into ``levels``) with probabilities ``probs``."""
    return rng.choice(len(levels), size=n, p=np.asarray(probs))


def _week_timestamps(rng: Rng, start: datetime, n: int) -> np.ndarray:
    """Draw ``n`` sorted second-precision timestamps uniformly inside the week ``start``."""
    offsets = np.sort(rng.integers(0, SECONDS_PER_WEEK, size=n))
    return np.datetime64(start, "s") + offsets.astype("timedelta64[s]")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, kept strictly inside (0, 1) after rounding to 6 decimals."""
    p = np.round(1.0 / (1.0 + np.exp(-x)), 6)
    return np.clip(p, 1e-6, 1.0 - 1e-6)


def _monitoring_start(reference_weeks: int) -> datetime:
    """Return the Monday on which monitoring week 1 starts."""
    start = REFERENCE_START + timedelta(weeks=reference_weeks)
    return datetime(start.year, start.month, start.day)


# --- credit model ---------------------------------------------------------------------
def _income_shift_sd(week: int | None) -> float:
    """Downward shift of log-income in sd units for a monitoring week (None = reference)."""
    if week is None or week < INCOME_SHIFT_FIRST_WEEK:
        return 0.0
    return INCOME_SHIFT_SD_PER_WEEK * (week - INCOME_SHIFT_FIRST_WEEK + 1)


def _delinquency(rng: Rng, n: int) -> pd.arrays.IntegerArray:
    """Months since last delinquency: NULL for the never-delinquent, else 1..120."""
    never = rng.random(n) < NEVER_DELINQUENT_SHARE
    months = np.clip(np.ceil(rng.exponential(30.0, size=n)), 1, 120).astype(np.int32)
    return pd.arrays.IntegerArray(months, mask=never)


def _credit_score(
    rng: Rng,
    income: np.ndarray,
    dti: np.ndarray,
    utilisation: np.ndarray,
    open_accounts: np.ndarray,
    delinquency: pd.arrays.IntegerArray,
    employment: np.ndarray,
    region: np.ndarray,
) -> np.ndarray:
    """Default probability: logistic of a linear function of the features plus noise."""
    income_z = (np.log(income) - np.log(INCOME_MEDIAN)) / INCOME_LOG_SIGMA
    months = delinquency.to_numpy(dtype=np.float64, na_value=np.inf)
    recent = np.where(np.isfinite(months), 0.4 + np.exp(-months / 18.0), 0.0)
    logit = (
        CREDIT_INTERCEPT
        - 0.6 * income_z
        + 2.2 * dti
        + 1.6 * utilisation
        + 0.03 * open_accounts
        + recent
        + np.asarray(EMPLOYMENT_EFFECT)[employment]
        + np.asarray(REGION_EFFECT)[region]
        + rng.normal(0.0, 0.35, size=len(income))
    )
    return _sigmoid(logit)


def _credit_week(rng: Rng, n: int, start: datetime, week: int | None) -> pd.DataFrame:
    """Generate one week of credit predictions; ``week`` is None in the reference period."""
    scored_at = _week_timestamps(rng, start, n)
    z = rng.standard_normal(n) - _income_shift_sd(week)
    income = np.round(INCOME_MEDIAN * np.exp(INCOME_LOG_SIGMA * z), 2)
    dti = np.round(1.5 * rng.beta(2.0, 6.5, size=n), 3)
    is_zero = rng.random(n) < UTILISATION_ZERO_SHARE
    utilisation = np.where(is_zero, 0.0, np.round(rng.beta(1.6, 2.4, size=n), 3))
    open_accounts = np.minimum(rng.poisson(7.0, size=n), 30).astype(np.int32)
    delinquency = _delinquency(rng, n)
    employment = _categorical(rng, EMPLOYMENT_LEVELS, EMPLOYMENT_PROBS, n)
    campaign = week in REGION_CAMPAIGN_WEEKS
    region = _categorical(
        rng, REGION_LEVELS, REGION_CAMPAIGN_PROBS if campaign else REGION_PROBS, n
    )
    score = _credit_score(
        rng, income, dti, utilisation, open_accounts, delinquency, employment, region
    )
    new_version = week is not None and week >= CREDIT_NEW_VERSION_FIRST_WEEK
    dti_missing = np.full(n, week == DTI_NULL_WEEK)
    return pd.DataFrame(
        {
            "scored_at": scored_at,
            "model_version": CREDIT_NEW_VERSION if new_version else CREDIT_VERSION,
            "income": income,
            "debt_to_income": pd.arrays.FloatingArray(dti, mask=dti_missing),
            "credit_utilisation": utilisation,
            "open_accounts": open_accounts,
            "months_since_delinquency": delinquency,
            "employment_type": pd.Categorical.from_codes(employment, EMPLOYMENT_LEVELS),
            "region": pd.Categorical.from_codes(region, REGION_LEVELS),
            "default_probability": score,
        }
    )


def _credit_frame(
    seed: int, rows_per_batch: int, n_batches: int, reference_weeks: int
) -> pd.DataFrame:
    """Generate the reference period followed by the monitoring weeks of the credit model."""
    first = _monitoring_start(reference_weeks)
    frames = [
        _credit_week(
            _rng(seed, _CREDIT, _REFERENCE, i),
            rows_per_batch,
            first - timedelta(weeks=reference_weeks - i),
            None,
        )
        for i in range(reference_weeks)
    ]
    frames += [
        _credit_week(
            _rng(seed, _CREDIT, _MONITORING, k),
            rows_per_batch,
            first + timedelta(weeks=k - 1),
            k,
        )
        for k in range(1, n_batches + 1)
    ]
    return pd.concat(frames, ignore_index=True)


# --- churn model ----------------------------------------------------------------------
def _churn_features(rng: Rng, n: int, week: int | None) -> pd.DataFrame:
    """Generate churn features and score; ``week`` is None for stationary data."""
    contract = _categorical(rng, CONTRACT_LEVELS, CONTRACT_PROBS, n)
    alpha, beta = np.asarray(CONTRACT_TENURE_BETA)[contract].T
    tenure = np.round(72 * rng.beta(alpha, beta)).astype(np.int32)
    premium = rng.random(n) < 0.7
    charges = np.where(premium, rng.normal(82.0, 14.0, n), rng.normal(24.0, 2.5, n))
    charges = np.round(np.clip(charges, 18.25, 120.0), 2)
    if week is not None and week >= PRICE_RISE_FIRST_WEEK:
        charges = np.round(charges * PRICE_RISE_FACTOR, 2)
    tickets = rng.poisson(1.2, size=n).astype(np.int32)
    payment = _categorical(rng, PAYMENT_LEVELS, PAYMENT_PROBS, n)
    logit = (
        CHURN_INTERCEPT
        - 0.045 * tenure
        + 0.022 * charges
        + 0.3 * tickets
        + np.asarray(CONTRACT_EFFECT)[contract]
        + np.asarray(PAYMENT_EFFECT)[payment]
        + rng.normal(0.0, 0.3, size=n)
    )
    return pd.DataFrame(
        {
            "model_version": CHURN_VERSION,
            "tenure_months": tenure,
            "monthly_charges": charges,
            "support_tickets": tickets,
            "contract_type": pd.Categorical.from_codes(contract, CONTRACT_LEVELS),
            "payment_method": pd.Categorical.from_codes(payment, PAYMENT_LEVELS),
            "churn_probability": _sigmoid(logit),
        }
    )


def _churn_week(rng: Rng, n: int, start: datetime, week: int) -> pd.DataFrame:
    """Generate one monitoring week of churn predictions."""
    predicted_at = _week_timestamps(rng, start, n)
    frame = _churn_features(rng, n, week)
    frame.insert(0, "predicted_at", predicted_at)
    return frame


def _churn_frame(
    seed: int, rows_per_batch: int, n_batches: int, reference_weeks: int
) -> pd.DataFrame:
    """Generate the monitoring weeks of the churn model."""
    first = _monitoring_start(reference_weeks)
    frames = [
        _churn_week(
            _rng(seed, _CHURN, _MONITORING, k),
            rows_per_batch,
            first + timedelta(weeks=k - 1),
            k,
        )
        for k in range(1, n_batches + 1)
    ]
    return pd.concat(frames, ignore_index=True)


def _validation_frame(seed: int) -> pd.DataFrame:
    """Generate the churn validation sample from the stationary churn distribution."""
    frame = _churn_features(_rng(seed, _CHURN, _VALIDATION, 0), VALIDATION_ROWS, None)
    predicted_at = np.full(VALIDATION_ROWS, np.datetime64(VALIDATION_PREDICTED_AT, "s"))
    frame.insert(0, "predicted_at", predicted_at)
    return frame


# --- loading --------------------------------------------------------------------------
def _run(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    """Execute ``sql`` and fetch its whole result (DuckDB 2 wants results consumed)."""
    return con.execute(sql).fetchall()


def _quote(identifier: str) -> str:
    """Quote a SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def _load(
    con: duckdb.DuckDBPyConnection,
    target: str,
    frame: pd.DataFrame,
    columns: dict[str, str],
    id_prefix: str,
) -> int:
    """Replace table ``target`` with ``frame`` (cast to ``columns``); return its row count.

    ``target`` is a fully qualified SQL name; ``prediction_id`` is built from the row
    order as ``<id_prefix>-<nine digits>``.
    """
    frame = frame.assign(seq=np.arange(1, len(frame) + 1, dtype=np.int64))
    select = [f"'{id_prefix}-' || lpad(cast(seq as varchar), 9, '0') as prediction_id"]
    select += [
        f"cast({name} as {sql_type}) as {name}"
        for name, sql_type in columns.items()
        if name != "prediction_id"
    ]
    view = "_modelwatch_demo_frame"
    con.register(view, frame)
    _run(
        con,
        f"create or replace table {target} as select {', '.join(select)} from {view} order by seq",
    )
    con.unregister(view)
    return _run(con, f"select count(*) from {target}")[0][0]


def _validate(
    rows_per_batch: int,
    n_batches: int,
    reference_weeks: int,
    seed: int,
) -> None:
    """Raise ValueError on arguments that cannot produce a sensible data set."""
    for name, value in (
        ("rows_per_batch", rows_per_batch),
        ("n_batches", n_batches),
        ("reference_weeks", reference_weeks),
    ):
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if rows_per_batch * (n_batches + reference_weeks) > MAX_TOTAL_ROWS:
        raise ValueError(f"too many rows per table (max {MAX_TOTAL_ROWS})")


def generate(
    db_path: str,
    seed: int = DEFAULT_SEED,
    rows_per_batch: int = DEFAULT_ROWS_PER_BATCH,
    n_batches: int = DEFAULT_BATCHES,
    reference_weeks: int = DEFAULT_REFERENCE_WEEKS,
) -> dict[str, int]:
    """Write the demo tables into the DuckDB file ``db_path`` and return row counts.

    Existing demo tables are replaced; schema ``demo`` is created if missing. The
    result maps fully qualified table names to row counts.
    """
    _validate(rows_per_batch, n_batches, reference_weeks, seed)
    builders: list[tuple[str, Callable[[], pd.DataFrame], dict[str, str], str]] = [
        (
            CREDIT_TABLE,
            lambda: _credit_frame(seed, rows_per_batch, n_batches, reference_weeks),
            CREDIT_COLUMNS,
            "cd",
        ),
        (
            CHURN_TABLE,
            lambda: _churn_frame(seed, rows_per_batch, n_batches, reference_weeks),
            CHURN_COLUMNS,
            "ch",
        ),
        (VALIDATION_TABLE, lambda: _validation_frame(seed), CHURN_COLUMNS, "cv"),
    ]
    if db_path != ":memory:":
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with duckdb.connect(db_path) as con:
        # Qualify with the catalog: a file called demo.duckdb would make "demo" ambiguous.
        catalog = _quote(_run(con, "select current_database()")[0][0])
        con.begin()
        _run(con, f"create schema if not exists {catalog}.{SCHEMA}")
        for table, build, columns, prefix in builders:
            target = f"{catalog}.{table}"
            counts[table] = _load(con, target, build(), columns, prefix)
        con.commit()
    return counts


# --- command line ---------------------------------------------------------------------
def _int_at_least(minimum: int) -> Callable[[str], int]:
    """Return an argparse type that accepts integers >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            message = f"expected an integer, got {text!r}"
            raise argparse.ArgumentTypeError(message) from None
        if value < minimum:
            message = f"must be an integer >= {minimum}, got {value}"
            raise argparse.ArgumentTypeError(message)
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    """Build the command-line parser."""
    parser = argparse.ArgumentParser(
        description=(
            "Write deterministic demo prediction logs for two models into DuckDB "
            f"({CREDIT_TABLE}, {CHURN_TABLE}, {VALIDATION_TABLE}). "
            "Existing demo tables are replaced."
        ),
    )
    parser.add_argument(
        "--db",
        required=True,
        metavar="PATH",
        help="DuckDB file to write, e.g. data/modelwatch.duckdb",
    )
    parser.add_argument(
        "--seed",
        type=_int_at_least(0),
        default=DEFAULT_SEED,
        metavar="INT",
        help="random seed (default: %(default)s)",
    )
    parser.add_argument(
        "--rows-per-batch",
        type=_int_at_least(1),
        default=DEFAULT_ROWS_PER_BATCH,
        metavar="N",
        help="rows per model per week (default: %(default)s)",
    )
    parser.add_argument(
        "--batches",
        type=_int_at_least(1),
        default=DEFAULT_BATCHES,
        metavar="N",
        help="number of weekly monitoring batches (default: %(default)s)",
    )
    parser.add_argument(
        "--reference-weeks",
        type=_int_at_least(1),
        default=DEFAULT_REFERENCE_WEEKS,
        metavar="N",
        help="weeks in the credit model's reference period (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        counts = generate(
            args.db,
            seed=args.seed,
            rows_per_batch=args.rows_per_batch,
            n_batches=args.batches,
            reference_weeks=args.reference_weeks,
        )
    except ValueError as exc:
        parser.error(str(exc))
    except duckdb.Error as exc:
        print(f"error: could not write {args.db}: {exc}", file=sys.stderr)
        return 1
    for table, count in counts.items():
        print(f"{table}: {count} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
