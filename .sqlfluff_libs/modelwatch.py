"""Stand-ins for modelwatch's macros when sqlfluff renders models with the jinja templater.

sqlfluff lints the models' own SQL (CTE structure, keywords, layout), not what the registry
generates: these stubs return a small, representative rendering of each macro so that every
model templates into valid SQL. The real macros are exercised by the dbt builds in pytest.
"""

SLOTS = {"numeric": ["num_01"], "categorical": ["cat_01"], "segment": ["seg_01"]}


class _Entry(dict):
    """A registry entry: attribute access like the real one (a dict in Jinja)."""

    __getattr__ = dict.get


EXAMPLE_ENTRY = _Entry(
    model_id="example",
    reference_id="0123456789ab",
    reference_key="example|0123456789ab",
    source_name="example_logs",
    table_name="predictions",
    timestamp_column="scored_at",
    batch_grain="week",
    batch_column=None,
    prediction_id_column="prediction_id",
    model_version_column="model_version",
    reference=_Entry(kind="window", started_at="2026-01-05", ended_at="2026-03-02"),
    retrain_window_days=84,
    features=[
        _Entry(
            name="score",
            kind="numeric",
            role="score",
            slot="num_01",
            bins=10,
            min_batch_size=100,
            psi_epsilon=0.0001,
            thresholds={"psi": {"warn": 0.1, "error": 0.25}},
        )
    ],
)


def log_expressions(entry):
    return {
        "predicted_at": "cast(scored_at as timestamp)",
        "in_reference": "(cast(scored_at as timestamp) < cast('2026-03-02' as timestamp))",
        "in_scope": "cast(scored_at as timestamp) >= cast('2026-01-05' as timestamp)",
        "batch_key": "cast(cast(date_trunc('week', scored_at) as date) as varchar)",
        "batch_truncated_at": "date_trunc('week', scored_at)",
        "prediction_id": "cast(prediction_id as varchar)",
        "model_version": "cast(model_version as varchar)",
        "reference_id": "'0123456789ab'",
    }


def entry_references(entry):
    return [
        _Entry(
            model_version=None,
            reference_id="0123456789ab",
            kind="source",
            source_name="example_logs",
            table_name="validation_sample",
        )
    ]


def registry_table(what):
    return {"columns": [("model_id", "varchar")], "rows": []}


def stored_references(relation, condition=None):
    return []


def not_stored_reference(stored):
    return "true"


def run_timestamp():
    return "cast('2026-01-01 00:00:00' as timestamp)"



def get_registry():
    return [EXAMPLE_ENTRY]


def get_registry_slots(registry):
    return SLOTS


def get_metric_catalog():
    return {
        "psi": {"direction": "above", "kinds": ["numeric", "categorical"]},
        "ks_pvalue": {"direction": "below", "kinds": ["numeric"]},
    }


def reference_chunking(registry, stored):
    return {
        "model_filter": "model_id in ('example')",
        "chunks": "case model_id when 'example' then 10 end",
        "chunk_rows": "cast(null as bigint)",
        "row_hash": "md5(cast(num_01 as varchar))",
    }


def type_double():
    return "double"


def string_literal(value):
    return "'" + str(value).replace("'", "''") + "'"


def slot_columns(entry, slots, null_columns=()):
    return "num_01, cat_01"


def literal_rows(columns, rows):
    names = ",\n        ".join(f"cast(null as {kind}) as {name}" for name, kind in columns)
    return f"select\n        {names}\n    where 1 = 0"


def pending_batches_filter(registry):
    return "not is_reference"


def value_counts_by_slot(relation, group_columns, slots, segment_registry=None):
    keys = ", ".join(group_columns)
    segment = ""
    if segment_registry is not None:
        segment = "'seg_01' as segment_slot, seg_01 as segment_value, "
    group = keys if segment_registry is None else f"{keys}, seg_01"
    return (
        f"select {keys}, {segment}'num_01' as slot_name, num_01 as numeric_value, "
        f"cast(null as varchar) as category_value, count(*) as value_count "
        f"from {relation} group by {group}, num_01"
    )


def binned_value_counts(relation, key_columns, bins_relation):
    keys = ", ".join(key_columns)
    positions = ", ".join(str(k + 1) for k in range(len(key_columns) + 2))
    return (
        f"select {keys}, feature_name, bin_index, sum(value_count) as bin_count "
        f"from {relation} inner join {bins_relation} using (model_id, feature_name) "
        f"group by {positions}"
    )


def bin_distance_metrics(relation, key_columns, carried_columns=()):
    keys = ", ".join(list(key_columns) + ["feature_name"])
    carried = "".join(f"max({column}) as {column}, " for column in carried_columns)
    return (
        f"select {keys}, {carried}0.0 as psi, 0.0 as jensen_shannon, 0.0 as hellinger, "
        f"0.0 as total_variation, 0.0 as l_infinity, 0.0 as kl_divergence, "
        f"0.0 as missing_rate_change from {relation} group by {keys}"
    )


def contingency_tests(relation, key_columns, carried_columns=()):
    keys = ", ".join(list(key_columns) + ["feature_name"] + list(carried_columns))
    return (
        f"select {keys}, 0 as reference_size, 0 as batch_size, 0 as reference_level_count, "
        f"0.0 as chi_square_statistic, 0.0 as chi_square_pvalue, 0.0 as z_test_pvalue "
        f"from {relation}"
    )


