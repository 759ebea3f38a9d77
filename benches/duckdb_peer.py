#!/usr/bin/env python3
"""The DuckDB peer of vroeg, for the benchmark.

Written from shared/spec (contracts.md, default-rules.md), not from vroeg's
code, in SQL: it reads the same CSV inbox, validates every row (the first
reason in the contract's order; rejected rows never count), writes the
validated rows as a Parquet store, and scores the default rule set from
that store into the same `signals.csv`, byte for byte.

    duckdb_peer.py ingest --inbox DIR --store DIR [--pipeline FILE]
    duckdb_peer.py score  --store DIR --as-of YYYY-MM-DD --out signals.csv
    duckdb_peer.py all    --inbox DIR --store DIR --as-of YYYY-MM-DD --out signals.csv
    common options: [--threads N] [--memory-limit 4GB] [--temp-dir DIR]

`ingest` builds the store anew from the whole inbox (CSV -> validated
Parquet), `score` reads only the store (Parquet -> list), `all` does both
in one process (like `vroeg run` into a fresh store). Each prints one JSON
line of counts.

The store (a folder; made anew by every ingest):

    FORMAT                 "duckdb-peer-store-1"
    <source>.parquet       every row read from the source's deliveries, typed,
                           with `_delivery` (the delivery's ordinal in file
                           name order) and `_reason` (NULL: accepted, else
                           the quarantine reason; the typed value of an
                           invalid cell is NULL), in delivery and line order
    deliveries.json        per delivery: status (read, empty, refused,
                           identical to an earlier one) and its counts
    replaced.json          per source, the (partition key value, delivery)
                           pairs replaced by a later delivery: kept in the
                           Parquet for audit, never scored

How it reads (the choices a DuckDB user would make, for speed):

- Every file's header line is read by Python (one line, not the file) and
  matched to the contract (case-insensitively after trimming; a missing
  required or repeated column refuses the file, extra columns are
  ignored). Files with the same header are read by one `read_csv` with
  `auto_detect=false` and the columns named, all VARCHAR: no sniffing.
  A header-only file is skipped (it changes nothing), and so is a file
  byte-identical to an earlier delivery of the same source (only files of
  equal size are hashed).
- Each value is typed once (a cheap full-match regex guards the cast); the
  reason CASEs read the typed values, and the detailed format reason is
  computed only for values that failed.
- Rows with the wrong number of fields (`malformed_row`) are skipped by the
  reader and counted from its rejects table; a file with bytes that are
  not UTF-8 is refused and its source read again without it (only then).
- `duplicate_key` (households): a grouped count of (delivery, hash of the
  unique columns) over the accepted rows, one delivery at a time; only
  when a hash repeats are those rows compared exactly and every occurrence
  after the first (Parquet row order = line order) marked.
- Corrections: a GROUP BY (partition key, delivery) over the accepted rows
  gives the replaced pairs at ingest; scoring anti-joins them (skipped when
  there are none), after its date filters.
- Scoring reads from each Parquet file only the rows its window can use
  (row-group statistics skip the rest): rent 45/90 days, debt 60, school
  28, benefits 90, outcomes 180, and only the latest register snapshot on
  or before T.

Known differences from vroeg's reader, none of which occur in `vroeg synth`
inboxes (with or without --mess the lists are identical): a file with
mixed line endings (`\\r\\n` and `\\n`) or a stray quote that DuckDB's CSV
reader rejects loses those rows (as `malformed_row`) where vroeg reads
them; quarantined rows carry no line number.
"""

import argparse
import csv
import hashlib
import io
import json
import os
import shutil
import sys
import time
import tomllib
from pathlib import Path

import duckdb

STORE_FORMAT = "duckdb-peer-store-1"
KEY_RE = "[0-9A-Za-z][0-9A-Za-z_-]*"

SUPPLIER = ("string", 32)
# Each source: its columns in contract order as (name, kind, required,
# extra), its partition key, the columns of the date_order check (earlier,
# later) and of the unique check.
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
        order=("oldest_unpaid_date", "reference_date"),
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
    ),
}

# The dialect of each source when no pipeline file is given: that of
# pipelines/zoetermeer.toml (and of `vroeg synth`).
DEFAULT_DIALECTS = {"debt_arrears": dict(delimiter=";", decimal_separator=",", date_format="%d-%m-%Y")}

