"""Run modelwatch end to end on the embedded DuckDB demo and print a short summary.

Steps: generate the demo prediction logs (scripts/demo_data.py), `dbt build` (drift tests
that fail are the alerts, not an error), decide retraining per model and batch with the
retrain policy and hand the requests off (scripts/retrain_handoff.py: outbox files and the
retrain_decisions / retrain_requests tables), then summarise what the warehouse now holds.

Exit codes: 0 the monitoring ran (alerts or not); 1 dbt or the request step broke.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

SCRIPTS = Path(__file__).resolve().parent
PROJECT = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))

import demo_data  # noqa: E402


def _dbt_build(project: Path, env: dict[str, str]) -> tuple[int, list[dict]]:
    """Run `dbt build`; return dbt's exit code and the node results of run_results.json."""
    dbt = Path(sys.executable).parent / "dbt"
    # The first run of monitoring on a model with history is a backfill: every batch is
    # asserted, so each drifting week of the demo raises its own alert.
    cmd = [
        str(dbt),
        "build",
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--vars",
        "{modelwatch_batch: all}",
    ]
    completed = subprocess.run(cmd, env=env, cwd=project, check=False)
    run_results = project / "target" / "run_results.json"
    if not run_results.exists():
        return completed.returncode, []
    return completed.returncode, json.loads(run_results.read_text())["results"]


def _summary(db_path: str, outbox: Path, written_before: set[str]) -> str:
    """A few lines on what the monitoring found, read from the result tables."""
    con = duckdb.connect(db_path, read_only=True)
    try:
        models = con.execute("select count(*) from dim_monitored_models").fetchone()[0]
        batches, alerting, warning = con.execute(
            """
            select
                count(*),
                count(*) filter (where batch_status = 'alert'),
                count(*) filter (where batch_status = 'warn')
            from fct_model_batch_status
            """
        ).fetchone()
        alerts = con.execute(
            """
            select model_id, batch_id, drifted_features
            from fct_model_batch_status
            where batch_status = 'alert'
            order by model_id, batch_id
            """
        ).fetchall()
        decisions = con.execute(
            """
            select outcome, count(*)
            from retrain_decisions
            group by 1
            order by 2 desc, 1
            """
        ).fetchall()
    finally:
        con.close()
    requests = sorted(p.name for p in outbox.glob("*.json"))
    new = [name for name in requests if name not in written_before]
    lines = [
        "",
        "modelwatch demo",
        f"  models monitored     {models}",
        f"  batches assessed     {batches} ({alerting} alert, {warning} warn)",
        f"  retrain requests     {len(new)} written now, {len(requests)} in {outbox}",
        "  retrain decisions    " + ", ".join(f"{n} {outcome}" for outcome, n in decisions),
        "  alerts (model, batch: features at error level):",
    ]
    lines += [f"    {model}  {batch}: {features}" for model, batch, features in alerts]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db",
        default=os.environ.get("MODELWATCH_DUCKDB_PATH", str(PROJECT / "data/modelwatch.duckdb")),
        help="DuckDB file (default: $MODELWATCH_DUCKDB_PATH or data/modelwatch.duckdb)",
    )
    parser.add_argument("--outbox", default=str(PROJECT / "outbox"), help="retrain request folder")
    args = parser.parse_args(argv)

    db_path = str(Path(args.db).resolve())
    outbox = Path(args.outbox).resolve()
    env = {**os.environ, "MODELWATCH_DUCKDB_PATH": db_path}

    for table, rows in demo_data.generate(db_path).items():
        print(f"demo data: {table} {rows} rows")

    code, results = _dbt_build(PROJECT, env)
    broken = [r for r in results if r["status"] in ("error", "skipped")]
    if not results or broken:
        for result in broken:
            print(f"dbt: {result['unique_id']} {result['status']}: {result.get('message')}")
        print("dbt build did not complete: see the log above.", file=sys.stderr)
        return 1
    failing = [r["unique_id"] for r in results if r["status"] == "fail"]
    quality = [name for name in failing if "no_data_quality_failure" in name]
    drift = [name for name in failing if "no_feature_drift" in name or "no_score_drift" in name]
    print(
        f"dbt build done (exit {code}); drift tests failing, i.e. alerts: {len(drift)}; "
        f"data-quality tests failing: {len(quality)}; "
        f"governance and other tests failing: {len(failing) - len(quality) - len(drift)}"
    )

    written_before = {p.name for p in outbox.glob("*.json")} if outbox.exists() else set()
    # A process of its own: it reads the warehouse through dbt, which holds the DuckDB file.
    request_code = subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "retrain_handoff.py"),
            "run",
            "--project-dir",
            str(PROJECT),
            "--outbox",
            str(outbox),
        ],
        env=env,
        check=False,
    ).returncode
    if request_code >= 2:
        return 1
    print(_summary(db_path, outbox, written_before))
    return 0


if __name__ == "__main__":
    sys.exit(main())
