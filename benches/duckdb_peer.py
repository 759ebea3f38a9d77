#!/usr/bin/env python3
"""The DuckDB peer of `vroeg run`, for the benchmark.

Written from shared/spec (contracts.md, default-rules.md), not from vroeg's
code: it reads the same CSV inbox, applies the same row validation (the
first reason in the contract's order; invalid rows are left out), the same
corrections (a later delivery of a source replaces the rows of every
partition-key value among its valid rows), the same default rules and the
same exclusions and order, and writes the same `signals.csv`, byte for byte.

    duckdb_peer.py --inbox DIR --as-of YYYY-MM-DD --out signals.csv
                   [--threads N] [--memory-limit 4GB] [--temp-dir DIR]

Prints one JSON line of counts (as in summary.json, plus rows read and
quarantined). Known differences, none of which occur in `vroeg synth`
inboxes without --mess (on the shipped messy sample inbox the lists are
identical too): header names are matched case-insensitively but not
trimmed, malformed rows are skipped without a count, a file missing a column has its rows rejected instead of the file
refused, and byte-identical re-deliveries are not detected (they replace
their own partition values with the same rows, which changes nothing).
"""

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb

KEY = r"^[0-9A-Za-z][0-9A-Za-z_-]{7,127}$"
BSN = r"^[0-9]{9}$"

# Each source: delimiter, decimal separator and date pattern of the
# benchmark's dialect (vroeg synth), its columns in contract order as
# (name, kind, required, extra), its partition key and its time column.
SOURCES = {
    "rent_arrears": dict(
        columns=[
            ("household_key", "key", True, None),
            ("reference_date", "date", True, None),
            ("landlord_code", "string", True, 32),
            ("arrears_eur", "amount", True, "pos"),
            ("monthly_rent_eur", "amount", True, "pos"),
            ("oldest_unpaid_date", "date", True, None),
            ("payment_plan", "bool", False, None),
        ],
        partition=("landlord_code", "reference_date"),
        time="reference_date",
        order=("oldest_unpaid_date", "reference_date"),
    ),
    "debt_arrears": dict(
        columns=[
            ("household_key", "key", True, None),
            ("reference_date", "date", True, None),
            ("creditor_type", "enum", True, ["energy", "water", "health_insurance", "cak_health_insurance", "mortgage", "tax_authority", "benefits_reclaim", "duo", "cak_own_contribution", "municipal_tax", "other"]),
            ("creditor_code", "string", True, 32),
            ("arrears_eur", "amount", True, "pos"),
            ("oldest_unpaid_date", "date", True, None),
            ("payment_plan", "bool", False, None),
        ],
        partition=("creditor_code", "reference_date"),
        time="reference_date",
        order=("oldest_unpaid_date", "reference_date"),
        delimiter=";",
        decimal=",",
        date_format="%d-%m-%Y",
    ),
    "school_absence": dict(
        columns=[
            ("household_key", "key", True, None),
            ("person_key", "key", True, None),
            ("week_start", "date", True, "monday"),
            ("school_code", "string", True, 32),
            ("absence_kind", "enum", True, ["unauthorised", "luxury_leave", "long_term", "late"]),
            ("hours", "hours", True, None),
            ("pupil_age", "integer", True, (4, 23)),
        ],
        partition=("school_code", "week_start"),
        time="week_start",
    ),
    "benefit_stops": dict(
        columns=[
            ("household_key", "key", True, None),
            ("person_key", "key", True, None),
            ("agency_code", "string", True, 32),
            ("stop_date", "date", True, None),
            ("reference_date", "date", True, None),
            ("benefit_type", "enum", True, ["participatiewet", "ww", "wia", "wajong", "ioaw", "zorgtoeslag", "huurtoeslag", "kinderopvangtoeslag", "kindgebonden_budget", "other"]),
            ("reason", "enum", True, ["work_income", "sanction", "end_of_entitlement", "moved_out", "detention", "administrative", "deceased", "other"]),
            ("monthly_amount_eur", "amount", True, "nonneg"),
        ],
        partition=("agency_code", "reference_date"),
        time="reference_date",
        order=("stop_date", "reference_date"),
    ),
    "households": dict(
        columns=[
            ("household_key", "key", True, None),
            ("reference_date", "date", True, None),
            ("district_code", "string", True, 16),
            ("adults", "integer", True, (0, 20)),
            ("minors", "integer", True, (0, 20)),
        ],
        partition=("reference_date",),
        time="reference_date",
        unique=("reference_date", "household_key"),
    ),
    "outreach_outcomes": dict(
        columns=[
            ("household_key", "key", True, None),
            ("team_code", "string", True, 32),
            ("closed_date", "date", True, None),
            ("outcome", "enum", True, ["not_picked_up_repeat", "not_picked_up_wrong_signal", "not_picked_up_other", "deceased", "not_resident", "known_to_debt_help", "other_support_ongoing", "no_contact", "no_response_after_contact", "no_help_wanted", "already_paid_or_arranged", "quick_fix", "followup_financial", "followup_nonfinancial", "referral_without_contact"]),
            ("contact_kind", "enum", False, ["mail", "letter", "text_message", "phone", "home_visit", "card", "administrative", "other"]),
        ],
        partition=("team_code", "closed_date"),
        time="closed_date",
    ),
}