SQL_TYPES = {"key": "VARCHAR", "string": "VARCHAR", "enum": "VARCHAR", "bool": "BOOLEAN", "date": "DATE",
             "amount": "DECIMAL(18,2)", "hours": "DECIMAL(38,18)", "integer": "INTEGER"}


def q(s):
    return "'" + str(s).replace("'", "''") + "'"


def ident(s):
    return '"' + s.replace('"', '""') + '"'


def dialects(pipeline):
    """delimiter, decimal separator and date pattern of every source."""
    declared = DEFAULT_DIALECTS
    if pipeline:
        with open(pipeline, "rb") as f:
            declared = tomllib.load(f).get("sources", {})
    out = {}
    for name in SOURCES:
        d = declared.get(name, {})
        out[name] = dict(
            delimiter=d.get("delimiter", ","),
            decimal=d.get("decimal_separator", "."),
            date_format=d.get("date_format", "%Y-%m-%d"),
        )
    return out


# ---------------------------------------------------------------------------
# Validation: one typed value per cell, then one reason per row.


def date_expr(col, pattern):
    """(the typed DATE of a raw cell, NULL when it is not a real date in the
    pattern exactly: zero-padded, nothing around it)."""
    regex, pieces, pos, i = "", {}, 1, 0
    while i < len(pattern):
        if pattern[i] == "%" and pattern[i + 1 : i + 2] in ("Y", "m", "d"):
            width = 4 if pattern[i + 1] == "Y" else 2
            pieces[pattern[i + 1]] = (pos, width)
            regex += f"[0-9]{{{width}}}"
            pos += width
            i += 2
        else:
            regex += "\\" + pattern[i] if not pattern[i].isalnum() else pattern[i]
            pos += 1
            i += 1
    if set(pieces) != {"Y", "m", "d"}:
        sys.exit(f"date pattern {pattern!r}: %Y, %m and %d must each appear once")
    if pattern == "%Y-%m-%d":
        # fast path: the cast, formatted back, gives the text (the cast alone
        # also takes '2024-1-5' and ' 024-01-05'); else the exact test
        return (f"CASE WHEN strlen({col}) = 10 AND CAST(try_cast({col} AS DATE) AS VARCHAR) = {col} THEN CAST({col} AS DATE) "
                f"WHEN regexp_full_match({col}, {q(regex)}) THEN try_cast({col} AS DATE) END")
    iso = " || '-' || ".join(f"substr({col}, {pieces[p][0]}, {pieces[p][1]})" for p in "Ymd")
    return f"CASE WHEN regexp_full_match({col}, {q(regex)}) THEN try_cast({iso} AS DATE) END"


def number_exprs(col, sep, decimals, sql_type):
    """(typed value, the format or range reason of a raw cell whose typed
    value is NULL) of an amount or hours."""
    s = "\\." if sep == "." else sep
    dotted = col if sep == "." else f"replace({col}, ',', '.')"
    exact = f"WHEN regexp_full_match({col}, '[0-9]+({s}[0-9]{{1,{decimals}}})?') THEN try_cast({dotted} AS {sql_type})"
    if sep == "." and decimals == 2:
        # fast path: a canonical amount ('12.50') is its own cast formatted back
        typed = (f"CASE WHEN NOT starts_with({col}, '-') AND CAST(try_cast({col} AS {sql_type}) AS VARCHAR) = {col} "
                 f"THEN CAST({col} AS {sql_type}) {exact} END")
    else:
        typed = f"CASE {exact} END"
    failed = (
        f"CASE WHEN NOT regexp_full_match({col}, '-?[0-9]+({s}[0-9]+)?') THEN 'invalid_number' "
        f"WHEN regexp_full_match({col}, '-?[0-9]+{s}[0-9]{{{decimals + 1},}}') THEN 'too_many_decimals' "
        f"WHEN starts_with({col}, '-') THEN 'negative_amount' ELSE 'out_of_range' END"
    )
    return typed, failed


