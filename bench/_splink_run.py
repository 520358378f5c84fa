"""Splink 5 (DuckDB backend) on the records the project resolved: a plain configuration, as splink's own FEBRL and
deduplication tutorials write it. Used by ``bench_identity.py --compare-splink``; needs the ``bench`` extra."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import pandas as pd

log = logging.getLogger("bench_identity.splink")

# the fields a record may carry, named as the project's canonical columns
NAME_FIELDS = ("first_name", "last_name")


@dataclass
class SplinkResult:
    clusters: dict[str, str]  # uid → cluster id
    blocked_pairs: pd.DataFrame  # uid_l, uid_r, match_key (index of the first blocking rule that found the pair)
    blocking_rules: list[str]
    seconds: float
    settings: dict = field(default_factory=dict)


def run_splink(
    frames: list[pd.DataFrame],
    *,
    dob_format: str,
    threshold: float = 0.95,
    u_max_pairs: float = 1e6,
    seed: int = 1,
    started: float | None = None,
    temp_dir: str | None = None,
) -> SplinkResult:
    """``frames``: one data frame per input table (two for a two-file linkage, which is run link_only as in the
    febrl4 tutorial; otherwise dedupe_only over all records), each with a ``uid`` column and any of the
    canonical fields first_name, last_name, date_of_birth (text in ``dob_format``), postcode, street, city,
    email, phone, account_id. ``started``: perf_counter() when reading the records began (wall time is from
    then to the clusters)."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter() if started is None else started
    cols = set.intersection(*(set(f.columns) for f in frames))
    present = {c for c in cols if c != "uid" and any(f[c].notna().any() for f in frames)}
    link_type = "link_only" if len(frames) == 2 else "dedupe_only"

    comparisons = []
    compared: list[str] = []

    def add(comparison, col: str) -> None:
        comparisons.append(comparison)
        compared.append(col)

    for name in NAME_FIELDS:
        if name in present:
            add(cl.NameComparison(name), name)
    if "date_of_birth" in present:
        add(
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format=dob_format), "date_of_birth"
        )
    if "email" in present:
        add(cl.EmailComparison("email"), "email")
    if "phone" in present:
        add(cl.ExactMatch("phone").configure(term_frequency_adjustments=True), "phone")
    if "account_id" in present:
        add(cl.DamerauLevenshteinAtThresholds("account_id", [2]), "account_id")
    if "street" in present:
        add(cl.JaroWinklerAtThresholds("street", [0.9, 0.8]), "street")
    if "city" in present:
        add(cl.ExactMatch("city").configure(term_frequency_adjustments=True), "city")
    if "postcode" in present:
        add(cl.ExactMatch("postcode").configure(term_frequency_adjustments=True), "postcode")

    def have(*names: str) -> bool:
        return all(n in present for n in names)

    # splink's FEBRL examples block on exact pairs of fields and on prefixes of them (substr(dob, …),
    # substr(postcode, 1, 2)); the same rules here, each used when its fields are present
    candidates = [
        (("first_name", "last_name"), "first_name+last_name", block_on("first_name", "last_name")),
        (("last_name", "date_of_birth"), "last_name+date_of_birth", block_on("last_name", "date_of_birth")),
        (("first_name", "date_of_birth"), "first_name+date_of_birth", block_on("first_name", "date_of_birth")),
        (("postcode", "first_name"), "postcode+first_name", block_on("postcode", "first_name")),
        (("postcode", "last_name"), "postcode+last_name", block_on("postcode", "last_name")),
        (("first_name", "last_name"), "first_name[:2]+last_name[:2]",
         block_on("substr(first_name, 1, 2)", "substr(last_name, 1, 2)")),
        (("date_of_birth", "postcode"), "date_of_birth+postcode[:2]",
         block_on("date_of_birth", "substr(postcode, 1, 2)")),
        (("street", "postcode"), "street+postcode[:2]", block_on("street", "substr(postcode, 1, 2)")),
        (("email",), "email", block_on("email")),
        (("phone",), "phone", block_on("phone")),
        (("account_id",), "account_id", block_on("account_id")),
    ]  # fmt: skip
    rules = [r for names, _, r in candidates if have(*names)]
    rule_names = [name for names, name, _ in candidates if have(*names)]

    settings = SettingsCreator(
        link_type=link_type,
        unique_id_column_name="uid",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
        retain_intermediate_calculation_columns=False,
    )
    import duckdb

    con = duckdb.connect()
    if temp_dir:  # DuckDB spills here (default: .tmp/ in the current directory)
        con.execute(f"set temp_directory = '{temp_dir}'")
    db_api = DuckDBAPI(con)
    tables = [db_api.register(f, dataset_display_name=f"input_{i}") for i, f in enumerate(frames)]
    linker = Linker(tables if len(tables) > 1 else tables[0], settings, log_level=logging.WARNING)

    deterministic = []
    if have("first_name", "last_name", "date_of_birth"):
        deterministic.append(block_on("first_name", "last_name", "date_of_birth"))
    for ident in ("email", "account_id"):
        if have(ident):
            deterministic.append(block_on(ident))
    if not deterministic:
        deterministic.append(block_on("first_name", "last_name"))
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
    em_rules = [r for names, r in [
        (("date_of_birth",), block_on("date_of_birth")),
        (("postcode",), block_on("postcode")),
        (("first_name", "last_name"), block_on("first_name", "last_name")),
        (("email",), block_on("email")),
    ] if have(*names)][:2]  # fmt: skip
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)

    predictions = linker.inference.predict()  # every blocked pair, scored: blocking completeness needs them all
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    cdf = clustered.as_pandas_dataframe()
    seconds = time.perf_counter() - started
    clusters = dict(zip(cdf["uid"].astype(str), cdf["cluster_id"].astype(str), strict=True))
    pdf = predictions.as_pandas_dataframe()
    blocked = pd.DataFrame(
        {
            "uid_l": pdf["uid_l"].astype(str),
            "uid_r": pdf["uid_r"].astype(str),
            "match_key": pdf["match_key"].astype(int),
        }
    )
    return SplinkResult(
        clusters=clusters,
        blocked_pairs=blocked,
        blocking_rules=rule_names,
        seconds=seconds,
        settings={
            "link_type": link_type,
            "comparisons": [f"{type(c).__name__}({col})" for c, col in zip(comparisons, compared, strict=True)],
            "blocking_rules": rule_names,
            "deterministic_rules_for_prior": len(deterministic),
            "em_blocking_rules": len(em_rules),
            "u_max_pairs": u_max_pairs,
            "threshold": threshold,
        },
    )
