"""Benchmark modelwatch on synthetic prediction logs and print the figures the README quotes.

Four measurements, each on a throwaway copy of the project (no demo registry) with its own
registry YAML and DuckDB file, dbt run in a subprocess as a user would:

1. Full build, 1M vs 1M: a log with a 1,000,000-row reference window and one 1,000,000-row
   weekly batch, 25 features (20 numeric, 5 categorical) plus the score. Wall time of the
   whole `dbt build`, the sum of node execution times (target/run_results.json), the three
   slowest nodes and the peak memory of the dbt process.
2. One incremental batch with 10 and with 50 batches already stored: the history is built
   first (not timed), then one new week is appended and the incremental `dbt build` timed.
3. A plain DuckDB baseline on the data of (1): PSI (10 quantile bins) and exact KS of the 21
   numeric columns and PSI of the 5 categorical ones in one hand-written SQL statement, run
   in a child process so that its peak memory is its own.

4. The fleet (`--scenario fleet`, issue #4): 50 models in 5 business units, 10-40 features
   each, weekly batches of 20,000 rows per model. One new week added to all models is timed
   with 13, 26 and 52 weeks stored, then the full build (`dbt build --full-refresh` of every
   week); the compiled value-count and batch-size models are run under EXPLAIN ANALYZE to
   count the scans of each log (decision 0017).

Peak memory is the child process's maximum resident set size as returned by os.wait4() for
that one child (the same counter as resource.getrusage(RUSAGE_CHILDREN).ru_maxrss, but per
child: RUSAGE_CHILDREN is a high-water mark over every child reaped so far, so a second dbt
run would report the first one's peak). Data generation runs inside DuckDB (range() and a
seeded hash, so it is deterministic whatever the thread count) and is timed separately.

    .venv/bin/python scripts/bench.py                 # everything (both scenarios)
    .venv/bin/python scripts/bench.py --scenario single   # 1-3: ~8 minutes on 2 cores
    .venv/bin/python scripts/bench.py --scenario fleet --weeks 4 --rows 2000   # small fleet
    .venv/bin/python scripts/bench.py --rows 200000 --stored 2,5 --skip-baseline
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

PROJECT = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).parent / "dbt"
# What a user's project has: everything but the demo's registry and the build output
# (the same list as tests/conftest.py).
COPIED = ["dbt_project.yml", "profiles.yml", "macros", "models", "analyses", "seeds", "tests/dbt"]

SEED = 20260105
LOG_TABLE = "predictions"
LOG_SCHEMA = "raw"
WEEK = timedelta(days=7)
# The full build: a four-week reference window, then the batch week.
FULL_REFERENCE_START = datetime(2026, 1, 5)
FULL_REFERENCE_WEEKS = 4
# The incremental runs: a two-week reference window, then one batch per week.
INCREMENTAL_REFERENCE_START = datetime(2026, 1, 5)
INCREMENTAL_REFERENCE_WEEKS = 2
PSI_BINS = 10
PSI_EPSILON = 0.0001
FULL_BATCH_SHIFT = 0.05
# At most this many weeks of history are appended and computed per (untimed) dbt run before a
# timed incremental build: each batch's KS statistic works through the whole reference
# distribution, and one run backfilling dozens of batches got slower than linearly.
HISTORY_CHUNK = 8


# --- the synthetic log -------------------------------------------------------------------


def _uniform(key: int) -> str:
    """SQL for a uniform draw in (0, 1) for row `i`, stream `key`: a seeded 64-bit hash."""
    return f"((hash(i, {key}, {SEED}) >> 11)::double + 0.5) * {2.0**-53!r}"


def _normal(key: int) -> str:
    """SQL for a standard normal draw (Box-Muller on two uniform streams)."""
    return f"(sqrt(-2 * ln({_uniform(key)})) * cos(2 * pi() * {_uniform(key + 1000)}))"


# (column, SQL type, SQL expression of row i and the segment's `shift`).
# 20 numeric features: 10 doubles (one with ~30% nulls, one rounded to cents) and 10 integers
# with heavy ties; 5 categorical with 3 to 30 levels; plus the score. `{shift}` is 0 except in
# the full build's batch (FULL_BATCH_SHIFT), which drifts a little.
NUMERIC_FEATURES = [
    ("income", "double", "exp(10.5 + 0.6 * {z1} + {shift})"),
    ("debt_to_income", "double", "{z1} + 2 * {shift}"),
    ("credit_score_raw", "double", "650 + 80 * {z1}"),
    ("utilisation", "double", "pow({u1}, 1 + {shift})"),
    ("transaction_gap_hours", "double", "-ln({u1}) * 3"),
    ("balance_ratio", "double", "{u1} * {u2}"),
    ("spend_30d", "double", "-ln({u1}) * 40 - ln({u2}) * 40"),
    (
        "months_since_delinquency",
        "double",
        "case when {u1} < 0.3 + {shift} then null else exp(2 + 0.8 * {z2}) end",
    ),
    ("residual", "double", "pow({z1}, 3)"),
    ("interest_rate", "double", "round(20 * {u1}, 2)"),
    ("age", "integer", "18 + floor(72 * {u1})"),
    ("open_accounts", "integer", "floor(-ln({u1}) * 2)"),
    ("has_mortgage", "integer", "case when {u1} < 0.2 then 1 else 0 end"),
    ("months_employed", "integer", "floor(120 * pow({u1}, 2))"),
    ("app_rating", "integer", "1 + floor(5 * pow({u1}, 0.5))"),
    ("postcode_rank", "integer", "floor(1000 * {u1})"),
    ("days_past_due", "integer", "floor(-ln({u1}) * 50)"),
    ("tenure_months", "integer", "floor(abs({z1}) * 24)"),
    ("days_since_login", "integer", "floor(365 * {u1})"),
    ("dependents", "integer", "least(6, floor(-ln({u1}) * 1.2))"),
]
CATEGORICAL_FEATURES = [
    ("channel", 3),
    ("employment_type", 5),
    ("product", 8),
    ("region", 12),
    ("merchant_group", 30),
]
SCORE = ("default_probability", "double", "1 / (1 + exp(-(0.8 * {z1} + 0.3 * {z2} - 1.5)))")


def _feature_sql(index: int, template: str) -> str:
    """A feature's expression with its own random streams."""
    key = 10 * (index + 1)
    return template.format(
        u1=_uniform(key),
        u2=_uniform(key + 1),
        z1=_normal(key + 2),
        z2=_normal(key + 3),
        shift="shift",
    )


