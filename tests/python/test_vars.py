"""Vars are validated once, before any node runs (macros/validate_vars.sql, on-run-start): a bad value
stops dbt with a message naming the var, its value and the rule (issue 13, item 14)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from conftest import ROOT, run_dbt


def _project_vars() -> set[str]:
    return set(yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"])


def _rule_names() -> set[str]:
    text = (ROOT / "macros" / "validate_vars.sql").read_text()
    body = text.split("macro var_rules()", 1)[1].split("endmacro", 1)[0]
    return set(re.findall(r"^\s+'([a-z_]+)': ", body, flags=re.M))


def test_every_var_has_exactly_one_rule() -> None:
    assert _rule_names() == _project_vars()


def test_the_defaults_are_valid_and_no_model_restates_a_default() -> None:
    inline = []
    for path in [*ROOT.glob("models/**/*.sql"), *ROOT.glob("macros/**/*.sql"), *ROOT.glob("models/**/*.yml")]:
        found = re.findall(r"var\(\s*['\"][a-z_]+['\"]\s*,[^)]*\)", path.read_text())
        inline += [f"{path.relative_to(ROOT)}: {m}" for m in found]
    assert inline == [], "defaults live in dbt_project.yml only"


def test_bad_values_stop_the_run_naming_var_value_and_rule(tmp_path: Path) -> None:
    bad = {
        "attribution_window_hours": -1,
        "ces_base": "x",
        "ces_wait_interval_seconds": 0,
        "engagement_default_timezone": "Mars/Base",
        "attribution_models": ["first_touch", "bogus"],
        "export_outbound_contact_list_id": "x/../../users/me",
        "normalize_gmail_dots": "yes",
    }
    result = run_dbt(tmp_path / "w.duckdb", "parse", vars=bad)
    assert result.returncode != 0
    for line in (
        "attribution_window_hours = -1: must be > 0",
        'ces_base = "x": must be an integer',
        "ces_wait_interval_seconds = 0: must be > 0",
        'engagement_default_timezone = "Mars/Base": must be an IANA time zone',
        'attribution_models = ["first_touch", "bogus"]: lists an unknown value bogus',
        'export_outbound_contact_list_id = "x/../../users/me": must be a Genesys object id (a UUID)',
        'normalize_gmail_dots = "yes": must be true or false',
    ):
        assert line in result.stdout, result.stdout[-3000:]


def test_rules_between_vars(tmp_path: Path) -> None:
    result = run_dbt(
        tmp_path / "w.duckdb",
        "parse",
        vars={"identity_auto_merge_threshold": 0.5, "identity_review_threshold": 0.9,
              "position_based_first_share": 0.7, "position_based_last_share": 0.4},
    )
    assert result.returncode != 0
    assert ("identity_review_threshold = 0.9 and identity_auto_merge_threshold = 0.5: the review band must "
            "start below the auto-merge threshold") in result.stdout
    assert "the first and last touch shares cannot exceed 1" in result.stdout


def test_a_valid_override_parses(tmp_path: Path) -> None:
    result = run_dbt(tmp_path / "w.duckdb", "parse", vars={"time_decay_half_life_days": 5, "ces_base": 10})
    assert result.returncode == 0, result.stdout[-3000:]


def _readme_table(header: str) -> set[str]:
    """The first-column names of the README table that starts with ``header`` (up to the blank line after it)."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split(header, 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \| ", table, flags=re.M))


def test_the_readme_var_table_lists_exactly_the_vars() -> None:
    listed = _readme_table("| var | default | meaning |")
    assert listed == _project_vars(), (sorted(_project_vars() - listed), sorted(listed - _project_vars()))


def test_the_readme_seed_table_lists_exactly_the_seeds() -> None:
    seeds = {p.stem for p in (ROOT / "seeds").glob("*.csv")}
    listed = _readme_table("| seed | what it configures |")
    assert listed == seeds, (sorted(seeds - listed), sorted(listed - seeds))


def test_the_contributor_guide_names_only_things_that_exist() -> None:
    """Every var, seed, model or macro the README's "Where does a rule live?" table names exists (a rename that
    forgets the guide fails here)."""
    readme = (ROOT / "README.md").read_text()
    guide = readme.split("## Where does a rule live?", 1)[1].split("\n## ", 1)[0]
    names = set(re.findall(r"`([a-z_][a-z0-9_]*)`", guide))
    known = _project_vars() | {p.stem for p in (ROOT / "seeds").glob("*.csv")}
    known |= {p.stem for p in (ROOT / "models").glob("**/*.sql")}
    for path in (ROOT / "macros").glob("**/*.sql"):
        known |= set(re.findall(r"\{%-?\s*macro\s+([a-z_0-9]+)\(", path.read_text()))
    columns = {"conversion_grain", "_record_hash"}  # named as columns of a model the row also names
    assert names - known - columns == set()
