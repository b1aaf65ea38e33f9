"""The dbt project's SQL runs on DuckDB and on Spark: DuckDB-only syntax appears only inside a macro that dispatches
(`default__` or `duckdb__`, beside a `spark__` one). The Spark identity test (test_spark_identity.py) is the judge of
what the SQL computes; this check names the line at once, without a Spark session."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dagster_kpi.paths import DBT_PROJECT_DIR, PROJECT_ROOT

# DuckDB syntax and functions Spark does not have (or has with another meaning), each with what to write instead.
DUCKDB_ONLY = {
    r"::\s*\w": "a :: cast: cast(x as type)",
    r"\bhugeint\b": "hugeint: decimal(38, 0)",
    r"\bvarchar\b(?!\s*\()": "bare varchar (Spark 4 wants a length): string or dbt.type_string()",
    r"\bregexp_matches\s*\(": "regexp_matches: text_matches()",
    r"\bregexp_full_match\s*\(": "regexp_full_match: text_matches() with ^...$",
    r"\bstrftime\s*\(": "strftime: substr(cast(d as string), ...) or a dispatched macro",
    r"\bstrptime\s*\(": "strptime: cast(text as date/timestamp)",
    r"\bepoch(_ms|_us)?\s*\(": "epoch: seconds_between()",
    r"\bdate_diff\s*\(": "date_diff: dbt.datediff()",
    r"\bdate_sub\s*\(": "date_sub: dbt.datediff() / dbt.dateadd()",
    r"\blist_\w+\s*\(": "list functions",
    r"\bstruct_pack\s*\(": "struct_pack",
    r"(?<!\.)\bstring_agg\s*\(": "string_agg: dbt.listagg()",
    r"(?<!\.)\bgenerate_series\s*\(": "generate_series: dbt.generate_series()",
    r"\bread_(parquet|csv|csv_auto|json)\s*\(": "reading files: a source",
    r"\border\s+by\s+all\b": "order by all: name the columns",
    r"\bexclude\s*\(": "select * exclude: name the columns",
    r"\bcolumns\s*\(": "columns(): name the columns",
    r"\bilike\b": "ilike: lower(x) like",
    r"//": "integer division //: floor(a / b)",
    r"\btrunc\s*\(\s*[^'\s]": "trunc of a number (a date function on Spark): floor()",
    r"/\s*\d+\.\d+\b": "division by a decimal literal (6 decimals on Spark): cast(x as double) / n",
    r"\b(quantile\w*|median|percentile\w*|approx_quantile)\s*\(": (
        "a percentile function (the engines interpolate to different last bits): aggregate_kpi's method percentile"
    ),
}
# Macros whose body may use DuckDB syntax: the DuckDB side of a dispatch.
DUCKDB_SIDE = re.compile(r"{%-?\s*macro\s+(default|duckdb)__\w+.*?{%-?\s*endmacro\s*-?%}", re.S)
JINJA_COMMENT = re.compile(r"{#.*?#}", re.S)
JINJA_STATEMENT = re.compile(r"{%.*?%}", re.S)  # Jinja's own logic (`// 3` there is Jinja's division)
SQL_COMMENT = re.compile(r"--[^\n]*")
STRING = re.compile(r"'(?:[^']|'')*'")


def sql_files() -> list[Path]:
    roots = (PROJECT_ROOT / "models", DBT_PROJECT_DIR / "macros", DBT_PROJECT_DIR / "tests")
    return sorted(path for root in roots for path in root.rglob("*.sql"))


def portable_text(text: str) -> str:
    """The SQL that runs on every engine: comments, string literals and DuckDB-side macros blanked (lines kept)."""

    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    for pattern in (JINJA_COMMENT, DUCKDB_SIDE, JINJA_STATEMENT, SQL_COMMENT, STRING):
        text = pattern.sub(blank, text)
    return text


def duckdb_only_uses(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(portable_text(path.read_text(encoding="utf-8")).splitlines(), start=1):
        for pattern, advice in DUCKDB_ONLY.items():
            if re.search(pattern, line, re.I):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {advice}")
    return found


def test_models_macros_and_tests_use_no_duckdb_only_sql_outside_a_dispatch():
    found = [use for path in sql_files() for use in duckdb_only_uses(path)]
    assert found == []


@pytest.mark.parametrize(
    ("sql", "advice"),
    [
        ("select x::int from t", "a :: cast"),
        ("select cast(x as varchar) from t", "bare varchar"),
        ("select strftime(d, '%Y') from t", "strftime"),
        ("select seconds / 60.0 from t", "division by a decimal literal"),
        ("select * from t order by all", "order by all"),
        ("select hugeint_col from t where regexp_matches(a, 'b')", "regexp_matches"),
        ("select quantile_cont(x, 0.9) from t", "a percentile function"),
        ("select percentile_cont(0.5) within group (order by x) from t", "a percentile function"),
    ],
)
def test_the_check_names_duckdb_only_sql(tmp_path, sql, advice):
    path = PROJECT_ROOT / "models" / "_probe_never_committed.sql"
    try:
        path.write_text(sql, encoding="utf-8")
        assert [use.split(": ", 1)[1] for use in duckdb_only_uses(path)][0].startswith(advice)
    finally:
        path.unlink()


def test_the_duckdb_side_of_a_dispatch_comments_and_strings_are_not_checked():
    text = (
        "{% macro default__f(x) %}regexp_matches({{ x }}, 'a'){% endmacro %}\n"
        "{% macro spark__f(x) %}({{ x }} rlike 'a'){% endmacro %}\n"
        "-- a comment may say strftime(...)\n"
        "select 'hugeint::x' as label\n"
    )
    assert not any(re.search(p, line, re.I) for line in portable_text(text).splitlines() for p in DUCKDB_ONLY)