def _select_list() -> list[str]:
    """The log's columns as SQL over range() row `i`, segment start `t0`, `span_us`, `n`."""
    columns = [
        "i as prediction_id",
        "t0 + to_microseconds(((i - first_id) * span_us) // n) as scored_at",
    ]
    name, sql_type, template = SCORE
    columns.append(f"cast({_feature_sql(0, template)} as {sql_type}) as {name}")
    for index, (name, sql_type, template) in enumerate(NUMERIC_FEATURES, start=1):
        columns.append(f"cast({_feature_sql(index, template)} as {sql_type}) as {name}")
    offset = len(NUMERIC_FEATURES) + 1
    for index, (name, levels) in enumerate(CATEGORICAL_FEATURES, start=offset):
        draw = _uniform(10 * (index + 1))
        # skewed levels; the batch's shift flattens the skew a little
        level = f"least({levels - 1}, floor({levels} * pow({draw}, 1.7 - shift)))"
        label = f"lpad(cast(cast({level} as integer) as varchar), 2, '0')"
        columns.append(f"'{name}_' || {label} as {name}")
    return columns


def create_log(con: duckdb.DuckDBPyConnection) -> None:
    """An empty prediction log table."""
    con.execute(f"create schema if not exists {LOG_SCHEMA}")
    con.execute(f"drop table if exists {LOG_SCHEMA}.{LOG_TABLE}")
    probe = (
        "select 0::bigint as first_id, 1::bigint as n, 1::bigint as span_us, "
        "timestamp '2026-01-01' as t0, 0.0::double as shift"
    )
    con.execute(
        f"create table {LOG_SCHEMA}.{LOG_TABLE} as "
        f"select {', '.join(_select_list())} from ({probe}) as p, range(0) as r(i)"
    )


def append_rows(
    con: duckdb.DuckDBPyConnection,
    first_id: int,
    rows: int,
    start: datetime,
    end: datetime,
    shift: float = 0.0,
) -> None:
    """Append `rows` predictions with ids from `first_id`, spread evenly over [start, end)."""
    span_us = int((end - start) / timedelta(microseconds=1))
    params = (
        f"select {first_id}::bigint as first_id, {rows}::bigint as n, "
        f"{span_us}::bigint as span_us, timestamp '{start:%Y-%m-%d %H:%M:%S}' as t0, "
        f"{shift!r}::double as shift"
    )
    con.execute(
        f"insert into {LOG_SCHEMA}.{LOG_TABLE} "
        f"select {', '.join(_select_list())} "
        f"from ({params}) as p, range({first_id}, {first_id + rows}) as r(i)"
    )


def registry_yaml(
    reference_start: datetime, reference_end: datetime, ecdf_method: str = "lookup"
) -> str:
    """The benchmark's registry: one monitored model on raw.predictions."""
    features = [f"{{name: {name}, kind: numeric}}" for name, _, _ in NUMERIC_FEATURES]
    features += [f"{{name: {name}, kind: categorical}}" for name, _ in CATEGORICAL_FEATURES]
    window = f'{{start: "{reference_start:%Y-%m-%d}", end: "{reference_end:%Y-%m-%d}"}}'
    lines = [
        "sources:",
        "  - name: bench",
        f"    schema: {LOG_SCHEMA}",
        "    tables:",
        f"      - name: {LOG_TABLE}",
        "        config:",
        "          meta:",
        "            modelwatch:",
        "              model_id: bench_model",
        "              owner: bench@modelwatch.example",
        "              business_unit: benchmarks",
        "              timestamp_column: scored_at",
        "              batch: {grain: week}",
        "              prediction_id_column: prediction_id",
        f"              score_column: {SCORE[0]}",
        f"              ecdf_method: {ecdf_method}",
        f"              reference: {{window: {window}}}",
        "              features:",
        *(f"                - {feature}" for feature in features),
        "        data_tests:",
        "          - no_feature_drift",
    ]
    return "\n".join(lines) + "\n"


# --- the fleet: 50 models in 5 business units (issue #4) --------------------------------