def q(s):
    return "'" + s.replace("'", "''") + "'"


def number_checks(col, decimal, max_dec):
    """(format checks, the number's digits with a '.' separator) of an amount or hours."""
    body = f"regexp_replace({col}, '^-', '')"
    sep = "\\." if decimal == "." else decimal
    fmt = [
        (f"NOT regexp_full_match({body}, '[0-9]+({sep}[0-9]+)?')", "invalid_number"),
        (f"length(regexp_extract({body}, '{sep}([0-9]+)$', 1)) > {max_dec}", "too_many_decimals"),
        (f"starts_with({col}, '-')", "negative_amount"),
        (f"length(regexp_extract({body}, '^([0-9]+)', 1)) > 16", "out_of_range"),
    ]
    dotted = body if decimal == "." else f"replace({body}, ',', '.')"
    return fmt, dotted


def validation(name, spec):
    """The reason CASE of a source, and its typed columns."""
    decimal = spec.get("decimal", ".")
    date_format = spec.get("date_format", "%Y-%m-%d")
    date_regex = date_format.replace("%Y", "[0-9]{4}").replace("%m", "[0-9]{2}").replace("%d", "[0-9]{2}")
    checks = []
    typed = []
    keys = [c for c, k, _, _ in spec["columns"] if k == "key"]
    checks.append((" OR ".join(f"regexp_full_match(coalesce({k}, ''), '{BSN[1:-1]}')" for k in keys), "raw_identifier"))
    for col, kind, required, extra in spec["columns"]:
        if required:
            checks.append((f"{col} IS NULL OR {col} = ''", "missing_value"))
        present = f"{col} IS NOT NULL AND {col} <> '' AND "
        if kind == "key":
            checks.append((f"NOT regexp_full_match({col}, '{KEY[1:-1]}')", "invalid_key"))
            typed.append(col)
        elif kind == "string":
            checks.append((f"length({col}) > {extra}", "invalid_string"))
            typed.append(col)
        elif kind == "enum":
            checks.append((present + f"{col} NOT IN ({', '.join(q(v) for v in extra)})", "invalid_enum"))
            typed.append(f"nullif({col}, '') AS {col}")
        elif kind == "bool":
            checks.append((present + f"lower({col}) NOT IN ('true','false','ja','nee','yes','no','1','0')", "invalid_bool"))
            typed.append(f"coalesce(lower({col}) IN ('true','ja','yes','1'), false) AS {col}")
        elif kind == "date":
            parsed = f"try_strptime({col}, {q(date_format)})"
            checks.append((f"NOT regexp_full_match({col}, '{date_regex}') OR {parsed} IS NULL", "invalid_date"))
            if extra == "monday":
                checks.append((f"isodow({parsed}) <> 1", "not_a_monday"))
            typed.append(f"CAST({parsed} AS DATE) AS {col}")
        elif kind in ("amount", "hours"):
            fmt, dotted = number_checks(col, decimal, 2 if kind == "amount" else 18)
            checks.extend(fmt)
            scale = "DECIMAL(18,2)" if kind == "amount" else "DECIMAL(38,18)"
            value = f"CAST({dotted} AS {scale})"
            if kind == "hours":
                checks.append((f"{value} <= 0 OR {value} > 40", "out_of_range"))
            elif extra == "pos":
                checks.append((f"{value} <= 0", "out_of_range"))
            typed.append(f"{value} AS {col}")
        elif kind == "integer":
            lo, hi = extra
            checks.append((f"NOT regexp_full_match({col}, '[0-9]+')", "invalid_number"))
            checks.append((f"length({col}) > 6 OR CAST({col} AS INTEGER) NOT BETWEEN {lo} AND {hi}", "out_of_range"))
            typed.append(f"CAST({col} AS INTEGER) AS {col}")
    if "order" in spec:
        a, b = spec["order"]
        checks.append((f"strptime({a}, {q(date_format)}) > strptime({b}, {q(date_format)})", "date_order"))
    case = "CASE " + " ".join(f"WHEN {c} THEN '{r}'" for c, r in checks) + " ELSE NULL END"
    return case, typed


