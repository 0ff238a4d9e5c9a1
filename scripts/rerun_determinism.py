"""Rerun the demo's monitoring several times and compare the stored figures bit for bit.

Copies the project (demo registry included) into a temporary folder, writes the demo logs,
then runs `dbt build --full-refresh` once per entry of --threads, each with that many DuckDB
threads (`SET threads`, through the profile's `settings`). After each build it reads the raw
doubles of fct_feature_drift (metric_value, assessed_value), fct_feature_histograms
(batch_share, reference_share) and fct_segment_drift (metric_value) and compares them with
the first build's as IEEE-754 bit patterns. It prints, per build, its wall time and how
many figures differ and by how many ulps; and the audit's results hashes per run.
Decision record: docs/decisions/0022-reproducible-figures.md.

Usage::

    python scripts/rerun_determinism.py [--threads 1 2 1 2] [--rows-per-batch 10000]

Exit codes: 0 every build gave bit-identical figures; 1 some figure differs; 2 bad input or
dbt broke.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

SCRIPTS = Path(__file__).resolve().parent
PROJECT = SCRIPTS.parent
COPIED = ["dbt_project.yml", "macros", "models", "analyses"]

# table -> (key columns, double columns compared bit for bit)
FIGURES = {
    "fct_feature_drift": (
        ["model_id", "batch_id", "feature_name", "metric_name"],
        ["metric_value", "assessed_value"],
    ),
    "fct_feature_histograms": (
        ["model_id", "batch_id", "feature_name", "bin_index"],
        ["batch_share", "reference_share"],
    ),
    "fct_segment_drift": (
        ["model_id", "batch_id", "feature_name", "segment_column", "segment_value", "metric_name"],
        ["metric_value"],
    ),
}

PROFILE = """modelwatch:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: "{{{{ env_var('MODELWATCH_DUCKDB_PATH') }}}}"
      threads: 2
      settings:
        threads: {threads}
"""


@dataclass
class Build:
    """One build: its DuckDB thread count, wall time and the figures it stored."""

    threads: int
    seconds: float
    figures: dict[str, pd.DataFrame]


def _copy_project(root: Path) -> None:
    for name in COPIED:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, root / name)


def _read_figures(db_path: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = set(con.sql("select table_name from information_schema.tables").df()["table_name"])
        out = {}
        for table, (keys, values) in FIGURES.items():
            if table not in tables:
                continue
            keys = [k for k in keys if k in con.sql(f"select * from {table} limit 0").columns]
            frame = con.sql(f"select {', '.join(keys + values)} from {table}").df()
            out[table] = frame.sort_values(keys).set_index(keys)
        return out
    finally:
        con.close()


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in units in the last place between doubles of the same sign (0 when both
    are null or the bit patterns are equal)."""
    bits_a = a.astype(np.float64).view(np.int64)
    bits_b = b.astype(np.float64).view(np.int64)
    return np.abs(bits_a - bits_b)


def compare(first: dict[str, pd.DataFrame], later: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Per table and column: how many figures differ in their bits, and the largest ulp gap."""
    report = {}
    for table, frame in first.items():
        other = later[table].reindex(frame.index)
        for column in frame.columns:
            a, b = frame[column].to_numpy(float), other[column].to_numpy(float)
            both_null = np.isnan(a) & np.isnan(b)
            ulps = np.where(both_null, 0, _ulps(np.nan_to_num(a), np.nan_to_num(b)))
            ulps = np.where(np.isnan(a) ^ np.isnan(b), np.iinfo(np.int64).max, ulps)
            report[f"{table}.{column}"] = f"{int((ulps != 0).sum())}/{len(a)} differ" + (
                f", up to {int(ulps.max())} ulp" if (ulps != 0).any() else ""
            )
            if "metric_name" in frame.index.names and (ulps != 0).any():
                metrics = frame.index.get_level_values("metric_name")[ulps != 0]
                counts = pd.Series(metrics).value_counts().sort_index()
                report[f"{table}.{column}"] += (
                    " (" + ", ".join(f"{name} {count}" for name, count in counts.items()) + ")"
                )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 1, 2])
    parser.add_argument("--rows-per-batch", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build here and keep it (default: a temp dir)")
    args = parser.parse_args(argv)
    if any(t < 1 for t in args.threads) or len(args.threads) < 2:
        print("--threads: at least two builds, each with 1 thread or more", file=sys.stderr)
        return 2
    root = args.keep or Path(tempfile.mkdtemp(prefix="modelwatch-rerun-"))
    root.mkdir(parents=True, exist_ok=True)
    _copy_project(root)
    db_path = root / "warehouse.duckdb"
    subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "demo_data.py"),
            "--db",
            str(db_path),
            "--rows-per-batch",
            str(args.rows_per_batch),
        ],
        check=True,
        capture_output=True,
    )
    dbt = Path(sys.executable).parent / "dbt"
    env = {**os.environ, "MODELWATCH_DUCKDB_PATH": str(db_path)}
    builds: list[Build] = []
    for threads in args.threads:
        (root / "profiles.yml").write_text(PROFILE.format(threads=threads))
        started = time.perf_counter()
        completed = subprocess.run(
            [str(dbt), "build", "--full-refresh", "--vars", "{modelwatch_batch: all}"]
            + ["--project-dir", str(root), "--profiles-dir", str(root)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        if completed.returncode not in (0, 1):  # 1: drift tests failed, the demo's alerts
            print(completed.stdout[-3000:], file=sys.stderr)
            return 2
        builds.append(Build(threads, seconds, _read_figures(db_path)))
        print(f"build {len(builds)}: DuckDB threads={threads}, {seconds:.1f} s", flush=True)
    differs = False
    for number, build in enumerate(builds[1:], start=2):
        report = compare(builds[0].figures, build.figures)
        differs |= any("ulp" in line for line in report.values())
        print(f"build {number} (threads={build.threads}) vs build 1 (threads={builds[0].threads}):")
        for name, line in report.items():
            print(f"  {name}: {line}")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        hashes = con.sql(
            "select count(distinct dbt_invocation_id) as runs, "
            "count(distinct (model_id, batch_id)) as batches, "
            "count(distinct (model_id, batch_id, results_hash)) as distinct_results "
            "from fct_monitoring_runs_audited"
        ).df()
    finally:
        con.close()
    print("audit:", hashes.to_dict("records")[0])
    if not args.keep:
        shutil.rmtree(root)
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