FLEET_BUSINESS_UNITS = ["retail_credit", "cards", "payments", "insurance", "marketing"]
FLEET_REFERENCE_START = datetime(2025, 1, 6)  # a Monday: weekly batches start on Mondays
FLEET_REFERENCE_WEEKS = 2


@dataclass
class FleetModel:
    """One model of the fleet: its log table and its features (name, kind, SQL template)."""

    index: int
    features: list[tuple[str, str, str]]

    @property
    def model_id(self) -> str:
        return f"fleet_{self.index:02d}"

    @property
    def business_unit(self) -> str:
        return FLEET_BUSINESS_UNITS[self.index % len(FLEET_BUSINESS_UNITS)]


def fleet_models(count: int) -> list[FleetModel]:
    """`count` models with 10 to 40 features each (about one in five categorical), drawn from
    the benchmark's feature catalogue; every model has its own random streams."""
    models = []
    for index in range(count):
        width = 10 + (index * 7) % 31  # 10, 17, 24, 31, 38, 14, … : 10 to 40
        features = []
        for j in range(width):
            suffix = f"_{j // 20}" if j >= 20 else ""
            if j % 5 == 4:
                name, levels = CATEGORICAL_FEATURES[(j // 5) % len(CATEGORICAL_FEATURES)]
                features.append((f"{name}{suffix}_{j}", "categorical", str(levels)))
            else:
                name, sql_type, template = NUMERIC_FEATURES[j % len(NUMERIC_FEATURES)]
                features.append((f"{name}{suffix}", sql_type, template))
        models.append(FleetModel(index, features))
    return models


def _fleet_select_list(model: FleetModel) -> list[str]:
    """A fleet model's log columns as SQL over range() row `i` (as _select_list)."""
    base = 1000 * (model.index + 1)
    columns = [
        "i as prediction_id",
        "t0 + to_microseconds(((i - first_id) * span_us) // n) as scored_at",
    ]
    name, sql_type, template = SCORE
    columns.append(f"cast({_feature_sql(base, template)} as {sql_type}) as {name}")
    for j, (name, kind, template) in enumerate(model.features, start=1):
        if kind == "categorical":
            levels = int(template)
            draw = _uniform(10 * (base + j + 1))
            level = f"least({levels - 1}, floor({levels} * pow({draw}, 1.7 - shift)))"
            label = f"lpad(cast(cast({level} as integer) as varchar), 2, '0')"
            columns.append(f"'{name}_' || {label} as {name}")
        else:
            columns.append(f"cast({_feature_sql(base + j, template)} as {kind}) as {name}")
    return columns


def append_fleet_rows(
    con: duckdb.DuckDBPyConnection,
    model: FleetModel,
    first_id: int,
    rows: int,
    start: datetime,
    end: datetime,
    create: bool = False,
) -> None:
    """Append `rows` predictions of `model` spread over [start, end) (create the table first)."""
    table = f"{LOG_SCHEMA}.{model.model_id}"
    span_us = int((end - start) / timedelta(microseconds=1))
    params = (
        f"select {first_id}::bigint as first_id, {max(rows, 1)}::bigint as n, "
        f"{span_us}::bigint as span_us, timestamp '{start:%Y-%m-%d %H:%M:%S}' as t0, "
        f"0.0::double as shift"
    )
    body = (
        f"select {', '.join(_fleet_select_list(model))} "
        f"from ({params}) as p, range({first_id}, {first_id + rows}) as r(i)"
    )
    if create:
        con.execute(f"create schema if not exists {LOG_SCHEMA}")
        con.execute(f"create or replace table {table} as {body}")
    else:
        con.execute(f"insert into {table} {body}")


def fleet_registry_yaml(models: list[FleetModel]) -> dict[str, str]:
    """One sources YAML per business unit (file name -> text), as a user would split it."""
    window = (
        f'{{start: "{FLEET_REFERENCE_START:%Y-%m-%d}", '
        f'end: "{FLEET_REFERENCE_START + FLEET_REFERENCE_WEEKS * WEEK:%Y-%m-%d}"}}'
    )
    files = {}
    for unit in FLEET_BUSINESS_UNITS:
        lines = ["sources:", f"  - name: {unit}_logs", f"    schema: {LOG_SCHEMA}", "    tables:"]
        for model in (m for m in models if m.business_unit == unit):
            lines += [
                f"      - name: {model.model_id}",
                "        config:",
                "          meta:",
                "            modelwatch:",
                f"              model_id: {model.model_id}",
                f"              owner: {unit}-ml@bench.example",
                f"              business_unit: {unit}",
                "              timestamp_column: scored_at",
                "              batch: {grain: week}",
                "              prediction_id_column: prediction_id",
                f"              score_column: {SCORE[0]}",
                f"              reference: {{window: {window}}}",
                "              features:",
                *(
                    f"                - {{name: {name}, "
                    f"kind: {'categorical' if kind == 'categorical' else 'numeric'}}}"
                    for name, kind, _ in model.features
                ),
                "        data_tests:",
                "          - no_feature_drift",
            ]
        if len(lines) > 4:
            files[f"_{unit}__sources.yml"] = "\n".join(lines) + "\n"
    return files


def scans_per_log(project: BenchProject, model_name: str) -> dict[str, int]:
    """Run the compiled SQL of `model_name` (as the last dbt run compiled it) under EXPLAIN
    ANALYZE and count the table scans of each prediction log in the executed plan."""
    compiled = next((project.root / "target" / "compiled").rglob(f"{model_name}.sql"))
    with project.connect(read_only=True) as con:
        plan = "\n".join(
            row[1] for row in con.execute(f"explain analyze {compiled.read_text()}").fetchall()
        )
    counts: dict[str, int] = {}
    for table in re.findall(rf"Table: (?:\w+\.)?{LOG_SCHEMA}\.(\w+)", plan):
        counts[table] = counts.get(table, 0) + 1
    return counts


# --- running dbt ---------------------------------------------------------------------------


@dataclass
class Run:
    """One measured child process."""

    returncode: int
    wall_s: float
    max_rss_kib: int
    results: list[dict] = field(default_factory=list)
    invocation_id: str | None = None

    @property
    def node_seconds(self) -> float:
        return sum(r.get("execution_time") or 0.0 for r in self.results)

    def slowest(self, count: int = 3) -> list[tuple[str, float]]:
        ranked = sorted(self.results, key=lambda r: r.get("execution_time") or 0.0, reverse=True)
        return [(_node_name(r["unique_id"]), r["execution_time"]) for r in ranked[:count]]


def _node_name(unique_id: str) -> str:
    kind, _, name = unique_id.split(".", 2)
    name = name.split(".")[0]
    return name if kind == "model" else f"{kind}:{name[:40]}{'…' if len(name) > 40 else ''}"


def measure(cmd: list[str], cwd: Path, env: dict[str, str], log_path: Path) -> Run:
    """Run `cmd`, output to `log_path`; its wall time and its own peak RSS (os.wait4)."""
    with log_path.open("w") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(proc.returncode, wall, usage.ru_maxrss)


def copy_project(source_root: Path, root: Path) -> None:
    """Copy what a user's project has (no demo registry, no build output) to `root`."""
    ignore = shutil.ignore_patterns("__pycache__", "demo")
    for name in COPIED:
        source = source_root / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        elif source.exists():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)


class BenchProject:
    """A throwaway copy of modelwatch with the benchmark's registry and DuckDB file."""

    def __init__(self, snapshot: Path, root: Path, memory_limit: str | None = None) -> None:
        self.root = root
        self.db_path = root / "warehouse.duckdb"
        self.builds = 0
        copy_project(snapshot, root)
        if memory_limit:
            # what a user sets in their own profile: DuckDB's buffer pool, spilling beyond it
            with (root / "profiles.yml").open("a") as profile:
                profile.write(f"      settings:\n        memory_limit: '{memory_limit}'\n")

    def write_registry(self, yaml_text: str, name: str = "_bench__sources.yml") -> None:
        folder = self.root / "models/staging/bench"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(yaml_text)

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.db_path), read_only=read_only)

    def dbt(self, command: str, threads: int, *extra: str) -> Run:
        """`dbt <command>`, measured; exits the benchmark if a node broke."""
        self.builds += 1
        run_results = self.root / "target" / "run_results.json"
        run_results.unlink(missing_ok=True)
        env = {
            **os.environ,
            "MODELWATCH_DUCKDB_PATH": str(self.db_path),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        cmd = [str(DBT), command, "--threads", str(threads), *extra]
        cmd += ["--project-dir", str(self.root), "--profiles-dir", str(self.root)]
        log_path = self.root / f"dbt_{self.builds:02d}_{command}.log"
        run = measure(cmd, self.root, env, log_path)
        if run_results.exists():
            payload = json.loads(run_results.read_text())
            run.results = payload["results"]
            run.invocation_id = payload["metadata"].get("invocation_id")
        # A failing drift test (an alert) makes dbt exit 1; that is monitoring working, not a
        # broken benchmark. Any other failure, error or skipped node is.
        broken = [
            r["unique_id"]
            for r in run.results
            if r["status"] not in ("success", "pass", "warn")
            and not (r["status"] == "fail" and "no_feature_drift" in r["unique_id"])
        ]
        if not run.results or broken:
            tail = "\n".join(log_path.read_text().splitlines()[-40:])
            sys.exit(f"dbt {command} failed (exit {run.returncode}): {broken}\n{tail}")
        return run

    def batches_computed(self, invocation_id: str | None) -> int:
        with self.connect(read_only=True) as con:
            return con.execute(
                "select count(*) from fct_model_batch_status where dbt_invocation_id = ?",
                [invocation_id],
            ).fetchone()[0]


# --- the plain DuckDB baseline ----------------------------------------------------------


def baseline_sql(reference_start: datetime, reference_end: datetime, batch_end: datetime) -> str:
    """PSI (10 reference-quantile bins + a missing bin) and exact KS of every numeric column,
    PSI of every categorical column: one statement, one aggregation block per column."""
    ts = "timestamp '{:%Y-%m-%d %H:%M:%S}'"
    numeric = [SCORE[0]] + [name for name, _, _ in NUMERIC_FEATURES]
    categorical = [name for name, _ in CATEGORICAL_FEATURES]
    eps = PSI_EPSILON
    psi = (
        f"sum((greatest(b / b_all, {eps}) - greatest(r / r_all, {eps}))"
        f" * ln(greatest(b / b_all, {eps}) / greatest(r / r_all, {eps})))"
    )
    in_scope = f"scored_at >= {ts.format(reference_start)} and scored_at < {ts.format(batch_end)}"
    in_reference = f"scored_at < {ts.format(reference_end)}"
    ctes = []
    results = []
    for column in numeric + categorical:
        ctes.append(
            f"""{column}__counts as (
    select {column} as v,
        count(*) filter (where {in_reference}) as r,
        count(*) filter (where not {in_reference}) as b
    from {LOG_SCHEMA}.{LOG_TABLE}
    where {in_scope}
    group by {column}
)"""
        )
        ctes.append(
            f"""{column}__totals as (
    select sum(r) as r_all, sum(b) as b_all,
        sum(r) filter (where v is not null) as r_present,
        sum(b) filter (where v is not null) as b_present
    from {column}__counts
)"""
        )
        if column in categorical:
            results.append(
                f"""select '{column}' as column_name, 'categorical' as kind,
    (select {psi} from {column}__counts, {column}__totals) as psi,
    null::double as ks"""
            )
            continue
        ctes.append(
            f"""{column}__cumulated as (
    select v, r, b,
        sum(r) over w as cr,
        sum(b) over w as cb
    from {column}__counts
    where v is not null
    window w as (order by v rows between unbounded preceding and current row)
)"""
        )
        # a value's bin = how many reference i/10-quantiles (inverted CDF) lie below it
        ctes.append(
            f"""{column}__bins as (
    select bin, sum(r) as r, sum(b) as b from (
        select least({PSI_BINS - 1}, floor({PSI_BINS} * (cr - r) / r_present)) as bin, r, b
        from {column}__cumulated, {column}__totals
        union all
        select -1 as bin, r, b from {column}__counts where v is null
    ) as binned
    group by bin
)"""
        )
        results.append(
            f"""select '{column}' as column_name, 'numeric' as kind,
    (select {psi} from {column}__bins, {column}__totals) as psi,
    (select max(abs(cr / r_present - cb / b_present))
        from {column}__cumulated, {column}__totals) as ks"""
        )
    return "with\n" + ",\n".join(ctes) + "\n" + "\nunion all\n".join(results)


def run_baseline_child(db_path: str, sql_path: str) -> None:
    """In the child process: run the baseline statement, print its time and figures."""
    sql = Path(sql_path).read_text()
    con = duckdb.connect(db_path, read_only=True)
    started = time.perf_counter()
    rows = con.execute(sql).fetchall()
    elapsed = time.perf_counter() - started
    con.close()
    figures = {name: {"psi": psi, "ks": ks} for name, _, psi, ks in rows}
    print(json.dumps({"query_s": elapsed, "figures": figures}))


def run_baseline(project: BenchProject, sql: str) -> tuple[Run, dict]:
    sql_path = project.root / "baseline.sql"
    sql_path.write_text(sql)
    out_path = project.root / "baseline.out"
    cmd = [sys.executable, __file__, "--baseline-child", str(project.db_path), str(sql_path)]
    run = measure(cmd, project.root, dict(os.environ), out_path)
    if run.returncode != 0:
        sys.exit(f"baseline query failed:\n{out_path.read_text()[-3000:]}")
    return run, json.loads(out_path.read_text().strip().splitlines()[-1])


def compare_with_dbt(project: BenchProject, figures: dict) -> tuple[float, float]:
    """Largest |baseline - dbt| of PSI and of the KS statistic over all monitored columns."""
    with project.connect(read_only=True) as con:
        rows = con.execute(
            "select feature_name, metric_name, metric_value from fct_feature_drift "
            "where metric_name in ('psi', 'ks_statistic')"
        ).fetchall()
    psi_gap = ks_gap = 0.0
    for feature, metric, value in rows:
        mine = figures.get(feature, {}).get("psi" if metric == "psi" else "ks")
        if mine is None or value is None:
            continue
        if metric == "psi":
            psi_gap = max(psi_gap, abs(mine - value))
        else:
            ks_gap = max(ks_gap, abs(mine - value))
    return psi_gap, ks_gap


# --- reporting ---------------------------------------------------------------------------


def _gib(kib: int) -> str:
    return f"{kib / 1024**2:.2f} GiB"


def _slowest(run: Run) -> str:
    return "; ".join(f"{name} {seconds:.1f} s" for name, seconds in run.slowest())


WATCHED_NODES = ("int_ecdf_metrics_computed", "int_reference_ecdfs_computed")
"""Nodes whose own time every run prints, slow or not: KS and Wasserstein (decision 0021)."""


def _watched(run: Run) -> str:
    times = {_node_name(r["unique_id"]): r.get("execution_time") or 0.0 for r in run.results}
    shown = [f"{name} {times[name]:.1f} s" for name in WATCHED_NODES if name in times]
    return f"; load average {os.getloadavg()[0]:.2f}; " + "; ".join(shown)


def machine() -> str:
    cpus = len(os.sched_getaffinity(0))
    memory = "?"
    model = ""
    try:
        meminfo = Path("/proc/meminfo").read_text().split()
        memory = f"{int(meminfo[meminfo.index('MemTotal:') + 1]) / 1024**2:.1f} GiB"
        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
        model = next(line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line)
    except (OSError, ValueError, StopIteration):
        pass
    versions = ", ".join(
        f"{package} {importlib.metadata.version(package)}"
        for package in ("duckdb", "dbt-core", "dbt-duckdb")
    )
    return f"{cpus} CPUs{f' ({model})' if model else ''}, {memory} RAM; {versions}"


def project_state() -> str:
    """The commit the benchmarked tree is at, and whether it has uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "not a git checkout"
    if not commit:
        return "not a git checkout"
    return f"{commit}" + (f" + {len(changed)} uncommitted file(s)" if changed else "")


def say(message: str) -> None:
    print(message, flush=True)


# --- the scenarios -----------------------------------------------------------------------


def full_scenario(args: argparse.Namespace, root: Path, table: list[str]) -> None:
    rows = args.rows or 1_000_000
    reference_end = FULL_REFERENCE_START + FULL_REFERENCE_WEEKS * WEEK
    batch_end = reference_end + WEEK
    project = BenchProject(root / "snapshot", root / "full", args.memory_limit)
    project.write_registry(registry_yaml(FULL_REFERENCE_START, reference_end, args.ecdf_method))

    say(
        f"\n== Full build: {rows:,} reference rows vs {rows:,} batch rows, 25 features, "
        f"ecdf_method {args.ecdf_method}"
    )
    started = time.perf_counter()
    with project.connect() as con:
        create_log(con)
        append_rows(con, 0, rows, FULL_REFERENCE_START, reference_end)
        append_rows(con, rows, rows, reference_end, batch_end, shift=FULL_BATCH_SHIFT)
        con.execute("checkpoint")
    generated = time.perf_counter() - started
    say(f"   data generated in {generated:.1f} s (not counted)")
    data = f"{rows:,} + {rows:,} rows"

    if not args.skip_full:
        run = project.dbt("build", args.threads)
        say(
            f"   dbt build: wall {run.wall_s:.1f} s, nodes {run.node_seconds:.1f} s, "
            f"peak RSS {_gib(run.max_rss_kib)} (exit {run.returncode})"
        )
        say(f"   slowest: {_slowest(run)}{_watched(run)}")
        table.append(
            f"| Full build, 1 reference + 1 batch | {data} (gen {generated:.1f} s) "
            f"| {run.wall_s:.1f} s | {run.node_seconds:.1f} s | {_gib(run.max_rss_kib)} "
            f"| {_slowest(run)} |"
        )

    if not args.skip_baseline:
        say("\n== Plain DuckDB baseline: one SQL statement, same data")
        sql = baseline_sql(FULL_REFERENCE_START, reference_end, batch_end)
        run, output = run_baseline(project, sql)
        say(
            f"   query {output['query_s']:.1f} s (process wall {run.wall_s:.1f} s), "
            f"peak RSS {_gib(run.max_rss_kib)}"
        )
        agreement = ""
        if not args.skip_full:
            psi_gap, ks_gap = compare_with_dbt(project, output["figures"])
            agreement = f"max abs diff vs dbt: PSI {psi_gap:.1e}, KS {ks_gap:.1e}"
            say(f"   {agreement}")
        table.append(
            f"| DuckDB baseline, one SQL statement | {data} | {output['query_s']:.1f} s "
            f"(process {run.wall_s:.1f} s) | n/a | {_gib(run.max_rss_kib)} | {agreement} |"
        )


def incremental_scenario(args: argparse.Namespace, root: Path, table: list[str]) -> None:
    reference_rows = args.reference_rows
    batch_rows = args.batch_rows
    reference_end = INCREMENTAL_REFERENCE_START + INCREMENTAL_REFERENCE_WEEKS * WEEK
    project = BenchProject(root / "snapshot", root / "incremental", args.memory_limit)
    project.write_registry(
        registry_yaml(INCREMENTAL_REFERENCE_START, reference_end, args.ecdf_method)
    )

    say(
        f"\n== Incremental: {reference_rows:,} reference rows, weekly batches of "
        f"{batch_rows:,} rows; stored batches {args.stored}"
    )
    started = time.perf_counter()
    with project.connect() as con:
        create_log(con)
        append_rows(con, 0, reference_rows, INCREMENTAL_REFERENCE_START, reference_end)
    generated = time.perf_counter() - started
    next_id = reference_rows
    weeks = 0  # weeks in the log so far

    def add_weeks(count: int) -> float:
        nonlocal next_id, weeks
        began = time.perf_counter()
        start = reference_end + weeks * WEEK
        with project.connect() as con:
            append_rows(con, next_id, count * batch_rows, start, start + count * WEEK)
            con.execute("checkpoint")
        next_id += count * batch_rows
        weeks += count
        return time.perf_counter() - began

    for stored in sorted(set(args.stored)):
        if stored < weeks:
            say(f"   skipping {stored}: already {weeks} batches stored")
            continue
        # The history, not timed: `dbt run` (no tests) on a few weeks at a time, recomputing
        # no earlier batch (lookback 0), so that no run backfills dozens of batches at once.
        history_s = 0.0
        runs = math.ceil((stored - weeks) / HISTORY_CHUNK)
        for run_index in range(runs):
            generated += add_weeks((stored - weeks) // (runs - run_index))
            history_s += project.dbt(
                "run", args.threads, "--vars", "{modelwatch_lookback_batches: 0}"
            ).wall_s
        say(f"   history of {stored} batches: {runs} dbt run(s), {history_s:.1f} s (not timed)")
        generated += add_weeks(1)
        run = project.dbt("build", args.threads)
        recomputed = project.batches_computed(run.invocation_id)
        say(
            f"   +1 week with {stored} stored: wall {run.wall_s:.1f} s, nodes "
            f"{run.node_seconds:.1f} s, peak RSS {_gib(run.max_rss_kib)}, batches recomputed "
            f"{recomputed} (exit {run.returncode})"
        )
        say(f"   slowest: {_slowest(run)}{_watched(run)}")
        table.append(
            f"| Incremental, +1 batch, {stored} stored | {reference_rows:,} ref + "
            f"{stored + 1} x {batch_rows:,} rows, {recomputed} batches recomputed "
            f"| {run.wall_s:.1f} s | {run.node_seconds:.1f} s | {_gib(run.max_rss_kib)} "
            f"| {_slowest(run)} |"
        )
    say(f"   data generated in {generated:.1f} s in all (not counted)")


def fleet_scenario(args: argparse.Namespace, root: Path, table: list[str]) -> None:
    """Issue #4's scale: `--models` models in 5 business units, 10-40 features each, weekly
    batches of `--rows` rows. One new week is added to every model and timed with N/4, N/2 and
    N weeks stored (N = --weeks; 13, 26, 52 by default); the history in between is built
    untimed, at most HISTORY_CHUNK weeks per `dbt run`. Then the whole history is rebuilt with
    `dbt build --full-refresh` (the full build) and its wall time and peak memory taken. With
    --skip-incremental only the full build runs, on --weeks + 1 weeks of data."""
    rows = args.rows or 20_000
    models = fleet_models(args.models)
    checkpoints = sorted({max(1, args.weeks // 4), max(1, args.weeks // 2), args.weeks})
    features = sum(len(m.features) for m in models)
    reference_end = FLEET_REFERENCE_START + FLEET_REFERENCE_WEEKS * WEEK
    project = BenchProject(root / "snapshot", root / "fleet", args.memory_limit)
    for name, text in fleet_registry_yaml(models).items():
        project.write_registry(text, name)

    say(
        f"\n== Fleet: {len(models)} models in {len(FLEET_BUSINESS_UNITS)} business units, "
        f"{features} features in all ({min(len(m.features) for m in models)}-"
        f"{max(len(m.features) for m in models)} a model), {rows:,} rows a week, "
        f"+1 week timed at {checkpoints} weeks stored"
    )
    started = time.perf_counter()
    with project.connect() as con:
        for model in models:
            append_fleet_rows(
                con,
                model,
                0,
                FLEET_REFERENCE_WEEKS * rows,
                FLEET_REFERENCE_START,
                reference_end,
                create=True,
            )
        con.execute("checkpoint")
    generated = time.perf_counter() - started
    next_id = FLEET_REFERENCE_WEEKS * rows
    weeks = 0

    def add_weeks(count: int) -> float:
        nonlocal next_id, weeks
        began = time.perf_counter()
        start = reference_end + weeks * WEEK
        with project.connect() as con:
            for model in models:
                append_fleet_rows(con, model, next_id, count * rows, start, start + count * WEEK)
            con.execute("checkpoint")
        next_id += count * rows
        weeks += count
        return time.perf_counter() - began

    data = f"{len(models)} models x {rows:,} rows a week"
    if args.skip_incremental:
        # the full build alone: every week of data at once, no timed weekly runs
        # appended a few weeks at a time: the row timestamps, (i - first_id) x span in
        # microseconds, overflow a bigint past ~27 weeks of 20,000 rows in one insert
        while weeks < args.weeks + 1:
            generated += add_weeks(min(HISTORY_CHUNK, args.weeks + 1 - weeks))
        say(f"   {weeks} weeks of data, no weekly runs (--skip-incremental)")
    else:
        for stored in checkpoints:
            history_s = 0.0
            runs = math.ceil((stored - weeks) / HISTORY_CHUNK)
            for run_index in range(runs):
                generated += add_weeks((stored - weeks) // (runs - run_index))
                history_s += project.dbt("run", args.threads).wall_s
            say(f"   history of {stored} weeks: {runs} dbt run(s), {history_s:.1f} s (not timed)")
            generated += add_weeks(1)
            run = project.dbt("build", args.threads)
            recomputed = project.batches_computed(run.invocation_id)
            say(
                f"   +1 week to every model with {stored} stored: wall {run.wall_s:.1f} s, nodes "
                f"{run.node_seconds:.1f} s, peak RSS {_gib(run.max_rss_kib)}, batches computed "
                f"{recomputed} (exit {run.returncode})"
            )
            say(f"   slowest: {_slowest(run)}{_watched(run)}")
            table.append(
                f"| Fleet, +1 week to all models, {stored} weeks stored | {data}, "
                f"{recomputed} batches computed | {run.wall_s:.1f} s | {run.node_seconds:.1f} s "
                f"| {_gib(run.max_rss_kib)} | {_slowest(run)} |"
            )
            if stored == checkpoints[0]:
                # the claim "a monitored table is scanned once per batch, not once per feature"
                for node in ("int_batch_values_counted", "int_prediction_batches_pending"):
                    scans = scans_per_log(project, node)
                    once = sorted(set(scans.values()))
                    say(
                        f"   {node}: {len(scans)} of {len(models)} logs scanned, scans per log "
                        f"{once} (EXPLAIN ANALYZE of its compiled SQL)"
                    )
                    table.append(
                        f"| Fleet, table scans of one run: {node} | {len(scans)} logs | n/a | n/a "
                        f"| n/a | scans per log: {once} |"
                    )

    if not args.skip_full:
        run = project.dbt("build", args.threads, "--full-refresh")
        say(
            f"   full build (--full-refresh) of {weeks} weeks: wall {run.wall_s:.1f} s, nodes "
            f"{run.node_seconds:.1f} s, peak RSS {_gib(run.max_rss_kib)} (exit {run.returncode})"
        )
        say(f"   slowest: {_slowest(run)}{_watched(run)}")
        table.append(
            f"| Fleet, full build of {weeks} weeks (--full-refresh) | {data}, "
            f"{len(models) * weeks} batches | {run.wall_s:.1f} s | {run.node_seconds:.1f} s "
            f"| {_gib(run.max_rss_kib)} | {_slowest(run)} |"
        )
    say(f"   data generated in {generated:.1f} s in all (not counted)")


def _stored_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text}") from error
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("give batch counts of at least 1, e.g. 10,50")
    return values


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Figures are printed as they come and as a markdown table at the end.",
    )
    parser.add_argument(
        "--scenario",
        choices=["single", "fleet", "all"],
        default="all",
        help="single: one wide model (full build, incremental, DuckDB baseline); fleet: 50 "
        "models in 5 business units (issue #4); all: both (default)",
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=None,
        help="single: rows of the reference window and of the batch in the full build "
        "(default 1,000,000); fleet: rows a week per model (default 20,000)",
    )
    parser.add_argument(
        "--models", type=int, default=50, help="fleet: monitored models (default 50)"
    )
    parser.add_argument(
        "--weeks",
        type=int,
        default=52,
        help="fleet: weeks stored at the last timed run; +1 week is also timed at a quarter "
        "and half of it (default 52: 13, 26, 52)",
    )
    parser.add_argument(
        "--batch-rows",
        type=int,
        default=100_000,
        help="rows per weekly batch in the incremental runs (default 100,000)",
    )
    parser.add_argument(
        "--reference-rows",
        type=int,
        default=200_000,
        help="rows of the reference window in the incremental runs (default 200,000)",
    )
    parser.add_argument(
        "--stored",
        type=_stored_list,
        default=[10, 50],
        help="batches already stored before the timed incremental run, "
        "comma-separated (default 10,50)",
    )
    parser.add_argument("--skip-full", action="store_true", help="skip the full builds")
    parser.add_argument(
        "--skip-incremental",
        action="store_true",
        help="skip the incremental runs (fleet: only the full build of --weeks + 1 weeks)",
    )
    parser.add_argument(
        "--skip-baseline", action="store_true", help="skip the plain DuckDB baseline"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary projects (their target/ and DuckDB files)",
    )
    parser.add_argument(
        "--ecdf-method",
        choices=["lookup", "merge"],
        default="lookup",
        help="single: the model's ecdf_method, how KS and Wasserstein meet the reference "
        "(default lookup; decision 0021)",
    )
    parser.add_argument("--threads", type=int, default=2, help="dbt threads (default 2)")
    parser.add_argument(
        "--memory-limit",
        help="DuckDB memory_limit set in the profile's settings, e.g. 4GB (default: DuckDB's "
        "own, 80%% of RAM; above it DuckDB spills to disk)",
    )
    parser.add_argument("--baseline-child", nargs=2, metavar=("DB", "SQL"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.baseline_child:
        run_baseline_child(*args.baseline_child)
        return 0

    root = Path(tempfile.mkdtemp(prefix="modelwatch-bench-"))
    say(f"modelwatch benchmark in {root}")
    # One snapshot of the working tree, so that every scenario measures the same code even
    # if the tree changes while the benchmark runs.
    state = project_state()
    copy_project(PROJECT, root / "snapshot")
    load_before = os.getloadavg()[0]
    say(f"machine: {machine()}")
    memory = args.memory_limit or "default"
    say(f"project: {state}; load average {load_before:.2f}; DuckDB memory_limit {memory}")
    table: list[str] = []
    started = time.perf_counter()
    try:
        if args.scenario in ("single", "all"):
            if not (args.skip_full and args.skip_baseline):
                full_scenario(args, root, table)
            if not args.skip_incremental:
                incremental_scenario(args, root, table)
        if args.scenario in ("fleet", "all"):
            fleet_scenario(args, root, table)
    finally:
        if args.keep:
            say(f"\nkept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    say(f"\n## modelwatch benchmark ({time.perf_counter() - started:.0f} s in all)\n")
    say(
        f"Machine: {machine()}; dbt --threads {args.threads}; DuckDB memory_limit "
        f"{args.memory_limit or 'default (80% of RAM)'}; project {state}; load average "
        f"(1 min) {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end.\n"
    )
    say("| Scenario | Data | Wall | Sum of node times | Peak RSS | Slowest nodes / notes |")
    say("|---|---|---|---|---|---|")
    for line in table:
        say(line)
    say(
        "\nWall: the whole `dbt build` invocation (parse, on-run-start hook, models, tests); "
        "the baseline's query alone, with its child process's wall in brackets. Sum of node "
        "times: execution_time of every node in target/run_results.json; it can exceed the "
        "wall because dbt runs --threads nodes at once (a node's time then includes waiting "
        "for the CPU the other one uses). Peak RSS: the child process's ru_maxrss from "
        "os.wait4. Data generation is not counted. Other work on the machine (a load average "
        "well above 0 at the start) slows every figure down."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