def validation(spec, dialect):
    """(the typing projection, the output projection with `_reason`) of a
    source, over raw VARCHAR columns named as in the contract."""
    typing, output, reasons = [], [], []
    keys = [c for c, k, _, _ in spec["columns"] if k == "key"]
    reasons.append(
        "CASE WHEN " + " OR ".join(f"(strlen({k}) = 9 AND regexp_full_match({k}, '[0-9]+'))" for k in keys)
        + " THEN 'raw_identifier' END"
    )
    for col, kind, required, extra in spec["columns"]:
        v = f"{col}__v"
        missing = f"WHEN {col} IS NULL THEN 'missing_value' " if required else f"WHEN {col} IS NULL THEN NULL "
        if kind == "key":
            typing.append(col)
            output.append(col)
            reasons.append(f"CASE {missing}WHEN NOT (strlen({col}) BETWEEN 8 AND 128 AND regexp_full_match({col}, {q(KEY_RE)})) THEN 'invalid_key' END")
        elif kind == "string":
            typing.append(col)
            output.append(col)
            reasons.append(f"CASE {missing}WHEN length({col}) > {extra} THEN 'invalid_string' END")
        elif kind == "enum":
            typing.append(col)
            output.append(col)
            reasons.append(f"CASE {missing}WHEN {col} NOT IN ({', '.join(q(e) for e in extra)}) THEN 'invalid_enum' END")
        elif kind == "bool":
            typing += [col, f"CASE WHEN lower({col}) IN ('true', 'ja', 'yes', '1') THEN true WHEN lower({col}) IN ('false', 'nee', 'no', '0') THEN false END AS {v}"]
            output.append(f"coalesce({v}, false) AS {col}")
            reasons.append(f"CASE {missing}WHEN {v} IS NULL THEN 'invalid_bool' END")
        elif kind == "date":
            typing += [col, f"{date_expr(col, dialect['date_format'])} AS {v}"]
            output.append(f"{v} AS {col}")
            monday = f"WHEN isodow({v}) <> 1 THEN 'not_a_monday' " if extra == "monday" else ""
            reasons.append(f"CASE {missing}WHEN {v} IS NULL THEN 'invalid_date' {monday}END")
        elif kind in ("amount", "hours"):
            sql_type = SQL_TYPES[kind]
            typed, failed = number_exprs(col, dialect["decimal"], 2 if kind == "amount" else 18, sql_type)
            typing += [col, f"{typed} AS {v}"]
            output.append(f"{v} AS {col}")
            if kind == "hours":
                ranged = f"WHEN {v} = 0 OR {v} > 40 THEN 'out_of_range' "
            elif extra == "pos":
                ranged = f"WHEN {v} = 0 THEN 'out_of_range' "
            else:
                ranged = ""
            reasons.append(f"CASE {missing}WHEN {v} IS NULL THEN {failed} {ranged}END")
        elif kind == "integer":
            lo, hi = extra
            typing += [col, f"CASE WHEN CAST(try_cast({col} AS UINTEGER) AS VARCHAR) = {col} THEN CAST({col} AS BIGINT) "
                            f"WHEN regexp_full_match({col}, '[0-9]+') THEN try_cast({col} AS BIGINT) END AS {v}"]
            output.append(f"try_cast({v} AS INTEGER) AS {col}")
            reasons.append(
                f"CASE {missing}WHEN {v} IS NULL THEN CASE WHEN regexp_full_match({col}, '[0-9]+') THEN 'out_of_range' ELSE 'invalid_number' END "
                f"WHEN {v} NOT BETWEEN {lo} AND {hi} THEN 'out_of_range' END"
            )
    if "order" in spec:
        a, b = spec["order"]
        reasons.append(f"CASE WHEN {a}__v > {b}__v THEN 'date_order' END")
    typing += ["_delivery", "_malformed"]
    output.append("_delivery")
    output.append("CASE WHEN _malformed THEN 'malformed_row' ELSE coalesce(" + ", ".join(reasons) + ") END AS _reason")
    return typing, output


# ---------------------------------------------------------------------------
# The inbox: headers, groups of files with one header, identical files.


# A quote-free file up to this size is read whole by `read_text` and split
# in SQL: DuckDB's CSV reader costs ~0.3 ms per file before it reads a
# byte, which dominates for thousands of small deliveries. Larger files and
# files with quotes or bare carriage returns go to `read_csv` (parallel
# within a file, RFC 4180 quoting).
SMALL = 2 << 20


