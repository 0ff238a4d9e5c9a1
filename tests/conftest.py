"""Shared pytest fixtures: run the real dbt project against data the test makes.

`DbtProject` copies the modelwatch project into a temporary folder without the demo
registry, writes the test's own sources YAML (its registry) and tables into a fresh DuckDB
file, and runs dbt there in a subprocess, as a user would. Nothing in the working tree is
touched, so tests can run in parallel with `make demo`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import pytest

PROJECT = Path(__file__).resolve().parents[1]
SCRIPTS = PROJECT / "scripts"
DBT = Path(sys.executable).parent / "dbt"
sys.path.insert(0, str(SCRIPTS))

# What a user's project has: everything but the demo's registry and the build output.
COPIED = ["dbt_project.yml", "profiles.yml", "macros", "models", "analyses", "seeds", "tests/dbt"]
# The warehouse file, relative to the copy (dbt runs there): every copy then has the same
# profile, so the parse of a seed copy can be reused (dbt's partial parsing, keyed on files).
WAREHOUSE = "warehouse.duckdb"


def _copy_project(root: Path, include_demo: bool) -> None:
    ignore = shutil.ignore_patterns("__pycache__", *([] if include_demo else ["demo"]))
    for name in COPIED:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        elif source.exists():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    (root / "models/staging/fixtures").mkdir(parents=True, exist_ok=True)


@cache
def _parsed_seed(include_demo: bool) -> bytes:
    """dbt's partial-parse state of a copy with no registry (or only the demo's), made once per
    test process. A copy starting from it re-parses only the files its test writes, which
    saves most of the start-up of every dbt invocation (decision 0023). dbt still checks
    every file's checksum, the vars and the profile, and parses in full when any differs."""
    root = Path(tempfile.mkdtemp(prefix="modelwatch-seed-")) / "project"
    _copy_project(root, include_demo)
    completed = subprocess.run(
        [str(DBT), "parse", "--project-dir", str(root), "--profiles-dir", str(root)],
        cwd=root,
        env={**os.environ, "MODELWATCH_DUCKDB_PATH": WAREHOUSE},
        capture_output=True,
        text=True,
        check=False,
    )
    state = root / "target" / "partial_parse.msgpack"
    if completed.returncode != 0 or not state.exists():
        return b""  # every copy parses in full: slower, not wrong
    return state.read_bytes()


@dataclass
class DbtResult:
    """One dbt invocation: exit code, console output and its run_results.json (if any)."""

    returncode: int
    output: str
    results: list[dict] = field(default_factory=list)

    def status(self, name_fragment: str) -> list[str]:
        """Statuses of the nodes whose unique_id contains `name_fragment`."""
        return [r["status"] for r in self.results if name_fragment in r["unique_id"]]


class DbtProject:
    """A throwaway copy of modelwatch with its own registry and DuckDB file."""

    def __init__(self, root: Path, include_demo: bool = False) -> None:
        self.root = root
        self.db_path = root / WAREHOUSE
        _copy_project(root, include_demo)
        seed = _parsed_seed(include_demo)
        if seed:
            (root / "target").mkdir(parents=True, exist_ok=True)
            (root / "target" / "partial_parse.msgpack").write_bytes(seed)

    def write_registry(self, yaml_text: str, name: str = "_fixtures__sources.yml") -> None:
        """Write a sources YAML (the test's registry) into models/staging/fixtures/."""
        (self.root / "models/staging/fixtures" / name).write_text(textwrap.dedent(yaml_text))

    def load(self, tables: dict[str, pd.DataFrame], schema: str = "raw") -> None:
        """Create (or replace) tables in the warehouse from DataFrames."""
        con = duckdb.connect(str(self.db_path))
        try:
            con.execute(f"create schema if not exists {schema}")
            for table, frame in tables.items():
                con.register("incoming", frame)
                con.execute(f"create or replace table {schema}.{table} as select * from incoming")
                con.unregister("incoming")
        finally:
            con.close()

    def execute(self, sql: str) -> None:
        """Run a statement against the warehouse (e.g. to append rows to a log)."""
        con = duckdb.connect(str(self.db_path))
        try:
            con.execute(sql)
        finally:
            con.close()

    def dbt(self, *args: str, env: dict[str, str] | None = None) -> DbtResult:
        """Run a dbt command in the copy; return its exit code, output and results."""
        run_results = self.root / "target" / "run_results.json"
        if run_results.exists():
            run_results.unlink()
        full_env = {**os.environ, "MODELWATCH_DUCKDB_PATH": WAREHOUSE, **(env or {})}
        completed = subprocess.run(
            [str(DBT), *args, "--project-dir", str(self.root), "--profiles-dir", str(self.root)],
            cwd=self.root,
            env=full_env,
            capture_output=True,
            text=True,
            check=False,
        )
        results = []
        if run_results.exists():
            results = json.loads(run_results.read_text())["results"]
        return DbtResult(completed.returncode, completed.stdout + completed.stderr, results)

    def build(self, *args: str) -> DbtResult:
        """`dbt build` with the given extra arguments."""
        return self.dbt("build", *args)

    def query(self, sql: str) -> pd.DataFrame:
        """Read from the warehouse."""
        con = duckdb.connect(str(self.db_path), read_only=True)
        try:
            return con.sql(sql).df()
        finally:
            con.close()

    def table_names(self) -> set[str]:
        """Every table and view in the warehouse's main schema."""
        frame = self.query(
            "select table_name from information_schema.tables where table_schema = 'main'"
        )
        return set(frame["table_name"])


@pytest.fixture
def dbt_project(tmp_path: Path) -> Iterator[DbtProject]:
    """A fresh modelwatch project copy with an empty warehouse and no registry entries."""
    yield DbtProject(tmp_path / "project")
