#!/usr/bin/env python3
"""Independent verifier of random_inspection audit records, using only Python's standard library.

Copy this one file anywhere with Python 3.11+ and run::

    python verifier.py record.json directory.csv

It re-implements draw spec v1 (docs/spec/draw-spec-v1.md) from scratch, without importing the
random_inspection package: it recomputes the directory digest from the CSV (as written by
``TargetDirectory.to_csv``, English or Chinese headers, UTF-8 or GB18030), the record digest,
the eligible frame, the allocation and every Rivest selection, and compares each with the
record. Exit status 0: the record replays exactly; 1: some check failed; 2: unusable input.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import heapq
import io
import json
import math
import sys
import unicodedata
from fractions import Fraction
from typing import Any

SPEC_VERSION = "1"
FIELDS = ("id", "name", "entity_type", "region", "industry", "registering_office",
          "supervising_office", "risk_class", "tags", "last_check_date")
CHINESE_HEADERS = {
    "统一社会信用代码": "id", "主体名称": "name", "主体类型": "entity_type",
    "行政区划代码": "region", "行业代码": "industry", "登记机关": "registering_office",
    "管辖单位": "supervising_office", "信用风险分类": "risk_class", "标签": "tags",
    "上次检查日期": "last_check_date",
}
ENTITY_TYPES = {"enterprise": "企业", "individual_business": "个体工商户",
                "farmer_cooperative": "农民专业合作社", "other_organisation": "其他组织",
                "product": "产品", "project": "项目"}
CLASSES = ("A", "B", "C", "D", "U")
CLASS_LABELS = {"信用风险低": "A", "信用风险一般": "B", "信用风险较高": "C", "信用风险高": "D",
                "未分类": "U", "": "U"}


class UnusableInputError(Exception):
    """The inputs cannot be read."""


# --- directory ----------------------------------------------------------------------------

def read_directory(path: str) -> list[dict[str, str]]:
    """Rows of the directory CSV with canonical values, sorted by id."""
    with open(path, "rb") as handle:
        data = handle.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnusableInputError(f"{path}: neither UTF-8 nor GB18030")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [CHINESE_HEADERS.get(h.strip(), h.strip()) for h in next(reader)]
    missing = [f for f in ("id", "name", "entity_type", "region") if f not in header]
    if missing:
        raise UnusableInputError(f"{path}: missing columns {missing}")
    zh_types = {v: k for k, v in ENTITY_TYPES.items()}
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        raw = dict(zip(header, cells, strict=True))
        row = {f: unicodedata.normalize("NFC", raw.get(f, "")).strip() for f in FIELDS}
        row["id"] = unicodedata.normalize("NFKC", raw["id"]).strip().upper()
        row["entity_type"] = zh_types.get(row["entity_type"], row["entity_type"])
        row["industry"] = row["industry"].upper()
        risk = row["risk_class"]
        row["risk_class"] = CLASS_LABELS.get(risk, risk.rstrip("类").upper())
        row["tags"] = ";".join(sorted({t.strip() for t in row["tags"].replace("；", ";")
                                       .replace("|", ";").split(";") if t.strip()}))
        date = row["last_check_date"].replace("/", "-")
        row["last_check_date"] = dt.date.fromisoformat(date).isoformat() if date else ""
        rows.append(row)
    rows.sort(key=lambda r: r["id"].encode())
    return rows


def directory_digest(rows: list[dict[str, str]]) -> str:
    """Spec §5: SHA-256 of the canonical tab-separated text."""
    h = hashlib.sha256(("random-inspection/target-directory/v1\n" + "\t".join(FIELDS) + "\n")
                       .encode())
    for row in rows:
        h.update(("\t".join(row[f] for f in FIELDS) + "\n").encode())
    return "sha256:" + h.hexdigest()


# --- the draw ----------------------------------------------------------------------------

def digest_function(name: str) -> Any:
    if name == "sha256":
        return lambda b: hashlib.sha256(b).digest()
    if name == "sm3":
        return lambda b: hashlib.new("sm3", b).digest()
    raise UnusableInputError(f"unknown hash {name!r}")


def rivest(seed_string: str, population: int, size: int, hash_name: str) -> list[int]:
    """Spec §4: distinct positions 1..N in draw order, H(seed,i) mod N + 1, i = 1, 2, …"""
    digest = digest_function(hash_name)
    chosen: list[int] = []
    seen: set[int] = set()
    i = 0
    while len(chosen) < size:
        i += 1
        x = int.from_bytes(digest(f"{seed_string},{i}".encode()), "big") % population + 1
        if x not in seen:
            seen.add(x)
            chosen.append(x)
    return chosen


def eligible_rows(rows: list[dict[str, str]], design: dict[str, Any]
                  ) -> tuple[list[dict[str, str]], dict[str, int]]:
    """Spec §6: the scope, then the exclusions, each counted."""
    scope = design["scope"]

    def in_scope(r: dict[str, str]) -> bool:
        tags = set(filter(None, r["tags"].split(";")))
        return all([
            not scope["region_prefixes"] or r["region"].startswith(tuple(scope["region_prefixes"])),
            not scope["industry_prefixes"]
            or r["industry"].startswith(tuple(scope["industry_prefixes"])),
            not scope["entity_types"] or r["entity_type"] in scope["entity_types"],
            not scope["risk_classes"] or r["risk_class"] in scope["risk_classes"],
            set(scope["tags_all"]) <= tags,
            not scope["tags_any"] or bool(set(scope["tags_any"]) & tags),
            not scope["registering_offices"]
            or r["registering_office"] in scope["registering_offices"],
            not scope["supervising_offices"]
            or r["supervising_office"] in scope["supervising_offices"],
        ])

    kept = [r for r in rows if in_scope(r)]
    counts = {"out_of_scope": len(rows) - len(kept)}
    since = design["exclude_checked_since"]
    if since is not None:
        recent = [r for r in kept if r["last_check_date"] and r["last_check_date"] >= since]
        counts[f"checked since {since}"] = len(recent)
        kept = [r for r in kept if not (r["last_check_date"] and r["last_check_date"] >= since)]
    for reason, ids in sorted(design["excluded_ids"].items()):
        listed = set(ids)
        counts[reason] = sum(r["id"] in listed for r in kept)
        kept = [r for r in kept if r["id"] not in listed]
    return kept, counts


def size_for(rate: Fraction, population: int, minimum: int, maximum: int | None) -> int:
    n = max(math.ceil(min(Fraction(1), rate) * population), min(minimum, population))
    return min(n if maximum is None else min(n, maximum), population)


def stratified(design: dict[str, Any], pops: list[int]) -> tuple[list[int], list[Fraction]]:
    """Spec §7.1: ceil(rate × N), minimums, maximums, then the least floor scale."""
    rates = [Fraction(design["rates"][c]) for c in CLASSES]
    mins = [design["minimums"][c] or 0 for c in CLASSES]
    maxs = [design["maximums"][c] for c in CLASSES]
    need = math.ceil(Fraction(design["floor"]) * sum(pops))

    def sizes(s: Fraction) -> list[int]:
        return [size_for(s * r, n, lo, hi) for r, n, lo, hi in zip(rates, pops, mins, maxs,
                                                                     strict=True)]
    scale = Fraction(1)
    if sum(sizes(scale)) < need:
        # Sizes only change at s = k / (r·N): walk those breakpoints upward, in order, until
        # the floor is met (each step adds at most one target, so the walk is short).
        def breakpoints(r: Fraction, n: int) -> Any:
            return (Fraction(k) / (r * n) for k in range(math.floor(r * n) + 1, n + 1))
        walk = heapq.merge(*(breakpoints(r, n) for r, n in zip(rates, pops, strict=True)
                             if r > 0 and n > 0))
        scale = next(s for s in walk if s > 1 and sum(sizes(s)) >= need)
    return sizes(scale), [min(Fraction(1), scale * r) for r in rates]


def weighted(design: dict[str, Any], pops: list[int], uniform: Fraction) -> list[int]:
    """Spec §7.2: π_h = min(1, c·w_h), then systematic rounding with start ``uniform``."""
    weights = [Fraction(design["weights"][c]) for c in CLASSES]
    total = max(design["total"], math.ceil(Fraction(design["floor"]) * sum(pops)))
    capped: set[int] = set()
    while True:
        free = [h for h in range(5) if weights[h] > 0 and h not in capped and pops[h]]
        mass = sum(weights[h] * pops[h] for h in free)
        c = Fraction(total - sum(pops[h] for h in capped)) / mass if mass else Fraction(0)
        newly = {h for h in free if c * weights[h] >= 1}
        if not newly:
            break
        capped |= newly
    expected = [(Fraction(1) if h in capped else c * weights[h]) * pops[h] for h in range(5)]
    sizes = [math.floor(e) for e in expected]
    low = Fraction(0)
    for h in range(5):
        high = low + expected[h] - sizes[h]
        if math.ceil(low - uniform) < high - uniform:
            sizes[h] += 1
        low = high
    return sizes


# --- the record --------------------------------------------------------------------------

def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def check(record_path: str, directory_path: str) -> list[tuple[str, bool, str]]:
    """Every check as (name, passed, detail)."""
    with open(record_path, encoding="utf-8") as handle:
        record = json.load(handle)
    results: list[tuple[str, bool, str]] = []

    def compare(name: str, recorded: Any, computed: Any) -> None:
        results.append((name, recorded == computed,
                        "match" if recorded == computed else
                        f"recorded {recorded!r:.120} but computed {computed!r:.120}"))

    compare("spec_version", record.get("spec_version"), SPEC_VERSION)
    content = {k: v for k, v in record.items() if k != "record_digest"}
    compare("record_digest", record.get("record_digest"),
            "sha256:" + hashlib.sha256(canonical(content).encode()).hexdigest())
    rows = read_directory(directory_path)
    compare("directory_digest", record["directory"]["digest"], directory_digest(rows))
    compare("directory_size", record["directory"]["size"], len(rows))
    design, seed, purpose = record["design"], record["seed"]["value"], record["purpose"]
    hash_name = record.get("hash", "sha256")
    kept, counts = eligible_rows(rows, design)
    compare("eligibility", record["eligibility"], counts)
    strata = {c: [r["id"] for r in kept if r["risk_class"] == c] for c in CLASSES}
    pops = [len(strata[c]) for c in CLASSES]
    if design["kind"] == "stratified-by-risk":
        sizes, _ = stratified(design, pops)
    elif design["kind"] == "class-weighted":
        x = int.from_bytes(digest_function(hash_name)(f"{seed},{purpose},rounding,1".encode()),
                           "big")
        sizes = weighted(design, pops, Fraction(x, 2**256))
    else:
        raise UnusableInputError(f"unknown design kind {design['kind']!r}")
    recorded = {s["label"]: s for s in record["strata"]}
    for c, population, size in zip(CLASSES, pops, sizes, strict=True):
        mine = recorded.get(c, {})
        seed_string = f"{seed},{purpose},{c}"
        compare(f"stratum {c} population", mine.get("population"), population)
        compare(f"stratum {c} size", mine.get("size"), size)
        compare(f"stratum {c} seed_string", mine.get("seed_string"), seed_string)
        ids = strata[c]
        picked = (ids if size == population else
                  [ids[p - 1] for p in rivest(seed_string, population, size, hash_name)])
        compare(f"stratum {c} selection", mine.get("selected"), picked)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("record", help="audit record JSON")
    parser.add_argument("directory", help="target directory CSV the draw was made from")
    args = parser.parse_args(argv)
    try:
        results = check(args.record, args.directory)
    except (UnusableInputError, OSError, KeyError, ValueError) as error:
        print(f"verifier: cannot check: {error}", file=sys.stderr)
        return 2
    for name, passed, detail in results:
        print(f"{'ok  ' if passed else 'FAIL'} {name}: {detail}")
    failed = sum(not passed for _, passed, _ in results)
    print("VERIFIED" if not failed else f"NOT VERIFIED: {failed} check(s) failed")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