def parse_header(line, delimiter, spec):
    """The file's columns (contract names, None for an extra column), or
    the reason the file is refused."""
    if line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not valid UTF-8"
    names = next(csv.reader(io.StringIO(text.rstrip("\r\n")), delimiter=delimiter), [])
    names = [n.strip().lower() for n in names]
    known = [c for c, _, _, _ in spec["columns"]]
    for col, _, required, _ in spec["columns"]:
        n = names.count(col)
        if n == 0 and required:
            return None, f"column `{col}` missing"
        if n > 1:
            return None, f"column `{col}` appears {n} times"
    return [n if n in known else None for n in names], None


def plan_source(inbox, name, spec, dialect):
    """The deliveries of a source in file name order, and the groups of
    files to read: {(columns, 'text' | 'csv'): [(ordinal, path)]}."""
    files = sorted((inbox / name).glob("*.csv"), key=lambda p: p.name.encode())
    deliveries, groups, taken = [], {}, {}
    for ordinal, path in enumerate(files):
        entry = {"file": path.name, "delivery": ordinal, "status": "read"}
        deliveries.append(entry)
        size = path.stat().st_size
        if size <= SMALL:
            data = path.read_bytes()
            head, _, rest = data.partition(b"\n")
            empty = not rest.strip(b"\r\n")
            digest = hashlib.sha1(data).digest()
        else:
            with open(path, "rb") as f:
                head, empty, digest = f.readline(), False, None
        columns, refused = parse_header(head, dialect["delimiter"], spec)
        if refused:
            entry["status"] = f"refused: {refused}"
            continue
        if empty:
            entry["status"] = "empty"
            continue
        # a byte-identical re-delivery changes nothing: hash only files of a size seen before
        same_size = taken.setdefault(size, [])
        if same_size and digest is None:
            with open(path, "rb") as f:
                digest = hashlib.file_digest(f, "sha1").digest()
        for other in same_size:
            if other[1] is None:
                with open(files[other[0]], "rb") as f:
                    other[1] = hashlib.file_digest(f, "sha1").digest()
        twin = next((o for o, d in same_size if d == digest), None)
        same_size.append([ordinal, digest])
        if twin is not None:
            entry["status"] = f"identical to {files[twin].name}"
            continue
        kind = "csv"
        if size <= SMALL and b'"' not in data and data.count(b"\r") == data.count(b"\r\n"):
            try:
                data.decode("utf-8")
                kind = "text"
            except UnicodeDecodeError:
                entry["status"] = "refused: not valid UTF-8"
                continue
        groups.setdefault((tuple(columns), kind), []).append((ordinal, path))
    return deliveries, groups


def scan_sql(spec, dialect, groups, rejects):
    """A UNION ALL of one scan per group of files with the same header,
    giving the contract's columns (raw VARCHAR, NULL when empty),
    `_delivery` and `_malformed` (the wrong number of fields)."""
    parts = []
    delim = q(dialect["delimiter"])
    for (columns, kind), files in groups.items():
        ords = [o for o, _ in files]
        paths = "[" + ", ".join(q(str(p)) for _, p in files) + "]"
        if ords == list(range(ords[0], ords[0] + len(ords))):
            delivery = f"CAST(file_index AS INTEGER) + {ords[0]}"
        else:
            delivery = "[" + ", ".join(map(str, ords)) + "][CAST(file_index AS BIGINT) + 1]"
        if kind == "text":
            select = ", ".join(
                f"nullif(f[{columns.index(c) + 1}], '') AS {c}" if c in columns else f"NULL::VARCHAR AS {c}"
                for c, _, _, _ in spec["columns"]
            )
            parts.append(
                f"SELECT {select}, _delivery, len(f) <> {len(columns)} AS _malformed FROM ("
                f"SELECT string_split(line, {delim}) AS f, _delivery FROM ("
                f"SELECT CASE WHEN suffix(line, chr(13)) THEN substr(line, 1, length(line) - 1) ELSE line END AS line, _delivery FROM ("
                f"SELECT unnest(string_split(substr(content, strpos(content, chr(10)) + 1), chr(10))) AS line, {delivery} AS _delivery "
                f"FROM read_text({paths}))) WHERE line <> '')"
            )
        else:
            names = [c if c else f"_extra{i}" for i, c in enumerate(columns)]
            cols = "{" + ", ".join(f"{q(n)}: 'VARCHAR'" for n in names) + "}"
            select = ", ".join(
                ident(c) if c in columns else f"NULL::VARCHAR AS {c}" for c, _, _, _ in spec["columns"]
            )
            parts.append(
                f"SELECT {select}, {delivery} AS _delivery, false AS _malformed FROM read_csv("
                f"{paths}, auto_detect = false, header = true, delim = {delim}, quote = '\"', escape = '\"', "
                f"columns = {cols}, ignore_errors = true, store_rejects = true, rejects_table = {q(rejects)}, "
                f"rejects_scan = {q(rejects + '_scans')})"
            )
    return "\nUNION ALL\n".join(parts)


