"""Tests for scripts/demo_data.py, the deterministic demo prediction-log generator."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import demo_data
from demo_data import INJECTED_DRIFTS, generate

SCRIPTS = Path(demo_data.__file__).resolve().parent
ROWS = 2000
BATCHES = 16
REFERENCE_WEEKS = 8
CREDIT = "demo.credit_default_predictions"
CHURN = "demo.churn_predictions"
VALIDATION = "demo.churn_validation_sample"
MONITORING_START = date(2026, 3, 2)

CREDIT_TYPES = [
    ("prediction_id", "VARCHAR"),
    ("scored_at", "TIMESTAMP"),
    ("model_version", "VARCHAR"),
    ("income", "DOUBLE"),
    ("debt_to_income", "DOUBLE"),
    ("credit_utilisation", "DOUBLE"),
    ("open_accounts", "INTEGER"),
    ("months_since_delinquency", "INTEGER"),
    ("employment_type", "VARCHAR"),
    ("region", "VARCHAR"),
    ("default_probability", "DOUBLE"),
]
CHURN_TYPES = [
    ("prediction_id", "VARCHAR"),
    ("predicted_at", "TIMESTAMP"),
    ("model_version", "VARCHAR"),
    ("tenure_months", "INTEGER"),
    ("monthly_charges", "DOUBLE"),
    ("support_tickets", "INTEGER"),
    ("contract_type", "VARCHAR"),
    ("payment_method", "VARCHAR"),
    ("churn_probability", "DOUBLE"),
]


def _week_sql(column: str) -> str:
    """Return SQL for the 1-based monitoring week of ``column`` (reference weeks <= 0)."""
    days = f"date_diff('day', DATE '{MONITORING_START}', cast({column} as date))"
    return f"cast(floor({days} / 7) as integer) + 1"


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    """Run ``sql`` and fetch all rows."""
    return con.execute(sql).fetchall()


def _drift(model_id: str, feature: str) -> dict[str, Any]:
    """Return the single INJECTED_DRIFTS entry for ``model_id`` and ``feature``."""
    key = (model_id, feature)
    matches = [d for d in INJECTED_DRIFTS if (d["model_id"], d["feature"]) == key]
    assert len(matches) == 1
    return matches[0]


def _checksum(db_path: Path) -> list[tuple[Any, ...]]:
    """Order-independent content fingerprint of every demo table."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return [
            _rows(
                con,
                f"select count(*), md5(string_agg(t::varchar, '|' order by prediction_id)) "
                f"from {table} t",
            )[0]
            for table in (CREDIT, CHURN, VALIDATION)
        ]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a read-only connection to a demo database generated at a small size."""
    path = tmp_path_factory.mktemp("demo") / "modelwatch.duckdb"
    counts = generate(
        str(path),
        rows_per_batch=ROWS,
        n_batches=BATCHES,
        reference_weeks=REFERENCE_WEEKS,
    )
    assert counts == {
        CREDIT: ROWS * (BATCHES + REFERENCE_WEEKS),
        CHURN: ROWS * BATCHES,
        VALIDATION: 20_000,
    }
    with duckdb.connect(str(path), read_only=True) as con:
        yield con


# --- determinism ----------------------------------------------------------------------
def test_same_seed_is_identical_and_other_seed_differs(tmp_path: Path) -> None:
    """Two runs with one seed give identical tables; another seed gives other data."""
    kwargs = {"rows_per_batch": 150, "n_batches": 3, "reference_weeks": 2}
    paths = [tmp_path / name for name in ("a.duckdb", "b.duckdb", "c.duckdb")]
    generate(str(paths[0]), seed=7, **kwargs)
    generate(str(paths[1]), seed=7, **kwargs)
    generate(str(paths[2]), seed=8, **kwargs)
    first = _checksum(paths[0])
    assert first == _checksum(paths[1])
    other = _checksum(paths[2])
    assert [row[0] for row in other] == [row[0] for row in first]
    assert all(a[1] != b[1] for a, b in zip(first, other, strict=True))


def test_rerun_replaces_tables(tmp_path: Path) -> None:
    """Generating into an existing file replaces the tables instead of appending."""
    path = tmp_path / "modelwatch.duckdb"
    generate(str(path), rows_per_batch=100, n_batches=2, reference_weeks=1)
    before = _checksum(path)
    counts = generate(str(path), rows_per_batch=100, n_batches=2, reference_weeks=1)
    assert _checksum(path) == before
    assert counts[CREDIT] == 300


def test_week_data_does_not_depend_on_run_length(tmp_path: Path) -> None:
    """Each week has its own random stream: more batches leave earlier weeks unchanged."""
    short, long = tmp_path / "short.duckdb", tmp_path / "long.duckdb"
    generate(str(short), rows_per_batch=100, n_batches=2, reference_weeks=2)
    generate(str(long), rows_per_batch=100, n_batches=4, reference_weeks=2)
    sql = (
        "select md5(string_agg(s::varchar, '|' order by scored_at, income)) from "
        f"(select * exclude (prediction_id) from {CREDIT} "
        "where scored_at < TIMESTAMP '2026-02-02') s"  # 2 reference + 2 monitoring weeks
    )
    with (
        duckdb.connect(str(short), read_only=True) as a,
        duckdb.connect(str(long), read_only=True) as b,
    ):
        assert _rows(a, sql) == _rows(b, sql)


# --- shape ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("table", "expected"),
    [(CREDIT, CREDIT_TYPES), (CHURN, CHURN_TYPES), (VALIDATION, CHURN_TYPES)],
)
def test_columns_and_types(
    db: duckdb.DuckDBPyConnection, table: str, expected: list[tuple[str, str]]
) -> None:
    """Column names, order and DuckDB types are exactly as documented."""
    schema, name = table.split(".")
    rows = _rows(
        db,
        "select column_name, data_type from information_schema.columns "
        f"where table_schema = '{schema}' and table_name = '{name}' order by ordinal_position",
    )
    assert rows == expected


@pytest.mark.parametrize(
    ("table", "prefix"),
    [(CREDIT, "cd"), (CHURN, "ch"), (VALIDATION, "cv")],
)
def test_prediction_ids_unique(
    db: duckdb.DuckDBPyConnection,
    table: str,
    prefix: str,
) -> None:
    """Prediction ids are unique, non-null and look like '<prefix>-000000123'."""
    total, distinct, well_formed = _rows(
        db,
        f"select count(*), count(distinct prediction_id), "
        f"count(*) filter (where regexp_full_match(prediction_id, '{prefix}-[0-9]{{9}}')) "
        f"from {table}",
    )[0]
    assert total == distinct == well_formed


@pytest.mark.parametrize(
    ("table", "column", "first_monday", "n_weeks"),
    [
        (CREDIT, "scored_at", date(2026, 1, 5), BATCHES + REFERENCE_WEEKS),
        (CHURN, "predicted_at", MONITORING_START, BATCHES),
    ],
)
def test_weekly_batches_start_on_monday(
    db: duckdb.DuckDBPyConnection,
    table: str,
    column: str,
    first_monday: date,
    n_weeks: int,
) -> None:
    """Every week (starting Mondays, no gaps) holds exactly rows_per_batch rows."""
    rows = _rows(
        db,
        f"select cast(date_trunc('week', {column}) as date) as week, count(*) "
        f"from {table} group by all order by week",
    )
    expected = [(first_monday + timedelta(weeks=i), ROWS) for i in range(n_weeks)]
    assert rows == expected
    assert all(week.isoweekday() == 1 for week, _ in rows)


def test_timestamps_have_second_precision(db: duckdb.DuckDBPyConnection) -> None:
    """Timestamps carry whole seconds only."""
    for table, column in ((CREDIT, "scored_at"), (CHURN, "predicted_at")):
        sql = f"select count(*) from {table} where epoch_us({column}) % 1000000"
        sub_second = _rows(db, sql)
        assert sub_second == [(0,)]


def test_credit_reference_period_layout(db: duckdb.DuckDBPyConnection) -> None:
    """The reference period is the reference_weeks weeks before monitoring week 1."""
    first, last, n = _rows(
        db,
        f"select min(scored_at), max(scored_at), count(*) from {CREDIT} "
        f"where scored_at < TIMESTAMP '{MONITORING_START}'",
    )[0]
    assert first >= datetime(2026, 1, 5)
    assert last < datetime(2026, 3, 2)
    assert n == ROWS * REFERENCE_WEEKS


def test_validation_sample(db: duckdb.DuckDBPyConnection) -> None:
    """The validation sample has a fixed timestamp, version 2.4 and 20,000 rows."""
    sql = f"select distinct predicted_at, model_version from {VALIDATION}"
    assert _rows(db, sql) == [(datetime(2025, 12, 15), "2.4")]
    assert _rows(db, f"select distinct model_version from {CHURN}") == [("2.4",)]


# --- value ranges and stationary shape ------------------------------------------------
def test_credit_value_ranges(db: duckdb.DuckDBPyConnection) -> None:
    """Numeric credit features stay inside their documented ranges."""
    row = _rows(
        db,
        f"""
        select
            min(income) > 0,
            min(debt_to_income) >= 0 and max(debt_to_income) <= 1.5,
            min(credit_utilisation) >= 0 and max(credit_utilisation) <= 1,
            min(open_accounts) >= 0 and max(open_accounts) <= 30,
            min(months_since_delinquency) >= 1 and max(months_since_delinquency) <= 120,
            min(default_probability) > 0 and max(default_probability) < 1,
            bool_and(round(income, 2) = income and round(debt_to_income, 3) = debt_to_income),
            bool_and(round(credit_utilisation, 3) = credit_utilisation)
        from {CREDIT}
        """,
    )[0]
    assert all(row)


def test_credit_stationary_shape(db: duckdb.DuckDBPyConnection) -> None:
    """Null share, point mass at zero, category levels and mean score as specified."""
    null_share, zero_share, mean_score, median_income = _rows(
        db,
        f"""
        select
            avg((months_since_delinquency is null)::int),
            avg((credit_utilisation = 0)::int),
            avg(default_probability),
            median(income)
        from {CREDIT} where scored_at < TIMESTAMP '{MONITORING_START}'
        """,
    )[0]
    assert null_share == pytest.approx(0.55, abs=0.02)
    assert zero_share == pytest.approx(0.08, abs=0.015)
    assert mean_score == pytest.approx(0.08, abs=0.015)
    assert median_income == pytest.approx(52_000, rel=0.03)
    sql = f"select employment_type, count(*) from {CREDIT} group by all"
    employment = dict(_rows(db, sql))
    shares = {k: v / sum(employment.values()) for k, v in employment.items()}
    expected = {
        "salaried": 0.60,
        "self_employed": 0.20,
        "contractor": 0.12,
        "unemployed": 0.05,
        "retired": 0.03,
    }
    assert shares == pytest.approx(expected, abs=0.015)


def test_churn_value_ranges_and_levels(db: duckdb.DuckDBPyConnection) -> None:
    """Churn features stay in range and categorical levels have the documented shares."""
    row = _rows(
        db,
        f"""
        select
            min(tenure_months) >= 0 and max(tenure_months) <= 72,
            min(monthly_charges) >= 18 and max(monthly_charges) <= 120,
            min(support_tickets) >= 0,
            min(churn_probability) > 0 and max(churn_probability) < 1,
            avg(support_tickets) between 1.1 and 1.3
        from {VALIDATION}
        """,
    )[0]
    assert all(row)
    share = "select {}, count(*) / 20000 from " + VALIDATION + " group by all"
    contract = dict(_rows(db, share.format("contract_type")))
    expected = dict(zip(demo_data.CONTRACT_LEVELS, (0.55, 0.25, 0.20), strict=True))
    assert contract == pytest.approx(expected, abs=0.015)
    payment = dict(_rows(db, share.format("payment_method")))
    shares = (0.40, 0.35, 0.15, 0.10)
    expected = dict(zip(demo_data.PAYMENT_LEVELS, shares, strict=True))
    assert payment == pytest.approx(expected, abs=0.015)


# --- injected drifts ------------------------------------------------------------------
def test_injected_drifts_metadata() -> None:
    """INJECTED_DRIFTS is well formed and lists the default-run weeks."""
    keys = {"model_id", "feature", "kind", "weeks", "description"}
    for drift in INJECTED_DRIFTS:
        assert set(drift) == keys
        assert drift["weeks"] == sorted(drift["weeks"])
        assert all(1 <= week <= BATCHES for week in drift["weeks"])
    assert _drift("credit_default", "income")["weeks"] == list(range(9, 17))
    assert _drift("credit_default", "region")["weeks"] == [6, 7]
    assert _drift("credit_default", "debt_to_income")["weeks"] == [13]
    assert _drift("subscriber_churn", "monthly_charges")["weeks"] == list(range(11, 17))
    assert demo_data.injected_drifts(10)[0]["weeks"] == [9, 10]


def test_income_shift(db: duckdb.DuckDBPyConnection) -> None:
    """Mean log-income falls by 0.15 * (week - 8) reference sds in the drift weeks only."""
    mean_ref, sd_ref = _rows(
        db,
        f"select avg(ln(income)), stddev(ln(income)) from {CREDIT} "
        f"where scored_at < TIMESTAMP '{MONITORING_START}'",
    )[0]
    weekly = _rows(
        db,
        f"select {_week_sql('scored_at')} as week, avg(ln(income)) from {CREDIT} "
        "where week >= 1 group by all order by week",
    )
    drift_weeks = _drift("credit_default", "income")["weeks"]
    for week, mean in weekly:
        shift_sd = (mean_ref - mean) / sd_ref
        expected = 0.15 * (week - 8) if week in drift_weeks else 0.0
        assert shift_sd == pytest.approx(expected, abs=0.08), week
    assert (mean_ref - weekly[15][1]) / sd_ref == pytest.approx(1.2, abs=0.08)


def test_default_score_follows_income(db: duckdb.DuckDBPyConnection) -> None:
    """The default probability rises with the income shift."""
    scores = dict(
        _rows(
            db,
            f"select {_week_sql('scored_at')} as week, avg(default_probability) "
            f"from {CREDIT} group by all",
        )
    )
    reference = sum(scores[w] for w in range(1 - REFERENCE_WEEKS, 1)) / REFERENCE_WEEKS
    assert scores[16] > reference + 0.03
    assert scores[1] == pytest.approx(reference, abs=0.01)


def test_debt_to_income_null_only_in_fault_week(db: duckdb.DuckDBPyConnection) -> None:
    """debt_to_income is NULL for every row of the fault week and nowhere else."""
    fault_weeks = _drift("credit_default", "debt_to_income")["weeks"]
    nulls = _rows(
        db,
        f"select {_week_sql('scored_at')} as week, count(*) filter (where debt_to_income is null) "
        f"from {CREDIT} group by all order by week",
    )
    assert len(nulls) == BATCHES + REFERENCE_WEEKS
    for week, n_null in nulls:
        assert n_null == (ROWS if week in fault_weeks else 0), week


def test_region_mix_change(db: duckdb.DuckDBPyConnection) -> None:
    """The campaign weeks have the campaign mix; all other weeks have the normal mix."""
    campaign_weeks = _drift("credit_default", "region")["weeks"]
    levels = ("north", "south", "east", "west", "central")
    normal = dict(zip(levels, (0.30, 0.25, 0.20, 0.15, 0.10), strict=True))
    campaign = dict(zip(levels, (0.10, 0.15, 0.15, 0.20, 0.40), strict=True))
    rows = _rows(
        db,
        f"select {_week_sql('scored_at')} as week, region, count(*) / {ROWS} "
        f"from {CREDIT} group by all",
    )
    shares: dict[int, dict[str, float]] = {}
    for week, region, share in rows:
        shares.setdefault(week, {})[region] = share
    for week, mix in shares.items():
        expected = campaign if week in campaign_weeks else normal
        assert mix == pytest.approx(expected, abs=0.035), week


def test_model_version_deployment(db: duckdb.DuckDBPyConnection) -> None:
    """v3.2.0 is deployed from week 15 on, v3.1.0 before."""
    new_weeks = _drift("credit_default", "model_version")["weeks"]
    assert new_weeks == [15, 16]
    rows = _rows(
        db,
        f"select {_week_sql('scored_at')} as week, list(distinct model_version) "
        f"from {CREDIT} group by all",
    )
    for week, versions in rows:
        assert versions == (["v3.2.0"] if week in new_weeks else ["v3.1.0"]), week


def test_monthly_charges_price_rise(db: duckdb.DuckDBPyConnection) -> None:
    """Monthly charges jump by about 25% from the price-rise week on; the score follows."""
    rise_weeks = _drift("subscriber_churn", "monthly_charges")["weeks"]
    weekly = _rows(
        db,
        f"select {_week_sql('predicted_at')} as week, avg(monthly_charges), "
        f"avg(churn_probability) from {CHURN} group by all order by week",
    )
    baseline, baseline_score = _rows(
        db, f"select avg(monthly_charges), avg(churn_probability) from {VALIDATION}"
    )[0]
    for week, charges, score in weekly:
        if week in rise_weeks:
            assert charges / baseline == pytest.approx(1.25, abs=0.03), week
            assert score > baseline_score + 0.02, week
        else:
            assert charges / baseline == pytest.approx(1.0, abs=0.03), week
            assert score == pytest.approx(baseline_score, abs=0.015), week


# --- arguments and command line -------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [{"rows_per_batch": 0}, {"n_batches": 0}, {"reference_weeks": 0}, {"seed": -1}],
)
def test_generate_rejects_bad_arguments(tmp_path: Path, kwargs: dict[str, int]) -> None:
    """Bad sizes raise ValueError before anything is written."""
    path = tmp_path / "x.duckdb"
    with pytest.raises(ValueError, match="must be >= "):
        generate(str(path), **kwargs)
    assert not path.exists()


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the generator CLI with ``args``."""
    return subprocess.run(
        [sys.executable, str(SCRIPTS / "demo_data.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        timeout=120,
    )


def test_cli_help(tmp_path: Path) -> None:
    """--help exits 0 and documents the options."""
    result = _cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    options = ("--db", "--seed", "--rows-per-batch", "--batches", "--reference-weeks")
    assert all(option in result.stdout for option in options)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rows-per-batch", "0"], "--rows-per-batch"),
        (["--batches", "many"], "--batches"),
        (["--reference-weeks", "-1"], "--reference-weeks"),
        ([], "--db"),
    ],
)
def test_cli_bad_arguments_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    """Bad arguments exit with status 2 and name the offending option (in-process)."""
    db_args = [] if not args else ["--db", str(tmp_path / "x.duckdb")]
    with pytest.raises(SystemExit) as exit_info:
        demo_data.main([*db_args, *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.duckdb").exists()


def test_cli_bad_argument_subprocess(tmp_path: Path) -> None:
    """Run as a script, a bad argument exits 2 with a clear message."""
    db_path = str(tmp_path / "x.duckdb")
    result = _cli("--db", db_path, "--rows-per-batch", "0", cwd=tmp_path)
    assert result.returncode == 2
    assert "--rows-per-batch: must be an integer >= 1, got 0" in result.stderr


def test_cli_writes_tables_and_prints_counts(tmp_path: Path) -> None:
    """The CLI creates missing directories and prints one line per table."""
    path = tmp_path / "data" / "modelwatch.duckdb"
    sizes = ["--rows-per-batch", "50", "--batches", "2", "--reference-weeks", "1"]
    result = _cli("--db", str(path), *sizes, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{CREDIT}: 150 rows",
        f"{CHURN}: 100 rows",
        f"{VALIDATION}: 20000 rows",
    ]
    assert path.exists()