def load(con, inbox, name, spec, as_of):
    files = sorted(str(p) for p in (inbox / name).glob("*.csv"))
    cols = [c for c, _, _, _ in spec["columns"]]
    if not files:
        con.execute(f"CREATE TABLE {name} AS SELECT " + ", ".join(f"NULL::VARCHAR AS {c}" for c in cols) + " WHERE false")
        return 0, 0
    case, typed = validation(name, spec)
    delim = spec.get("delimiter", ",")
    source = (
        f"read_csv([{', '.join(q(f) for f in files)}], header=true, delim={q(delim)}, quote='\"', "
        f"all_varchar=true, union_by_name=true, filename=true, ignore_errors=true)"
    )
    con.execute(f"CREATE TEMP VIEW {name}_csv AS SELECT * FROM {source}")
    have = {r[0].lower() for r in con.execute(f"DESCRIBE {name}_csv").fetchall()}
    select = ", ".join(c if c in have else f"NULL::VARCHAR AS {c}" for c in cols)
    con.execute(
        f"CREATE TEMP TABLE {name}_raw AS SELECT *, {case} AS _reason FROM "
        f"(SELECT {select}, filename, row_number() OVER () AS _row FROM {name}_csv)"
    )
    if "unique" in spec:
        # a repeat of the unique columns within one delivery: duplicate_key
        u = ", ".join(spec["unique"])
        con.execute(
            f"UPDATE {name}_raw SET _reason = 'duplicate_key' WHERE _reason IS NULL AND _row IN ("
            f"SELECT _row FROM (SELECT _row, row_number() OVER (PARTITION BY filename, {u} ORDER BY _row) AS n "
            f"FROM {name}_raw WHERE _reason IS NULL) WHERE n > 1)"
        )
    read, bad = con.execute(f"SELECT count(*), count(_reason) FROM {name}_raw").fetchone()
    part = ", ".join(spec["partition"])
    con.execute(
        f"CREATE TABLE {name} AS SELECT {', '.join(typed)} FROM ("
        f"SELECT *, max(filename) OVER (PARTITION BY {part}) AS _latest FROM {name}_raw WHERE _reason IS NULL) "
        f"WHERE filename = _latest AND CAST({typed_time(spec)} AS DATE) <= DATE {q(as_of)}"
    )
    con.execute(f"DROP TABLE {name}_raw")
    return read, bad


def typed_time(spec):
    return f"strptime({spec['time']}, {q(spec.get('date_format', '%Y-%m-%d'))})"