# ---------------------------------------------------------------------------
# Ingest: inbox -> store.


def ingest_source(con, inbox, store, name, spec, dialect):
    deliveries, groups = plan_source(inbox, name, spec, dialect)
    by_path = {str(p): o for files in groups.values() for o, p in files}
    typing, output = validation(spec, dialect)
    target = store / f"{name}.parquet"
    malformed = {}
    while True:
        if not groups:
            empty = ", ".join(f"NULL::{SQL_TYPES[k]} AS {c}" for c, k, _, _ in spec["columns"])
            con.execute(f"COPY (SELECT {empty}, NULL::INTEGER AS _delivery, NULL::VARCHAR AS _reason WHERE false) "
                        f"TO {q(str(target))} (FORMAT parquet)")
            break
        rejects = f"rejects_{name}"
        con.execute(f"DROP TABLE IF EXISTS {rejects}; DROP TABLE IF EXISTS {rejects}_scans")
        con.execute(
            f"COPY (SELECT {', '.join(output)} FROM (SELECT {', '.join(typing)} FROM ({scan_sql(spec, dialect, groups, rejects)}))) "
            f"TO {q(str(target))} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)"
        )
        errors = []
        if any(kind == "csv" for _, kind in groups):
            errors = con.execute(
                f"SELECT s.file_path, e.error_type, count(*) FROM {rejects} e JOIN {rejects}_scans s USING (scan_id, file_id) GROUP BY ALL"
            ).fetchall()
        bad_encoding = {path for path, kind, _ in errors if kind == "INVALID ENCODING"}
        malformed = {}
        for path, kind, n in errors:
            malformed[by_path[path]] = malformed.get(by_path[path], 0) + n
        if not bad_encoding:
            break
        # a file that is not UTF-8 is refused whole: read the source again without it
        for o in sorted(by_path[p] for p in bad_encoding):
            deliveries[o]["status"] = "refused: not valid UTF-8"
        groups = {k: [(o, p) for o, p in files if str(p) not in bad_encoding] for k, files in groups.items()}
        groups = {k: files for k, files in groups.items() if files}
    table = f"read_parquet({q(str(target))})"
    if "unique" in spec:
        mark_duplicates(con, target, spec["unique"], sorted(o for files in groups.values() for o, _ in files))
    counts = con.execute(f"SELECT _delivery, _reason, count(*) FROM {table} GROUP BY ALL").fetchall()
    for d in deliveries:
        if d["status"] == "read":
            d.update(rows_read=0, accepted=0, quarantined={})
    for o, reason, n in counts:
        d = deliveries[o]
        d["rows_read"] += n
        if reason is None:
            d["accepted"] += n
        else:
            d["quarantined"][reason] = n
    for o, n in malformed.items():
        deliveries[o]["rows_read"] += n
        deliveries[o]["quarantined"]["malformed_row"] = deliveries[o]["quarantined"].get("malformed_row", 0) + n
    part = ", ".join(spec["partition"])
    replaced = con.execute(
        f"SELECT {part}, _delivery FROM (SELECT {part}, _delivery, max(_delivery) OVER (PARTITION BY {part}) AS latest "
        f"FROM (SELECT DISTINCT {part}, _delivery FROM {table} WHERE _reason IS NULL)) WHERE _delivery < latest ORDER BY ALL"
    ).fetchall()
    return deliveries, [[str(v) for v in r[:-1]] + [r[-1]] for r in replaced]