def psi_term(batch_share, reference_share, epsilon):
    return f"({batch_share} - {reference_share}) * ln({batch_share} / {reference_share})"


def ecdf_distances_asof(samples, batch_values, reference_values, reference_ecdfs):
    uses = " and ".join(
        f"sample_key not in (select value_count from {relation})"
        for relation in (batch_values, reference_values, reference_ecdfs)
    )
    return (
        f"select sample_key, 0.0 as ks_statistic, 0.0 as wasserstein_distance, "
        f"0 as reference_size, 0 as batch_size from {samples} where {uses}"
    )


def ecdf_distances_merged(samples, batch_values, reference_values):
    uses = " and ".join(
        f"sample_key not in (select value_count from {relation})"
        for relation in (batch_values, reference_values)
    )
    return (
        f"select sample_key, 0.0 as ks_statistic, 0.0 as wasserstein_distance, "
        f"0 as reference_size, 0 as batch_size from {samples} where {uses}"
    )


def ecdf_chunk_plan():
    return "select 'm' as model_id, 'b' as batch_id, 0 as chunk_index"


def ecdf_chunk_marker(chunk_index=0):
    return f"{chunk_index} /* modelwatch_ecdf_chunk */"


def insert_ecdf_chunks():
    return ""


def ecdf_distances(relation, group_columns, value_column):
    keys = ", ".join(group_columns)
    return (
        f"select {keys}, 0.0 as ks_statistic, 0.0 as wasserstein_distance, "
        f"0 as reference_size, 0 as batch_size from {relation} group by {keys}"
    )


def jensen_shannon_distance(batch_share, reference_share, log_base=2):
    return f"sqrt(sum({batch_share} + {reference_share}))"


def hellinger_distance(batch_share, reference_share):
    return f"sqrt(sum({batch_share} * {reference_share}))"


def total_variation_distance(batch_share, reference_share):
    return f"0.5 * sum(abs({batch_share} - {reference_share}))"


def kl_divergence(batch_share, reference_share, epsilon):
    return f"sum({batch_share} * ln({batch_share} / {reference_share}))"


def chi_square_statistic(reference_count, batch_count, reference_total, batch_total, levels):
    return f"sum(power({reference_count} - {batch_count}, 2))"


def two_proportion_z(x1, n1, x2, n2):
    return f"({x2} / {n2} - {x1} / {n1})"


def chi2_sf(statistic, dof):
    return f"exp(-{statistic} / {dof})"


def normal_sf(z):
    return f"exp(-{z})"


def ks_pvalue(statistic, n, m):
    return f"exp(-{statistic})"


def severity_level(value, warn_threshold, error_threshold, direction):
    return f"case when {value} >= {error_threshold} then 2 else 0 end"


def drift_status(threshold_level, is_insufficient):
    return f"case when {is_insufficient} then 'insufficient_data' else 'ok' end"


def materialized_cte():
    return "materialized"


def retrain_policy_rows():
    return {"columns": [("model_id", "varchar"), ("persistence_k", "integer")], "rows": []}


def registry_hashes():
    return {
        "columns": [
            ("model_id", "varchar"),
            ("reference_id", "varchar"),
            ("config_hash", "varchar"),
            ("thresholds_in_force", "varchar"),
        ],
        "rows": [],
    }


def run_provenance():
    return _Entry(
        code_version="0123456789abcdef0123456789abcdef",
        git_sha=None,
        dbt_version="1.11.0",
        trigger="scheduled",
        rerun_batches=[],
    )


def multiset_fingerprint(expressions):
    return f"md5(cast(count(*) as varchar) || cast(sum(hash({', '.join(expressions)})) as varchar))"


def warehouse_version():
    return "'duckdb ' || version()"


def fixed_point_sum(expression):
    return f"cast(sum(cast({expression} as decimal(38, 20))) as double)"


def ordered_sum(expression):
    return f"sum({expression} order by {expression})"


def get_schema_changes(entry):
    return []


def data_quality_table(what):
    return {"columns": [("model_id", "varchar")], "rows": []}


def data_quality_as_of():
    return "cast('2026-01-01 00:00:00' as timestamp)"


def rff_embedding(relation, moments, frequencies, group_columns, slots):
    keys = ", ".join(f"{relation}.{column}" for column in group_columns)
    return (
        f"select {keys}, {frequencies}.embedding_id, {frequencies}.dimension_index, "
        f"cos({frequencies}.phase + {moments}.reference_mean) as embedding_value "
        f"from {relation} "
        f"inner join {moments} on {relation}.model_id = {moments}.model_id "
        f"inner join {frequencies} on {relation}.model_id = {frequencies}.model_id"
    )


def rff_row_hash(slots):
    return "md5(coalesce(prediction_id, ''))"


def multivariate_frequency_table(stored=None):
    return {"columns": [("model_id", "varchar")], "rows": []}


def stored_frequencies(relation):
    return {}


def prune_frequencies(relation):
    return "select 1"


def stored_embeddings(relation):
    return []


def pending_embedding_models(stored):
    return "model_id in ('example')"


def segment_table(what):
    return {"columns": [("model_id", "varchar")], "rows": []}


def stored_segmentations(relation):
    return []


def pending_segment_models(stored):
    return "model_id in ('example')"