RULES_SQL = """
WITH
rent_sup AS (SELECT landlord_code, max(reference_date) AS d FROM rent_arrears GROUP BY ALL),
rent_cur AS (SELECT r.* FROM rent_arrears r JOIN rent_sup s ON r.landlord_code = s.landlord_code AND r.reference_date = s.d
             WHERE s.d > DATE $T - 45),
debt_sup AS (SELECT creditor_code, max(reference_date) AS d FROM debt_arrears GROUP BY ALL),
debt_cur AS (SELECT r.* FROM debt_arrears r JOIN debt_sup s ON r.creditor_code = s.creditor_code AND r.reference_date = s.d
             WHERE s.d > DATE $T - 60),
rent_f AS (SELECT household_key, count(*) AS n, sum(arrears_eur) AS arrears, sum(monthly_rent_eur) AS rent,
                  bool_or(payment_plan) AS plan FROM rent_cur GROUP BY ALL),
rent_months AS (SELECT household_key, count(DISTINCT date_trunc('month', reference_date)) AS months FROM rent_arrears
                WHERE reference_date > DATE $T - 90 GROUP BY ALL),
debt_q AS (SELECT household_key, count(*) AS n, count(DISTINCT creditor_type) AS types FROM debt_cur
           WHERE arrears_eur >= 75.00 AND oldest_unpaid_date <= DATE $T - 30 AND NOT payment_plan GROUP BY ALL),
debt_total AS (SELECT household_key, sum(arrears_eur) AS arrears FROM debt_cur GROUP BY ALL),
school AS (SELECT DISTINCT household_key FROM (
             SELECT household_key, person_key, sum(hours) AS h FROM school_absence
             WHERE absence_kind IN ('unauthorised', 'luxury_leave') AND week_start > DATE $T - 28 GROUP BY ALL)
           WHERE h >= 16),
benefit AS (SELECT DISTINCT household_key FROM benefit_stops
            WHERE stop_date > DATE $T - 90 AND stop_date <= DATE $T
              AND reason IN ('sanction', 'end_of_entitlement', 'administrative', 'other')),
register_date AS (SELECT max(reference_date) AS d FROM households),
register AS (SELECT h.household_key, h.district_code, h.minors FROM households h, register_date r WHERE h.reference_date = r.d),
contact AS (SELECT DISTINCT household_key FROM outreach_outcomes WHERE closed_date > DATE $T - 180),
fired AS (
  SELECT household_key, 'rent_arrears' AS rule, 'housing' AS domain, 3 AS weight FROM rent_f
    WHERE n > 0 AND arrears >= 1.0 * rent AND NOT plan
  UNION ALL SELECT f.household_key, 'rent_arrears_persistent', 'housing', 2 FROM rent_f f JOIN rent_months m USING (household_key)
    WHERE f.n > 0 AND m.months >= 2
  UNION ALL SELECT household_key, 'fixed_cost_arrears', 'fixed_costs', 2 FROM debt_q WHERE n >= 1
  UNION ALL SELECT household_key, 'multiple_creditors', 'fixed_costs', 3 FROM debt_q WHERE types >= 2
  UNION ALL SELECT household_key, 'school_absence', 'school', 2 FROM school
  UNION ALL SELECT household_key, 'benefit_stop', 'income', 3 FROM benefit
),
domains AS (SELECT household_key, count(DISTINCT domain) AS domains FROM fired GROUP BY ALL),
meta AS (
  SELECT household_key, 'multi_domain' AS rule, 4 AS weight FROM domains WHERE domains >= 2
  UNION ALL SELECT d.household_key, 'children_in_household', 1 FROM domains d JOIN register r USING (household_key)
    WHERE r.minors >= 1 AND d.domains >= 1
),
all_fired AS (SELECT household_key, rule, weight FROM fired UNION ALL SELECT household_key, rule, weight FROM meta),
scored AS (
  SELECT a.household_key, sum(a.weight) AS score, coalesce(any_value(d.domains), 0) AS domains,
         string_agg(a.rule, '|' ORDER BY a.rule) AS rules
  FROM all_fired a LEFT JOIN domains d USING (household_key) GROUP BY a.household_key
)
SELECT s.household_key, s.score, s.domains, s.rules,
       CAST(coalesce(rf.arrears, 0) + coalesce(dt.arrears, 0) AS DECIMAL(18,2)) AS total_arrears_eur,
       r.district_code, r.household_key IS NOT NULL AS resident, c.household_key IS NOT NULL AS contacted
FROM scored s
LEFT JOIN rent_f rf USING (household_key)
LEFT JOIN debt_total dt USING (household_key)
LEFT JOIN register r USING (household_key)
LEFT JOIN contact c USING (household_key)
"""


def safe(cell):
    return "'" + cell if cell and cell[0] in "=+-@\t\r" else cell


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inbox", required=True)
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--memory-limit", default=None)
    ap.add_argument("--temp-dir", default=None)
    args = ap.parse_args()
    started = time.time()
    con = duckdb.connect()
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    if args.memory_limit:
        con.execute(f"SET memory_limit = {q(args.memory_limit)}")
    if args.temp_dir:
        con.execute(f"SET temp_directory = {q(args.temp_dir)}")
    inbox = Path(args.inbox)
    read = bad = 0
    for name, spec in SOURCES.items():
        r, b = load(con, inbox, name, spec, args.as_of)
        read += r
        bad += b
    loaded = time.time()
    rows = con.execute(RULES_SQL.replace("$T", q(args.as_of))).fetchall()
    register_present = con.execute("SELECT count(*) FROM households").fetchone()[0] > 0
    rows.sort(key=lambda r: (-r[1], -r[2], -r[4], r[0].encode()))
    counts = {"households_with_rule": len(rows), "eligible": 0, "not_resident": 0, "suppressed_recent_contact": 0, "listed": 0}
    rule_counts = {}
    lines = ["rank,household_key,score,domains,rules,total_arrears_eur,district_code"]
    for key, score, domains, rules, total, district, resident, contacted in rows:
        for rule in rules.split("|"):
            rule_counts[rule] = rule_counts.get(rule, 0) + 1
        if score < 5:
            continue
        counts["eligible"] += 1
        if register_present and not resident:
            counts["not_resident"] += 1
        elif contacted:
            counts["suppressed_recent_contact"] += 1
        else:
            counts["listed"] += 1
            cells = [str(counts["listed"]), key, str(score), str(domains), rules, f"{total:.2f}", district or ""]
            lines.append(",".join(safe(c) for c in cells))
    Path(args.out).write_text("\n".join(lines) + "\n")
    counts["rule_counts"] = dict(sorted(rule_counts.items()))
    counts["rows_read"] = read
    counts["rows_quarantined"] = bad
    counts["load_s"] = round(loaded - started, 2)
    counts["score_s"] = round(time.time() - loaded, 2)
    print(json.dumps(counts))


if __name__ == "__main__":
    sys.exit(main())