def mark_duplicates(con, target, unique, ordinals):
    """Marks `duplicate_key` on every accepted row whose unique columns
    repeat an earlier accepted row of the same delivery."""
    table = f"read_parquet({q(str(target))})"
    cols = ", ".join(unique)
    marks = []
    for o in ordinals:
        hashes = con.execute(
            f"SELECT h FROM (SELECT hash({cols}) AS h FROM {table} WHERE _delivery = {o} AND _reason IS NULL) "
            f"GROUP BY h HAVING count(*) > 1"
        ).fetchall()
        if not hashes:
            continue
        # a hash repeats: compare those rows exactly, in line order
        marks += con.execute(
            f"SELECT file_row_number FROM (SELECT file_row_number, row_number() OVER (PARTITION BY {cols} ORDER BY file_row_number) AS n "
            f"FROM read_parquet({q(str(target))}, file_row_number = true) WHERE _delivery = {o} AND _reason IS NULL "
            f"AND hash({cols}) IN ({', '.join(str(h) for h, in hashes)})) WHERE n > 1"
        ).fetchall()
    if marks:
        tmp = target.with_suffix(".tmp.parquet")
        con.execute(f"CREATE TEMP TABLE dup_rows AS SELECT unnest([{', '.join(str(m) for m, in marks)}]) AS r")
        con.execute(
            f"COPY (SELECT * EXCLUDE (file_row_number) REPLACE (CASE WHEN file_row_number IN (SELECT r FROM dup_rows) "
            f"THEN 'duplicate_key' ELSE _reason END AS _reason) FROM read_parquet({q(str(target))}, file_row_number = true) "
            f"ORDER BY file_row_number) TO {q(str(tmp))} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)"
        )
        con.execute("DROP TABLE dup_rows")
        os.replace(tmp, target)


def ingest(con, inbox, store, pipeline):
    inbox, store = Path(inbox), Path(store)
    if store.exists():
        if not (store / "FORMAT").exists():
            sys.exit(f"{store} exists and is not a peer store")
        shutil.rmtree(store)
    store.mkdir(parents=True)
    dia = dialects(pipeline)
    all_deliveries, replaced = {}, {}
    for name, spec in SOURCES.items():
        all_deliveries[name], replaced[name] = ingest_source(con, inbox, store, name, spec, dia[name])
    (store / "deliveries.json").write_text(json.dumps(all_deliveries, indent=1) + "\n")
    (store / "replaced.json").write_text(json.dumps(replaced, indent=1) + "\n")
    (store / "FORMAT").write_text(STORE_FORMAT + "\n")
    out = {"deliveries": 0, "refused_files": 0, "identical_files": 0, "rows_read": 0, "rows_accepted": 0,
           "rows_quarantined": 0, "replaced_partitions": sum(len(r) for r in replaced.values())}
    for ds in all_deliveries.values():
        for d in ds:
            out["deliveries"] += 1
            out["refused_files"] += d["status"].startswith("refused")
            out["identical_files"] += d["status"].startswith("identical")
            out["rows_read"] += d.get("rows_read", 0)
            out["rows_accepted"] += d.get("accepted", 0)
            out["rows_quarantined"] += sum(d.get("quarantined", {}).values())
    return out


# ---------------------------------------------------------------------------
# Score: store -> list (the default rule set, default-rules.md).

RULES = [  # (id, flag column, weight), in byte order of the ids
    ("benefit_stop", "benefit", 3),
    ("children_in_household", "children", 1),
    ("fixed_cost_arrears", "fixed_cost", 2),
    ("multi_domain", "multi", 4),
    ("multiple_creditors", "creditors", 3),
    ("rent_arrears", "rent", 3),
    ("rent_arrears_persistent", "rent_persistent", 2),
    ("school_absence", "school", 2),
]
assert [r for r, _, _ in RULES] == sorted((r for r, _, _ in RULES), key=str.encode)

SCORE_SQL = """
CREATE TEMP TABLE scored AS
WITH
rent AS (SELECT household_key, landlord_code, reference_date, arrears_eur, monthly_rent_eur, payment_plan
         FROM src_rent_arrears WHERE reference_date > $T - 90 AND reference_date <= $T),
rent_sup AS (SELECT landlord_code, max(reference_date) AS d FROM rent WHERE reference_date > $T - 45 GROUP BY ALL),
rent_f AS (SELECT r.household_key, sum(r.arrears_eur) AS arrears, sum(r.monthly_rent_eur) AS monthly, bool_or(r.payment_plan) AS plan
           FROM rent r JOIN rent_sup s ON r.landlord_code = s.landlord_code AND r.reference_date = s.d GROUP BY ALL),
rent_m AS (SELECT household_key, count(DISTINCT date_trunc('month', reference_date)) AS months FROM rent GROUP BY ALL),
debt AS (SELECT household_key, creditor_code, reference_date, creditor_type, arrears_eur, oldest_unpaid_date, payment_plan
         FROM src_debt_arrears WHERE reference_date > $T - 60 AND reference_date <= $T),
debt_sup AS (SELECT creditor_code, max(reference_date) AS d FROM debt GROUP BY ALL),
debt_f AS (SELECT household_key, sum(arrears_eur) AS arrears, count(*) FILTER (WHERE q) AS n, count(DISTINCT creditor_type) FILTER (WHERE q) AS types
           FROM (SELECT r.*, r.arrears_eur >= 75.00 AND r.oldest_unpaid_date <= $T - 30 AND NOT r.payment_plan AS q
                 FROM debt r JOIN debt_sup s ON r.creditor_code = s.creditor_code AND r.reference_date = s.d) GROUP BY ALL),
pupils AS (SELECT household_key, person_key, sum(hours) AS h FROM src_school_absence
           WHERE week_start > $T - 28 AND week_start <= $T AND absence_kind IN ('unauthorised', 'luxury_leave') GROUP BY ALL),
school AS (SELECT DISTINCT household_key FROM pupils WHERE h >= 16),
benefit AS (SELECT DISTINCT household_key FROM src_benefit_stops
            WHERE stop_date > $T - 90 AND stop_date <= $T AND reference_date <= $T
              AND reason IN ('sanction', 'end_of_entitlement', 'administrative', 'other')),
flags AS (
  SELECT f.household_key, NOT f.plan AND f.arrears >= 1.0 * f.monthly AS rent, coalesce(m.months, 0) >= 2 AS rent_persistent,
         false AS fixed_cost, false AS creditors, false AS school, false AS benefit, f.arrears AS rent_eur, NULL AS debt_eur
    FROM rent_f f LEFT JOIN rent_m m USING (household_key)
  UNION ALL SELECT household_key, false, false, n >= 1, types >= 2, false, false, NULL, arrears FROM debt_f
  UNION ALL SELECT household_key, false, false, false, false, true, false, NULL, NULL FROM school
  UNION ALL SELECT household_key, false, false, false, false, false, true, NULL, NULL FROM benefit
),
fired AS (
  SELECT *, CAST(rent OR rent_persistent AS INTEGER) + CAST(fixed_cost OR creditors AS INTEGER) + CAST(school AS INTEGER) + CAST(benefit AS INTEGER) AS domains
  FROM (SELECT household_key, bool_or(rent) AS rent, bool_or(rent_persistent) AS rent_persistent, bool_or(fixed_cost) AS fixed_cost,
               bool_or(creditors) AS creditors, bool_or(school) AS school, bool_or(benefit) AS benefit,
               coalesce(sum(rent_eur), 0) + coalesce(sum(debt_eur), 0) AS total
        FROM flags GROUP BY household_key)
  WHERE rent OR rent_persistent OR fixed_cost OR creditors OR school OR benefit
),
register AS (SELECT household_key, district_code, minors FROM src_households WHERE reference_date = $REGISTER),
contact AS (SELECT DISTINCT household_key FROM src_outreach_outcomes WHERE closed_date > $T - 180 AND closed_date <= $T)
SELECT f.*, f.domains >= 2 AS multi, coalesce(r.minors, 0) >= 1 AS children,
       r.district_code, r.household_key IS NOT NULL AS resident, c.household_key IS NOT NULL AS contacted
FROM fired f LEFT JOIN register r USING (household_key) LEFT JOIN contact c USING (household_key)
"""


def score(con, store, as_of, out):
    store = Path(store)
    if (store / "FORMAT").read_text().strip() != STORE_FORMAT:
        sys.exit(f"{store} is not a peer store")
    replaced = json.loads((store / "replaced.json").read_text())
    for name, spec in SOURCES.items():
        cols = ", ".join(c for c, _, _, _ in spec["columns"])
        view = f"SELECT {cols} FROM read_parquet({q(str(store / f'{name}.parquet'))}) WHERE _reason IS NULL"
        if replaced[name]:
            kinds = {c: k for c, k, _, _ in spec["columns"]}
            part = list(spec["partition"])
            rows = ", ".join(
                "(" + ", ".join(f"CAST({q(v)} AS {SQL_TYPES[kinds[c]]})" for c, v in zip(part, r[:-1])) + f", {r[-1]})"
                for r in replaced[name]
            )
            view = (
                f"SELECT {cols} FROM read_parquet({q(str(store / f'{name}.parquet'))}) s WHERE _reason IS NULL AND NOT EXISTS "
                f"(SELECT 1 FROM (VALUES {rows}) x({', '.join(part)}, _delivery) WHERE "
                + " AND ".join(f"x.{c} = s.{c}" for c in part + ["_delivery"]) + ")"
            )
        con.execute(f"CREATE OR REPLACE TEMP VIEW src_{name} AS {view}")
    t = f"DATE {q(as_of)}"
    register = con.execute(f"SELECT max(reference_date) FROM src_households WHERE reference_date <= {t}").fetchone()[0]
    con.execute(SCORE_SQL.replace("$T", t).replace("$REGISTER", f"DATE {q(register)}" if register else "NULL"))
    score_expr = " + ".join(f"{w} * CAST({flag} AS INTEGER)" for _, flag, w in RULES)
    rules_expr = "concat_ws('|', " + ", ".join(f"CASE WHEN {flag} THEN '{r}' END" for r, flag, _ in RULES) + ")"
    resident = "resident" if register else "true"
    con.execute(
        f"CREATE TEMP TABLE ranked AS SELECT *, {score_expr} AS score, {score_expr} >= 5 AS eligible, "
        f"{score_expr} >= 5 AND {resident} AND NOT contacted AS listed FROM scored"
    )
    counts = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE eligible), count(*) FILTER (WHERE eligible AND NOT {resident}), "
        f"count(*) FILTER (WHERE eligible AND {resident} AND contacted), count(*) FILTER (WHERE listed), "
        + ", ".join(f"count(*) FILTER (WHERE {flag})" for _, flag, _ in RULES) + " FROM ranked"
    ).fetchone()
    rows = con.execute(
        f"SELECT household_key, score, domains, {rules_expr}, CAST(CAST(total AS DECIMAL(38,2)) AS VARCHAR), district_code "
        f"FROM ranked WHERE listed ORDER BY score DESC, domains DESC, total DESC, household_key"
    ).fetchall()
    lines = ["rank,household_key,score,domains,rules,total_arrears_eur,district_code"]
    for rank, (key, sc, domains, rules, total, district) in enumerate(rows, 1):
        cells = [str(rank), key, str(sc), str(domains), rules, total, district or ""]
        lines.append(",".join(cell(c) for c in cells))
    Path(out).write_text("\n".join(lines) + "\n")
    result = dict(zip(["households_with_rule", "eligible", "not_resident", "suppressed_recent_contact", "listed"], counts[:5]))
    result["rule_counts"] = {r: n for (r, _, _), n in zip(RULES, counts[5:])}
    return result


def cell(c):
    """A spreadsheet-safe CSV cell (contracts.md), quoted when it must be."""
    if c and c[0] in "=+-@\t\r":
        c = "'" + c
    if any(ch in c for ch in ',"\r\n'):
        c = '"' + c.replace('"', '""') + '"'
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("ingest", "score", "all"):
        p = sub.add_parser(name)
        p.add_argument("--store", required=True)
        if name != "score":
            p.add_argument("--inbox", required=True)
            p.add_argument("--pipeline", help="read the sources' CSV dialects from this pipeline file")
        if name != "ingest":
            p.add_argument("--as-of", required=True)
            p.add_argument("--out", required=True)
        p.add_argument("--threads", type=int, default=0)
        p.add_argument("--memory-limit", default=None)
        p.add_argument("--temp-dir", default=None)
    args = ap.parse_args()
    con = duckdb.connect()
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    if args.memory_limit:
        con.execute(f"SET memory_limit = {q(args.memory_limit)}")
    if args.temp_dir:
        con.execute(f"SET temp_directory = {q(args.temp_dir)}")
    result = {}
    started = time.time()
    if args.cmd in ("ingest", "all"):
        result.update(ingest(con, args.inbox, args.store, args.pipeline))
        result["ingest_s"] = round(time.time() - started, 2)
    if args.cmd in ("score", "all"):
        scored = time.time()
        result.update(score(con, args.store, args.as_of, args.out))
        result["score_s"] = round(time.time() - scored, 2)
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
