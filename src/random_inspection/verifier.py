#!/usr/bin/env python3
"""Independent verifier of random_inspection audit records, using only Python's standard library.

Copy this one file anywhere with Python 3.11+ and run::

    python verifier.py record.json directory.csv
    python verifier.py records/ directory.csv          # every *.json record in a folder

It re-implements draw spec 1.1 (docs/spec/draw-spec.md) from scratch, without importing the
random_inspection package, and checks records of spec 1 and 1.1: it reads the record strictly
(canonical JSON, every key and type of §9), recomputes the record digest, the digest of the
directory CSV (§13: English or Chinese headers, UTF-8 or GB18030), the eligible frame, the
whole allocation and every Rivest selection, and compares each with the record. A record with
inspection teams also needs the registers they were drawn from (the same options as
``random-inspection verify``)::

    python verifier.py record.json directory.csv --inspectors inspectors.csv \
        --item-list items.csv [--conflicts conflicts.csv] [--previous previous.json]

Given a folder of a year's records, it also checks them against each other (§12.13): a
target joining an earlier visit's team names a record of the folder that drew that team,
and the people of a target's earlier visits inspect it in another record.

Exit status (spec §10.3): 0 verified; 1 not verified (the record does not replay, or it was
altered); 2 cannot check (an input is missing, unreadable or not what it should be — the
message says which option to pass).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import heapq
import io
import itertools
import json
import math
import re
import sys
import unicodedata
from collections import deque
from fractions import Fraction
from pathlib import Path
from typing import Any

SPEC_VERSIONS = ("1", "1.1")
FORMAT = "random-inspection/audit-record"
CLASSES = ("A", "B", "C", "D", "U")
FIELDS = ("id", "name", "entity_type", "region", "industry", "registering_office",
          "supervising_office", "risk_class", "tags", "last_check_date")
ENTITY_TYPES = {"enterprise": "企业", "individual_business": "个体工商户",
                "farmer_cooperative": "农民专业合作社", "other_organisation": "其他组织",
                "product": "产品", "project": "项目"}
MODES = ("whole_pool", "by_region", "cross_office")
GROUND_CODES = ("relative", "financial_interest", "former_employment", "other")
#: §12.11: the policy keys of an executing level, all present or all absent, and the length
#: of the region prefix each level's bureau shares with the target.
EXECUTING = ("executing_level", "widened_departments", "widened_inspectors")
LEVELS = {"city": 4, "county": 6}
PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35",
             "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54",
             "61", "62", "63", "64", "65", "71", "81", "82"}
MAX_INTEGER = 2**53 - 1
MAX_DEPTH = 64


class CannotCheckError(Exception):
    """An input cannot be used (exit 2); the message says what to pass or fix."""


class BadRecordError(Exception):
    """The record file is an audit record but not a valid canonical one (exit 1)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where


# --- reading a record strictly (spec §9) -----------------------------------------------------

class Number:
    """A JSON number that is not an integer of at most 2^53 − 1."""

    def __init__(self, text: str) -> None:
        self.text = text


class Duplicated(dict):  # type: ignore[type-arg]
    """A JSON object in which a key occurs twice (``pairs`` keeps them all)."""

    pairs: list[tuple[str, Any]]


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) == len(set(keys)):
        return dict(pairs)
    out = Duplicated(pairs)
    out.pairs = pairs
    return out


def _int(text: str) -> Any:
    if len(text.lstrip("-")) > 16 or abs(int(text)) > MAX_INTEGER:
        return Number(text)
    return int(text)


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def canonical(value: Any) -> str:
    """Spec §9.1: sorted keys, UTF-8 text, no insignificant space."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False)


def read_record(data: bytes) -> dict[str, Any]:
    """Spec §9: the record in ``data``; `CannotCheckError` if it is not an audit record of a
    version checked here, `BadRecordError` if it is one but breaks the format."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CannotCheckError("the record is UTF-16: save it as UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CannotCheckError("the record is not UTF-8 text") from None
    depth = deepest = 0
    for char in re.sub(r'"(?:[^"\\]|\\.)*"', "", text, flags=re.DOTALL):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise CannotCheckError(f"the record is nested more than {MAX_DEPTH} levels deep")
    start = len(text) - len(text.lstrip(" \t\n\r"))
    decoder = json.JSONDecoder(object_pairs_hook=_pairs, parse_float=Number, parse_int=_int,
                               parse_constant=_no_constant)
    try:
        record, _ = decoder.raw_decode(text, start)
    except (ValueError, RecursionError) as error:
        raise CannotCheckError(f"the record is not valid JSON: {error}") from None
    formats = ([v for k, v in record.pairs if k == "format"] if isinstance(record, Duplicated)
               else [record.get("format")] if isinstance(record, dict) else [])
    if FORMAT not in formats:  # §10.1: any `format` of the record format makes it a record
        raise CannotCheckError(f"not an audit record (no \"format\": \"{FORMAT}\")")
    version = record.get("spec_version")
    if isinstance(version, str) and version not in SPEC_VERSIONS:
        raise CannotCheckError(f"the record is of spec {version!r}; this verifier checks "
                          f"{', '.join(SPEC_VERSIONS)}")
    Shape(version == "1").record(record)
    rules(record)
    visit_rules(record)
    expected = canonical(record)
    if expected != text:
        at = next((k for k, (a, b) in enumerate(zip(expected, text, strict=False)) if a != b),
                  min(len(expected), len(text)))
        raise BadRecordError("$", f"not canonical JSON from character {at + 1}: found "
                                  f"{text[at:at + 24]!r}, expected {expected[at:at + 24]!r} "
                                  "(edited or re-saved after publication)")
    return dict(record)


WS = "\u0020\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009" \
     "\u200a\u2028\u2029\u202f\u205f\u3000"


def _control(text: str) -> bool:
    return any(ord(c) < 32 or c == "\x7f" for c in text)


#: §9.4 and §12.8: each code's parameters and their kinds.
ADJUSTMENTS: dict[str, dict[str, str]] = {
    "floor_scaled": {"floor": "rational", "floor_count": "count", "population": "count",
                     "rate_total": "count", "scale": "rational"},
    "minimum": {"label": "class", "minimum": "count", "rate_size": "count"},
    "maximum": {"label": "class", "maximum": "count", "rate_size": "count"},
    "certainty": {"label": "class", "population": "count"},
    "rate_zero": {"labels": "classes", "population": "count"},
    "total_raised": {"floor": "rational", "floor_count": "count", "population": "count",
                     "total": "count"},
    "rounded": {"start": "rational"},
}

UNSTAFFED: dict[str, dict[str, str]] = {
    "too_few_officers": {"eligible": "count", "needed": "count"},
    "no_leader_officer": {"department": "text"},
    "leader_capacity": {"department": "text", "cap": "count"},
    "capacity": {"cap": "count"},
    "no_eligible_group": {"min_officers": "count", "department": "department?"},
    "group_capacity": {"cap": "count"},
}


class Shape:
    """The keys and types of a record of spec 1.1 (or 1), as §9.3 names them."""

    def __init__(self, v1: bool) -> None:
        self.v1 = v1

    # leaves
    def kind(self, value: Any, kind: str, where: str) -> None:
        ok = {"object": isinstance(value, dict), "array": isinstance(value, list),
              "string": isinstance(value, str), "boolean": isinstance(value, bool),
              "integer": isinstance(value, int) and not isinstance(value, bool)}[kind]
        if not ok:
            raise BadRecordError(where, f"expected {kind}")

    def keys(self, value: Any, where: str, required: list[str], optional: tuple[str, ...] = ()
             ) -> None:
        self.kind(value, "object", where)
        if isinstance(value, Duplicated):
            keys = [k for k, _ in value.pairs]
            raise BadRecordError(where, "the key(s) " + ", ".join(sorted(
                {repr(k) for k in keys if keys.count(k) > 1})) + " occur more than once")
        missing = [k for k in required if k not in value]
        if missing:
            raise BadRecordError(where, f"missing {missing}")
        extra = set(value) - set(required) - set(optional)
        if extra:
            raise BadRecordError(where, f"unknown key(s) {sorted(extra)}")

    def count(self, value: Any, where: str, least: int = 0) -> None:
        self.kind(value, "integer", where)
        if not least <= value <= MAX_INTEGER:
            raise BadRecordError(where, f"must be from {least} to 2^53 - 1")

    def text(self, value: Any, where: str, forbidden: str = "") -> None:
        self.kind(value, "string", where)
        if not 1 <= len(value) <= 200 or _control(value) or value[0] in WS \
                or value[-1] in WS or any(c in forbidden for c in value):
            raise BadRecordError(where, "not a single-line text of 1-200 characters without "
                                 "surrounding white space" + (f" or {forbidden}" if forbidden
                                                              else ""))

    def label(self, value: Any, where: str) -> None:
        self.text(value, where, ";；|,")

    def code(self, value: Any, where: str) -> None:
        self.kind(value, "string", where)
        if not 1 <= len(value) <= 200 or _control(value) or any(c in WS for c in value):
            raise BadRecordError(where, "not a code (1-200 characters, no white space)")

    def match(self, value: Any, where: str, pattern: str) -> None:
        self.kind(value, "string", where)
        if not re.fullmatch(pattern, value):
            raise BadRecordError(where, f"does not match {pattern}")

    def id(self, value: Any, where: str) -> None:
        self.match(value, where, r"[0-9A-Z][0-9A-Z._\-]{0,31}")

    def digest(self, value: Any, where: str) -> None:
        self.match(value, where, r"sha256:[0-9a-f]{64}")

    def date(self, value: Any, where: str) -> None:
        self.match(value, where, r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

    def rational(self, value: Any, where: str) -> None:
        self.match(value, where, r"(0|[1-9][0-9]{0,999})(/[1-9][0-9]{0,999})?")

    def one_of(self, value: Any, where: str, allowed: tuple[Any, ...]) -> None:
        if not any(value == a and type(value) is type(a) for a in allowed):
            raise BadRecordError(where, f"must be one of {allowed}")

    def array(self, value: Any, where: str, each: Any, unique: bool = True, least: int = 0
              ) -> None:
        self.kind(value, "array", where)
        if unique and len({(type(v), v) if isinstance(v, str | int) else repr(v)
                           for v in value}) < len(value):
            raise BadRecordError(where, "an item occurs twice")
        if len(value) < least:
            raise BadRecordError(where, f"needs at least {least} items")
        for index, item in enumerate(value):
            each(item, f"{where}[{index}]")

    def mapping(self, value: Any, where: str, key: Any, each: Any) -> None:
        self.kind(value, "object", where)
        if isinstance(value, Duplicated):
            keys = [k for k, _ in value.pairs]
            raise BadRecordError(where, "the key(s) " + ", ".join(sorted(
                {repr(k) for k in keys if keys.count(k) > 1})) + " occur more than once")
        for name in sorted(value):
            key(name, f"{where}[{name!r}]")
            each(value[name], f"{where}.{name}")

    def classes(self, value: Any, where: str, each: Any) -> None:
        self.keys(value, where, list(CLASSES))
        for c in CLASSES:
            each(value[c], f"{where}.{c}")

    def nullable(self, each: Any) -> Any:
        return lambda value, where: None if value is None else each(value, where)

    # sections
    def record(self, r: dict[str, Any]) -> None:
        self.keys(r, "$", ["allocation", "design", "directory", "eligibility", "format", "hash",
                           "library_version", "purpose", "record_digest", "seed",
                           "spec_version", "strata"], ("teams",) if self.v1 else
                  ("ceremony", "teams"))
        self.one_of(r["spec_version"], "$.spec_version", ("1",) if self.v1 else ("1.1",))
        self.one_of(r["hash"], "$.hash", ("sha256", "sm3"))
        self.match(r["library_version"], "$.library_version", r"[0-9A-Za-z][0-9A-Za-z.+!_\-]{0,63}")
        self.text(r["purpose"], "$.purpose", ",")
        self.digest(r["record_digest"], "$.record_digest")
        self.keys(r["directory"], "$.directory", ["digest", "size"])
        self.digest(r["directory"]["digest"], "$.directory.digest")
        self.count(r["directory"]["size"], "$.directory.size")
        seed = r["seed"]
        self.keys(seed, "$.seed", ["parties", "provenance", "value"])
        self.match(seed["value"], "$.seed.value", r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)*")
        self.one_of(seed["provenance"], "$.seed.provenance", ("ceremony", "combined", "generated"))
        self.array(seed["parties"], "$.seed.parties", self.text)
        if (seed["provenance"] == "combined") != (len(seed["parties"]) >= 2) or (
                seed["provenance"] != "combined" and seed["parties"]):
            raise BadRecordError("$.seed.parties", "two or more parties with provenance 'combined' "
                                            "and only with it")
        self.design(r["design"])
        self.eligibility(r["eligibility"])
        self.allocation(r["allocation"])
        self.kind(r["strata"], "array", "$.strata")
        if len(r["strata"]) != 5:
            raise BadRecordError("$.strata", "needs one entry per class A, B, C, D, U")
        for index, (s, c) in enumerate(zip(r["strata"], CLASSES, strict=True)):
            where = f"$.strata[{index}]"
            self.keys(s, where, ["label", "population", "seed_string", "selected", "size"])
            self.one_of(s["label"], f"{where}.label", (c,))
            self.count(s["population"], f"{where}.population")
            self.count(s["size"], f"{where}.size")
            self.kind(s["seed_string"], "string", f"{where}.seed_string")
            self.array(s["selected"], f"{where}.selected", self.id)
        if "teams" in r:
            self.teams(r["teams"])
        if "ceremony" in r:
            c = r["ceremony"]
            self.keys(c, "$.ceremony", ["attempt", "commitment_digest", "opened", "reason",
                                        "replaces"])
            self.count(c["attempt"], "$.ceremony.attempt", 1)
            self.count(c["opened"], "$.ceremony.opened", 1)
            self.digest(c["commitment_digest"], "$.ceremony.commitment_digest")
            self.nullable(self.digest)(c["replaces"], "$.ceremony.replaces")
            self.nullable(self.text)(c["reason"], "$.ceremony.reason")

    def design(self, d: Any) -> None:
        self.kind(d, "object", "$.design")
        self.one_of(d.get("kind"), "$.design.kind", ("stratified-by-risk", "class-weighted"))
        frame = ["exclude_checked_since", "excluded_ids", "floor", "kind", "scope"]
        if d["kind"] == "class-weighted":
            self.keys(d, "$.design", [*frame, "total", "weights"])
            self.count(d["total"], "$.design.total")
            self.classes(d["weights"], "$.design.weights", self.rational)
        else:
            self.keys(d, "$.design", [*frame, "maximums", "minimums", "rates"])
            self.classes(d["rates"], "$.design.rates", self.rational)
            self.classes(d["minimums"], "$.design.minimums", self.count)
            self.classes(d["maximums"], "$.design.maximums", self.nullable(self.count))
        self.rational(d["floor"], "$.design.floor")
        self.nullable(self.date)(d["exclude_checked_since"], "$.design.exclude_checked_since")
        self.mapping(d["excluded_ids"], "$.design.excluded_ids", self.text,
                     lambda v, w: self.array(v, w, self.id))
        scope = d["scope"]
        self.keys(scope, "$.design.scope", ["entity_types", "industry_prefixes", "region_prefixes",
                                            "registering_offices", "risk_classes",
                                            "supervising_offices", "tags_all", "tags_any"])
        each = {
            "entity_types": lambda v, w: self.one_of(v, w, tuple(ENTITY_TYPES)),
            "industry_prefixes": lambda v, w: self.match(v, w, r"[A-T]([0-9]{2}([0-9]{1,2})?)?"),
            "region_prefixes": lambda v, w: self.match(
                v, w, r"[0-9]{2}([0-9]{2}([0-9]{2}([0-9]{3}([0-9]{3})?)?)?)?"),
            "risk_classes": lambda v, w: self.one_of(v, w, CLASSES),
        }
        for key, value in scope.items():
            self.array(value, f"$.design.scope.{key}", each.get(key, self.label))

    def eligibility(self, e: Any) -> None:
        if self.v1:
            self.mapping(e, "$.eligibility", lambda v, w: self.kind(v, "string", w), self.count)
            if "out_of_scope" not in e:
                raise BadRecordError("$.eligibility", "missing 'out_of_scope'")
            return
        self.keys(e, "$.eligibility", ["checked_since", "excluded_ids", "out_of_scope"])
        self.count(e["out_of_scope"], "$.eligibility.out_of_scope")
        self.nullable(self.count)(e["checked_since"], "$.eligibility.checked_since")
        self.mapping(e["excluded_ids"], "$.eligibility.excluded_ids", self.text, self.count)


    def coded(self, value: Any, where: str, key: str, table: dict[str, dict[str, str]],
              extra: tuple[str, ...] = ()) -> None:
        self.kind(value, "object", where)
        self.one_of(value.get(key), f"{where}.{key}", tuple(table))
        params = table[value[key]]
        self.keys(value, where, [key, *extra, *params])
        for name, kind in params.items():
            at = f"{where}.{name}"
            if kind == "class":
                self.one_of(value[name], at, CLASSES)
            elif kind == "classes":
                self.array(value[name], at, lambda v, w: self.one_of(v, w, CLASSES), least=1)
            elif kind == "department?":
                self.nullable(self.text)(value[name], at)
            else:
                getattr(self, kind)(value[name], at)

    def allocation(self, a: Any) -> None:
        self.keys(a, "$.allocation", ["adjustments", "floor", "floor_count", "scale", "strata"])
        if self.v1:
            self.array(a["adjustments"], "$.allocation.adjustments",
                       lambda v, w: self.kind(v, "string", w), unique=False)
        else:
            self.array(a["adjustments"], "$.allocation.adjustments",
                       lambda v, w: self.coded(v, w, "code", ADJUSTMENTS), unique=False)
        self.rational(a["floor"], "$.allocation.floor")
        self.count(a["floor_count"], "$.allocation.floor_count")
        self.rational(a["scale"], "$.allocation.scale")
        self.kind(a["strata"], "array", "$.allocation.strata")
        if len(a["strata"]) != 5:
            raise BadRecordError("$.allocation.strata", "needs one entry per class A, B, C, D, U")
        for index, (s, c) in enumerate(zip(a["strata"], CLASSES, strict=True)):
            where = f"$.allocation.strata[{index}]"
            self.keys(s, where, ["effective_rate", "inclusion_probability", "label",
                                 "population", "rate", "size"])
            self.one_of(s["label"], f"{where}.label", (c,))
            for key in ("effective_rate", "inclusion_probability", "rate"):
                self.rational(s[key], f"{where}.{key}")
            self.count(s["population"], f"{where}.population")
            self.count(s["size"], f"{where}.size")


    def teams(self, t: Any) -> None:
        self.keys(t, "$.teams", ["cap", "custom_exclusions", "exclusions", "fair_share",
                                 "inspector_directory", "policy", "teams", "unstaffed"],
                  () if self.v1 else ("earlier_visits", "joined"))
        self.count(t["cap"], "$.teams.cap")
        self.rational(t["fair_share"], "$.teams.fair_share")
        self.keys(t["inspector_directory"], "$.teams.inspector_directory", ["digest", "size"])
        self.digest(t["inspector_directory"]["digest"], "$.teams.inspector_directory.digest")
        self.count(t["inspector_directory"]["size"], "$.teams.inspector_directory.size")
        p = t["policy"]
        keys = ["add_experts", "cap", "check_date", "conflicts_digest", "custom_rules", "items",
                "leader_department", "min_officers", "mode", "previous_inspectors_digest",
                "unit"]
        self.keys(p, "$.teams.policy", keys if self.v1 else [*keys, "items_digest"],
                  () if self.v1 else EXECUTING)
        self.executing(p)
        self.kind(p["add_experts"], "boolean", "$.teams.policy.add_experts")
        self.nullable(lambda v, w: self.count(v, w, 1))(p["cap"], "$.teams.policy.cap")
        self.date(p["check_date"], "$.teams.policy.check_date")
        for key in ("conflicts_digest", "previous_inspectors_digest") + (
                () if self.v1 else ("items_digest",)):
            self.digest(p[key], f"$.teams.policy.{key}")
        self.array(p["custom_rules"], "$.teams.policy.custom_rules", self.text)
        self.array(p["items"], "$.teams.policy.items", self.code)
        self.nullable(self.text)(p["leader_department"], "$.teams.policy.leader_department")
        self.count(p["min_officers"], "$.teams.policy.min_officers", 2)
        self.one_of(p["mode"], "$.teams.policy.mode", MODES)
        self.one_of(p["unit"], "$.teams.policy.unit", ("person", "group"))
        for index, team in enumerate(self.list(t["teams"], "$.teams.teams")):
            where = f"$.teams.teams[{index}]"
            self.keys(team, where, ["experts", "leader", "officers", "target", "uncovered"],
                      ("group",))
            self.array(team["experts"], f"{where}.experts", self.code)
            self.code(team["leader"], f"{where}.leader")
            self.array(team["officers"], f"{where}.officers", self.code, least=2)
            self.id(team["target"], f"{where}.target")
            self.array(team["uncovered"], f"{where}.uncovered", self.label)
            if "group" in team:
                self.text(team["group"], f"{where}.group")
        officers = lambda v, w: self.array(v, w, self.code)  # noqa: E731
        if self.v1:
            self.mapping(t["exclusions"], "$.teams.exclusions",
                         lambda v, w: self.kind(v, "string", w), self.count)
            self.mapping(t["custom_exclusions"], "$.teams.custom_exclusions", self.id, officers)
            for index, u in enumerate(self.list(t["unstaffed"], "$.teams.unstaffed")):
                self.keys(u, f"$.teams.unstaffed[{index}]", ["reason", "target"])
                self.kind(u["reason"], "string", f"$.teams.unstaffed[{index}].reason")
                self.id(u["target"], f"$.teams.unstaffed[{index}].target")
            return
        self.mapping(t["exclusions"], "$.teams.exclusions", self.exclusion_key, self.count)
        self.mapping(t["custom_exclusions"], "$.teams.custom_exclusions", self.text,
                     lambda v, w: self.mapping(v, w, self.id, officers))
        if "earlier_visits" in t:
            self.mapping(t["earlier_visits"], "$.teams.earlier_visits", self.id,
                         lambda v, w: self.array(v, w, self.code, least=1))
        if "joined" in t:
            if not self.list(t["joined"], "$.teams.joined"):
                raise BadRecordError("$.teams.joined", "needs at least 1 items (absent when "
                                     "empty)")
            for index, j in enumerate(t["joined"]):
                self.joined(j, f"$.teams.joined[{index}]")
        for index, u in enumerate(self.list(t["unstaffed"], "$.teams.unstaffed")):
            self.coded(u, f"$.teams.unstaffed[{index}]", "reason", UNSTAFFED, ("target",))
            self.id(u["target"], f"$.teams.unstaffed[{index}].target")

    def executing(self, p: dict[str, Any]) -> None:
        """§12.8, §12.11: the executing level and its widening, all three keys or none."""
        given = [k for k in EXECUTING if k in p]
        if given and len(given) < len(EXECUTING):
            raise BadRecordError("$.teams.policy", f"has {', '.join(given)} but not "
                                 f"{', '.join(k for k in EXECUTING if k not in p)}: the three "
                                 "keys of an executing level are all present or all absent "
                                 "(§12.8, §12.11)")
        if given:
            self.one_of(p["executing_level"], "$.teams.policy.executing_level",
                        tuple(LEVELS))
            self.array(p["widened_departments"], "$.teams.policy.widened_departments",
                       self.label)
            self.array(p["widened_inspectors"], "$.teams.policy.widened_inspectors", self.code)

    def joined(self, j: Any, where: str) -> None:
        """§12.12: one target joining an earlier visit's team."""
        self.keys(j, where, ["experts", "inherited_experts", "leader", "officers", "target",
                             "uncovered", "visit_of"])
        self.array(j["experts"], f"{where}.experts", self.code)
        self.array(j["inherited_experts"], f"{where}.inherited_experts", self.code)
        self.code(j["leader"], f"{where}.leader")
        self.array(j["officers"], f"{where}.officers", self.code, least=2)
        self.id(j["target"], f"{where}.target")
        self.array(j["uncovered"], f"{where}.uncovered", self.label)
        self.keys(j["visit_of"], f"{where}.visit_of", ["purpose", "record_digest"])
        self.text(j["visit_of"]["purpose"], f"{where}.visit_of.purpose", ",")
        self.digest(j["visit_of"]["record_digest"], f"{where}.visit_of.record_digest")

    def list(self, value: Any, where: str) -> list[Any]:
        self.kind(value, "array", where)
        return value  # type: ignore[no-any-return]

    def exclusion_key(self, key: str, where: str) -> None:
        kind, _, rest = key.partition(":")
        if key in ("own_office", "rotation", "rotation_year") or (
                kind == "conflict" and rest in GROUND_CODES):
            return
        if kind == "custom":
            self.text(rest, where)
            return
        raise BadRecordError(where, "not own_office, rotation, rotation_year, "
                                    "conflict:<ground> or custom:<rule>")


def rules(record: dict[str, Any]) -> None:
    """Spec §9.2: NFC text, calendar dates, the seed's length and parties."""
    def strings(value: Any, where: str) -> Any:
        if isinstance(value, str):
            yield where, value
        elif isinstance(value, dict):
            for key in sorted(value):
                yield where, key
                yield from strings(value[key], f"{where}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from strings(item, f"{where}[{index}]")
    for where, text in strings(record, "$"):
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise BadRecordError(where, "an unpaired surrogate") from None
            if unicodedata.normalize("NFC", text) != text:
                raise BadRecordError(where, "text not in Unicode normal form NFC")
    dates = [record["design"]["exclude_checked_since"]]
    if "teams" in record:
        dates.append(record["teams"]["policy"]["check_date"])
    for day in dates:
        if day is not None:
            try:
                dt.date.fromisoformat(day)
            except ValueError:
                raise BadRecordError("$", f"{day!r} is not a calendar date") from None
    seed = record["seed"]
    body = seed["value"].replace("-", "")
    if len(body) < (20 if body.isdigit() else 32):
        raise BadRecordError("$.seed.value", "too short: 20 decimal digits or 32 hex characters")
    if seed["provenance"] == "combined" and len(seed["value"].split("-")) != len(seed["parties"]):
        raise BadRecordError("$.seed.value", "one group per party")


def visit_rules(record: dict[str, Any]) -> None:
    """§12.8 and §12.10-12.12: the canonical form of the executing level's widening,
    `earlier_visits` and `joined`, beyond what the schema states — sorted lists, selected
    targets, joined targets in draw order and without a team of their own."""
    if "teams" not in record:
        return
    section, policy = record["teams"], record["teams"]["policy"]
    for key in ("widened_departments", "widened_inspectors"):
        if key in policy and policy[key] != sorted(policy[key]):
            raise BadRecordError(f"$.teams.policy.{key}", "not sorted by code point (§12.8)")
    position = {i: k for k, i in enumerate(i for s in record["strata"] for i in s["selected"])}
    drawn = {x["target"] for x in (*section["teams"], *section["unstaffed"])}
    last = -1
    for index, j in enumerate(section.get("joined", [])):
        where, target = f"$.teams.joined[{index}]", j["target"]
        if target not in position:
            raise BadRecordError(f"{where}.target", f"{target} is not a target this record "
                                 "selected (§12.12)")
        if target in drawn:
            raise BadRecordError(f"{where}.target", f"{target} is in `teams` or `unstaffed` "
                                 "too: a joined target has no team of its own (§12.12)")
        if position[target] <= last:
            raise BadRecordError(f"{where}.target", f"{target} is out of draw order (or "
                                 "joined twice): joined targets are listed in draw order "
                                 "(§12.12)")
        last = position[target]
        for key in ("officers", "inherited_experts", "uncovered"):
            if j[key] != sorted(j[key]):
                raise BadRecordError(f"{where}.{key}", "not sorted by code point (§12.12)")
        if j["leader"] not in j["officers"]:
            raise BadRecordError(f"{where}.leader", f"{j['leader']} is not one of the "
                                 "visit team's officers (§12.12)")
        both = sorted(set(j["officers"]) & set(j["inherited_experts"]))
        if both:
            raise BadRecordError(f"{where}.inherited_experts", f"{both} are officers of the "
                                 "visit's team too (§12.12)")
    earlier = section.get("earlier_visits")
    if earlier is not None and not earlier:
        raise BadRecordError("$.teams.earlier_visits", "empty: the key is absent when no "
                             "target has earlier visits (§12.10)")
    own_visit = {j["target"]: {*j["officers"], *j["inherited_experts"]}
                 for j in section.get("joined", [])}
    for target, ids in (earlier or {}).items():
        where = f"$.teams.earlier_visits[{target!r}]"
        if set(ids) & own_visit.get(target, set()):
            raise BadRecordError(where, f"{sorted(set(ids) & own_visit[target])} are of the "
                                 "visit the target joins: it is not an earlier visit (§12.10)")
        if target not in position:
            raise BadRecordError(where, f"{target} is not a target this record selected "
                                 "(§12.10)")
        if ids != sorted(ids):
            raise BadRecordError(where, "not sorted by code point (§12.10)")


def design_problem(design: dict[str, Any]) -> str | None:
    """Spec §9.3: is the design in its canonical form (sorted lists, rationals in lowest
    terms, rates and floor at most 1, minimums not above maximums, real region codes)?"""
    def canonical_rational(text: str) -> bool:
        return str(Fraction(text)) == text
    for key, values in design["scope"].items():
        if values != sorted(values):
            return f"scope {key} not sorted"
    for prefix in design["scope"]["region_prefixes"]:
        problem = region_problem(prefix)
        if problem:
            return f"scope region prefix {prefix}: {problem}"
    for reason, ids in design["excluded_ids"].items():
        if ids != sorted(ids):
            return f"excluded ids of {reason!r} not sorted"
    rationals = [design["floor"], *(design.get("rates") or {}).values(),
                 *(design.get("weights") or {}).values()]
    if not all(canonical_rational(r) for r in rationals):
        return "a rate, weight or floor is not an integer or n/d in lowest terms"
    if Fraction(design["floor"]) > 1 or any(Fraction(r) > 1 for r in
                                            (design.get("rates") or {}).values()):
        return "a rate or the floor is above 1"
    for c in CLASSES if design["kind"] == "stratified-by-risk" else ():
        low, high = design["minimums"][c], design["maximums"][c]
        if high is not None and low > high:
            return f"minimum of {c} above its maximum"
    return None


def region_problem(code: str) -> str | None:
    """Spec §5: the parts of a division code (or prefix) that exist."""
    if code[:2] not in PROVINCES:
        return "no such province"
    if code[2:4] == "00" and code[4:6] not in ("", "00"):
        return "a county part under city part 00"
    if code[6:9] == "000" and code[9:12] not in ("", "000"):
        return "a village part under township part 000"
    return None


# --- registers (spec §13) --------------------------------------------------------------------

#: Every spelling the library reads for each vocabulary (§13), case-insensitive.
SPELLINGS: dict[str, dict[str, str]] = {'entity_type': {'enterprise': 'enterprise',
                 'farmer cooperative': 'farmer_cooperative',
                 'farmer_cooperative': 'farmer_cooperative',
                 'individual business': 'individual_business',
                 'individual_business': 'individual_business',
                 'organisation': 'other_organisation',
                 'other organisation': 'other_organisation',
                 'other organization': 'other_organisation',
                 'other_organisation': 'other_organisation',
                 'product': 'product',
                 'project': 'project',
                 '个体工商户': 'individual_business',
                 '个体户': 'individual_business',
                 '产品': 'product',
                 '企业': 'enterprise',
                 '其他组织': 'other_organisation',
                 '农民专业合作社': 'farmer_cooperative',
                 '农民合作社': 'farmer_cooperative',
                 '合作社': 'farmer_cooperative',
                 '有关组织': 'other_organisation',
                 '项目': 'project'},
 'ground': {'financial interest': 'financial_interest',
            'financial_interest': 'financial_interest',
            'former employment': 'former_employment',
            'former_employment': 'former_employment',
            'other': 'other',
            'other relation': 'other',
            'relative': 'relative',
            '亲属': 'relative',
            '其他': 'other',
            '其他可能影响公正的关系': 'other',
            '利害关系': 'financial_interest',
            '曾任职': 'former_employment',
            '经济利益关系': 'financial_interest',
            '近亲属关系': 'relative'},
 'kind': {'general': 'general',
          'general item': 'general',
          'key': 'key',
          'key item': 'key',
          '一般': 'general',
          '一般检查事项': 'general',
          '重点': 'key',
          '重点检查事项': 'key'},
 'method': {'laboratory testing': 'laboratory_testing',
            'laboratory_testing': 'laboratory_testing',
            'on-site inspection': 'on_site',
            'on_site': 'on_site',
            'online monitoring': 'online_monitoring',
            'online_monitoring': 'online_monitoring',
            'third-party audit or expert opinion': 'third_party',
            'third_party': 'third_party',
            'written': 'written',
            'written check': 'written',
            '专家意见': 'third_party',
            '书面检查': 'written',
            '委托专业机构': 'third_party',
            '实地核查': 'on_site',
            '检验检测': 'laboratory_testing',
            '现场检查': 'on_site',
            '第三方': 'third_party',
            '网络监测': 'online_monitoring',
            '财务审计': 'third_party'},
 'risk_class': {'': 'U',
                '-': 'U',
                'a': 'A',
                'a类': 'A',
                'b': 'B',
                'b类': 'B',
                'c': 'C',
                'c类': 'C',
                'd': 'D',
                'd类': 'D',
                'elevated risk': 'C',
                'general risk': 'B',
                'high risk': 'D',
                'low risk': 'A',
                'none': 'U',
                'u': 'U',
                'unclassified': 'U',
                '一般': 'B',
                '一般风险': 'B',
                '低': 'A',
                '低风险': 'A',
                '信用风险一般': 'B',
                '信用风险低': 'A',
                '信用风险较高': 'C',
                '信用风险高': 'D',
                '未分类': 'U',
                '未评级': 'U',
                '较高': 'C',
                '较高风险': 'C',
                '高': 'D',
                '高风险': 'D'},
 'status': {'active': 'active',
            'retired': 'retired',
            'transferred': 'transferred',
            '在岗': 'active',
            '在职': 'active',
            '正常': 'active',
            '调离': 'transferred',
            '退休': 'retired'}}
#: Every header name the library reads for each register's columns (§13), case-insensitive.
HEADERS: dict[str, dict[str, str]] = {'conflict': {'ground': 'ground',
              'inspector_id': 'inspector_id',
              'note': 'note',
              'target_id': 'target_id',
              'valid_from': 'valid_from',
              'valid_until': 'valid_until',
              '事由': 'ground',
              '人员编号': 'inspector_id',
              '回避事由': 'ground',
              '备注': 'note',
              '失效日期': 'valid_until',
              '截止日期': 'valid_until',
              '执法人员编号': 'inspector_id',
              '检查对象编号': 'target_id',
              '生效日期': 'valid_from',
              '统一社会信用代码': 'target_id',
              '起始日期': 'valid_from'},
 'inspector': {'credential_expiry': 'credential_expiry',
               'credential_number': 'credential_number',
               'department': 'department',
               'group': 'group',
               'id': 'id',
               'is_expert': 'is_expert',
               'name': 'name',
               'office': 'office',
               'office_area': 'office_area',
               'post': 'post',
               'specialties': 'specialties',
               'status': 'status',
               '专业技术人员': 'is_expert',
               '专长': 'specialties',
               '业务专长': 'specialties',
               '人员状态': 'status',
               '人员编号': 'id',
               '单位': 'department',
               '姓名': 'name',
               '小组': 'group',
               '岗位': 'post',
               '工号': 'id',
               '所属机构': 'office',
               '所属科室': 'office',
               '所属部门': 'department',
               '执法小组': 'group',
               '执法证件号': 'credential_number',
               '执法证号': 'credential_number',
               '执法证有效期至': 'credential_expiry',
               '执法证编号': 'credential_number',
               '是否专家': 'is_expert',
               '有效期至': 'credential_expiry',
               '检查小组': 'group',
               '状态': 'status',
               '科室': 'office',
               '管辖区域': 'office_area',
               '编号': 'id',
               '职务': 'post',
               '证件有效期': 'credential_expiry',
               '辖区': 'office_area',
               '辖区代码': 'office_area',
               '部门': 'department'},
 'item': {'code': 'code',
          'department': 'department',
          'entity_types': 'entity_types',
          'kind': 'kind',
          'legal_basis': 'legal_basis',
          'methods': 'methods',
          'name': 'name',
          'required_specialties': 'required_specialties',
          '专业要求': 'required_specialties',
          '事项名称': 'name',
          '事项类别': 'kind',
          '事项类型': 'kind',
          '事项编码': 'code',
          '实施主体': 'department',
          '对象类型': 'entity_types',
          '所需专长': 'required_specialties',
          '抽查事项': 'name',
          '抽查事项编码': 'code',
          '抽查依据': 'legal_basis',
          '抽查对象': 'entity_types',
          '抽查方式': 'methods',
          '检查事项': 'name',
          '检查依据': 'legal_basis',
          '检查对象类型': 'entity_types',
          '检查方式': 'methods',
          '法律依据': 'legal_basis',
          '类别': 'kind',
          '编码': 'code',
          '责任部门': 'department',
          '部门': 'department'},
 'target': {'entity_type': 'entity_type',
            'id': 'id',
            'industry': 'industry',
            'last_check_date': 'last_check_date',
            'name': 'name',
            'region': 'region',
            'registering_office': 'registering_office',
            'risk_class': 'risk_class',
            'supervising_office': 'supervising_office',
            'tags': 'tags',
            'type': 'entity_type',
            'uscc': 'id',
            '上次抽查日期': 'last_check_date',
            '上次检查日期': 'last_check_date',
            '个性化标注': 'tags',
            '主体名称': 'name',
            '主体类型': 'entity_type',
            '企业名称': 'name',
            '信用代码': 'id',
            '信用风险分类': 'risk_class',
            '信用风险分类结果': 'risk_class',
            '区域代码': 'region',
            '名称': 'name',
            '国民经济行业代码': 'industry',
            '市场主体类型': 'entity_type',
            '所属区域': 'region',
            '最近检查日期': 'last_check_date',
            '标注': 'tags',
            '标签': 'tags',
            '检查对象名称': 'name',
            '检查对象类型': 'entity_type',
            '注册号': 'id',
            '登记机关': 'registering_office',
            '监管机关': 'supervising_office',
            '管辖单位': 'supervising_office',
            '管辖机关': 'supervising_office',
            '统一社会信用代码': 'id',
            '统一社会信用代码/注册号': 'id',
            '行业': 'industry',
            '行业代码': 'industry',
            '行政区划': 'region',
            '行政区划代码': 'region',
            '风险分类': 'risk_class',
            '风险等级': 'risk_class'}}

#: §13: the date spellings read (``strptime`` formats).
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
TRUE, FALSE = {"true", "yes", "y", "1", "是"}, {"false", "no", "n", "0", "否", ""}


class Cell:
    """Checks of one register cell (§5, §9.2, §13); errors name the file, line and field."""

    def __init__(self, path: str, line: int) -> None:
        self.where = f"{path}, line {line}"

    def fail(self, field: str, value: str, problem: str) -> CannotCheckError:
        return CannotCheckError(f"{self.where}, field {field!r}: {value!r} {problem}")

    def text(self, value: str, field: str, *, required: bool = False) -> str:
        """Text: NFC, trimmed (Python's white space), no control character, ≤ 200."""
        cleaned = unicodedata.normalize("NFC", value).strip()
        if required and not cleaned:
            raise self.fail(field, value, "is empty")
        if _control(cleaned) or len(cleaned) > 200:
            raise self.fail(field, value, "has a control character or more than 200 characters")
        return cleaned

    def code(self, value: str, field: str) -> str:
        """An inspector id or item code: text without white space."""
        cleaned = self.text(value, field, required=True)
        if any(c.isspace() for c in cleaned):
            raise self.fail(field, value, "contains white space")
        return cleaned

    def labels(self, value: str, field: str) -> list[str]:
        """A list cell (``;``, ``；`` or ``|`` between items): distinct labels, sorted."""
        out = set()
        for part in re.split("[;；|]", value):
            if part.strip():
                label = self.text(part, field, required=True)
                if "," in label:
                    raise self.fail(field, value, "has a comma inside a label")
                out.add(label)
        return sorted(out)

    def word(self, value: str, field: str, vocabulary: str) -> str:
        """A vocabulary word in any spelling of `SPELLINGS` (case-insensitive)."""
        code = SPELLINGS[vocabulary].get(value.strip().casefold())
        if code is None:
            raise self.fail(field, value, f"is not a known {vocabulary.replace('_', ' ')}")
        return code

    def words(self, value: str, field: str, vocabulary: str, default: list[str]) -> list[str]:
        parts = [p for p in re.split("[;；|]", value) if p.strip()]
        return sorted({self.word(p, field, vocabulary) for p in parts}) if parts else default

    def date(self, value: str, field: str) -> str | None:
        text = value.strip()
        if not text:
            return None
        for form in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, form).date().isoformat()
            except ValueError:
                continue
        raise self.fail(field, value, "is not a date (YYYY-MM-DD)")

    def flag(self, value: str, field: str) -> bool:
        key = value.strip().casefold()
        if key in TRUE | FALSE:
            return key in TRUE
        raise self.fail(field, value, "is not a yes/no value")

    def region(self, value: str, field: str, *, prefix: bool, required: bool) -> str:
        """A division code (§5) or a prefix of one (§6.1); full-width digits read as ASCII."""
        code = unicodedata.normalize("NFKC", self.text(value, field, required=required))
        if not code:
            return code
        pattern = (r"[0-9]{2}([0-9]{2}([0-9]{2}([0-9]{3}([0-9]{3})?)?)?)?" if prefix
                   else r"[0-9]{6}([0-9]{3}([0-9]{3})?)?")
        if not re.fullmatch(pattern, code) or region_problem(code):
            raise self.fail(field, value, "is not an administrative division code")
        return code

    def industry(self, value: str, field: str) -> str:
        code = unicodedata.normalize("NFKC", self.text(value, field)).upper()
        if code and not re.fullmatch(r"[A-T]([0-9]{2}([0-9]{1,2})?)?", code):
            raise self.fail(field, value, "is not a GB/T 4754 industry code")
        return code

    def target_id(self, value: str, field: str, entity_type: str | None) -> str:
        """§5: normalised, then checked for its entity type (check characters included)."""
        code = self.text(normalize_id(value), field, required=True)
        if entity_type is not None and not id_valid(code, entity_type):
            raise self.fail(field, value, f"is not a valid identifier for an entity of type "
                                    f"{entity_type}")
        return code


def normalize_id(text: str) -> str:
    """§5: full-width characters as ASCII (NFKC), trimmed, upper case."""
    return (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip().upper()


def id_valid(code: str, entity_type: str) -> bool:
    """§5: a USCC (GB 32100-2015), a 15-digit registration number (ISO 7064 MOD 11,10) for an
    individual business, or a product or project code."""
    if not re.fullmatch(r"[0-9A-Z][0-9A-Z._\-]{0,31}", code):
        return False
    if entity_type in ("product", "project"):
        return True
    if entity_type == "individual_business" and len(code) == 15:
        check = 5
        for digit in code:
            if not "0" <= digit <= "9":
                return False
            check = ((check or 10) * 2 % 11 + int(digit)) % 10
        return check == 1
    if len(code) != 18 or not re.fullmatch("[0-9]{8}", code[:8]) or any(
            c not in USCC_ALPHABET for c in code):
        return False
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code, USCC_WEIGHTS, strict=False))
    return code[17] == USCC_ALPHABET[(31 - total % 31) % 31]


def decode_file(path: str) -> str:
    """A register file's text: UTF-8 (with or without BOM), else GB18030."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise CannotCheckError(f"{path}: cannot be read ({error.strerror})") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CannotCheckError(f"{path}: neither UTF-8 nor GB18030")


def read_rows(path: str, register: str, required: tuple[str, ...]
              ) -> list[tuple[Cell, dict[str, str]]]:
    """§13: the rows of a register file (comma- or tab-separated, RFC 4180 quoting), each
    with its place; headers in any spelling of `HEADERS`; unknown or repeated columns, rows of
    the wrong length and malformed quoting are refused."""
    text = decode_file(path)
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True,
                        delimiter="\t" if "\t" in first and "," not in first else ",")
    rows = []
    try:
        header = next(reader, None)
        if header is None:
            raise CannotCheckError(f"{path}: empty (a header line is needed)")
        names = [HEADERS[register].get(h.strip().casefold()) for h in header]
        unknown = [h for h, n in zip(header, names, strict=True) if n is None and h.strip()]
        repeated = sorted({n for n in names if n is not None and names.count(n) > 1})
        missing = [f for f in required if f not in names]
        if unknown or repeated or missing:
            raise CannotCheckError(f"{path}: columns unknown {unknown}, repeated {repeated}, "
                                   f"missing {missing}")
        start = reader.line_num + 1
        for row in reader:
            if any(c.strip() for c in row):
                if len(row) != len(names):
                    raise CannotCheckError(f"{path}, line {start}: {len(row)} cells, the "
                                           f"header has {len(names)}")
                rows.append((Cell(path, start), {n: c for n, c in zip(names, row, strict=True)
                                                 if n is not None}))
            start = reader.line_num + 1
    except csv.Error as error:
        raise CannotCheckError(f"{path}, line {reader.line_num}: malformed CSV ({error})") \
            from None
    return rows


def read_directory(path: str) -> list[dict[str, str]]:
    """Spec §13.1: the directory's rows with canonical values (§5), sorted by id."""
    rows = []
    for cell, raw in read_rows(path, "target", ("id", "name", "entity_type", "region")):
        kind = cell.word(raw["entity_type"], "entity_type", "entity_type")
        rows.append({
            "id": cell.target_id(raw["id"], "id", kind),
            "name": cell.text(raw["name"], "name", required=True), "entity_type": kind,
            "region": cell.region(raw["region"], "region", prefix=False, required=True),
            "industry": cell.industry(raw.get("industry", ""), "industry"),
            "registering_office": cell.text(raw.get("registering_office", ""),
                                            "registering_office"),
            "supervising_office": cell.text(raw.get("supervising_office", ""),
                                            "supervising_office"),
            "risk_class": cell.word(raw.get("risk_class", ""), "risk_class", "risk_class"),
            "tags": ";".join(cell.labels(raw.get("tags", ""), "tags")),
            "last_check_date": cell.date(raw.get("last_check_date", ""), "last_check_date")
            or ""})
    rows.sort(key=lambda r: r["id"].encode())
    repeated = [a["id"] for a, b in itertools.pairwise(rows) if a["id"] == b["id"]]
    if repeated:
        raise CannotCheckError(f"{path}: id(s) {repeated[:5]} occur more than once")
    return rows


def directory_digest(rows: list[dict[str, str]]) -> str:
    """Spec §5: SHA-256 of the canonical tab-separated text."""
    h = hashlib.sha256(("random-inspection/target-directory/v1\n" + "\t".join(FIELDS) + "\n")
                       .encode())
    for row in rows:
        h.update(("\t".join(row[f] for f in FIELDS) + "\n").encode())
    return "sha256:" + h.hexdigest()


def lines_digest(kind: str, entries: list[dict[str, Any]]) -> str:
    """Spec §13: the header line, then one canonical JSON line per entry."""
    h = hashlib.sha256(f"random-inspection/{kind}/v1\n".encode())
    for entry in entries:
        h.update(canonical(entry).encode() + b"\n")
    return "sha256:" + h.hexdigest()


def _unique(path: str, entries: list[dict[str, Any]], key: Any, what: str) -> None:
    keys = [key(e) for e in entries]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise CannotCheckError(f"{path}: {what} {repeated[:5]} occur more than once")


def read_inspectors(path: str) -> list[dict[str, Any]]:
    """Spec §13.2: inspectors with canonical values, sorted by id."""
    people = []
    for cell, row in read_rows(path, "inspector", ("id", "name", "department")):
        person = {
            "id": cell.code(row["id"], "id"), "name": cell.text(row["name"], "name",
                                                                 required=True),
            "department": cell.text(row["department"], "department", required=True),
            "office": cell.text(row.get("office", ""), "office"),
            "office_area": cell.region(row.get("office_area", ""), "office_area",
                                       prefix=True, required=False),
            "post": cell.text(row.get("post", ""), "post"),
            "credential_number": cell.text(row.get("credential_number", ""),
                                           "credential_number"),
            "credential_expiry": cell.date(row.get("credential_expiry", ""),
                                           "credential_expiry"),
            "specialties": cell.labels(row.get("specialties", ""), "specialties"),
            "is_expert": cell.flag(row.get("is_expert", ""), "is_expert"),
            "status": cell.word(row.get("status") or "active", "status", "status"),
            "group": cell.text(row.get("group", ""), "group"),
        }
        if person["status"] == "active" and not person["is_expert"] \
                and not person["credential_number"]:
            raise cell.fail("credential_number", "", "is missing for an active officer")
        people.append(person)
    _unique(path, people, lambda p: p["id"], "inspector id(s)")
    return sorted(people, key=lambda p: p["id"])


def read_items(path: str) -> dict[str, dict[str, Any]]:
    """Spec §13.3: check items with canonical values, by code."""
    items: list[dict[str, Any]] = []
    for cell, row in read_rows(path, "item", ("code", "name", "legal_basis", "department")):
        items.append({
            "code": cell.code(row["code"], "code"),
            "name": cell.text(row["name"], "name", required=True),
            "legal_basis": cell.text(row["legal_basis"], "legal_basis", required=True),
            "department": cell.text(row["department"], "department", required=True),
            "kind": cell.word(row.get("kind") or "general", "kind", "kind"),
            "methods": cell.words(row.get("methods", ""), "methods", "method", ["on_site"]),
            "required_specialties": cell.labels(row.get("required_specialties", ""),
                                                "required_specialties"),
            "entity_types": cell.words(row.get("entity_types", ""), "entity_types",
                                       "entity_type", ["enterprise", "farmer_cooperative",
                                                       "individual_business"]),
        })
    _unique(path, items, lambda i: i["code"], "item code(s)")
    return {i["code"]: i for i in items}


def read_conflicts(path: str | None) -> list[dict[str, Any]]:
    """Spec §13.4: declared conflicts, sorted by (inspector, target)."""
    conflicts = []
    for cell, row in read_rows(path, "conflict", ("inspector_id", "target_id", "ground")
                               ) if path else []:
        conflict = {
            "inspector_id": cell.text(row["inspector_id"], "inspector_id", required=True),
            "target_id": cell.target_id(row["target_id"], "target_id", None),
            "ground": cell.word(row["ground"], "ground", "ground"),
            "valid_from": cell.date(row.get("valid_from", ""), "valid_from"),
            "valid_until": cell.date(row.get("valid_until", ""), "valid_until"),
            "note": cell.text(row.get("note", ""), "note")}
        if conflict["valid_from"] and conflict["valid_until"] \
                and conflict["valid_until"] < conflict["valid_from"]:
            raise cell.fail("valid_until", conflict["valid_until"], "is before valid_from")
        conflicts.append(conflict)
    _unique(path or "", conflicts, lambda c: (c["inspector_id"], c["target_id"]),
            "inspector/target pair(s)")
    return sorted(conflicts, key=lambda c: (c["inspector_id"], c["target_id"]))


def read_previous(path: str | None) -> dict[str, list[str]]:
    """Spec §13.5: {target id: [inspector ids]} (ids normalised, lists sorted, distinct)."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as error:
        raise CannotCheckError(f"{path}: not UTF-8 JSON: {error}") from None
    out: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        raise CannotCheckError(f"{path}: not a JSON object {{target id: [inspector ids]}}")
    for target, ids in data.items():
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise CannotCheckError(f"{path}: {target!r}: not a list of inspector ids")
        key = normalize_id(target)
        if key in out:
            raise CannotCheckError(f"{path}: the target {key} is given twice")
        out[key] = sorted(set(ids))
    return dict(sorted(out.items()))


def previous_digest(previous: dict[str, list[str]]) -> str:
    """Spec §13.5: SHA-256 of the canonical JSON of the object, keys sorted."""
    return "sha256:" + hashlib.sha256(canonical(dict(sorted(previous.items()))).encode()
                                      ).hexdigest()


# --- the draw (spec §4, §6-§8) ---------------------------------------------------------------

def digest_function(name: str) -> Any:
    if name == "sha256":
        return lambda b: hashlib.sha256(b).digest()
    if "sm3" not in hashlib.algorithms_available:
        raise CannotCheckError("the record uses SM3, which this Python's OpenSSL does not provide")
    return lambda b: hashlib.new("sm3", b).digest()


def prefix_state(prefix: bytes, name: str) -> Any:
    """A hash object of ``name`` that has absorbed ``prefix`` (copy it per message)."""
    digest_function(name)  # refuses SM3 where this Python's OpenSSL lacks it
    return hashlib.sha256(prefix) if name == "sha256" else hashlib.new("sm3", prefix)


def stream(seed_string: str, population: int, hash_name: str) -> Any:
    """Spec §4: distinct positions 1..N in draw order, H(seed,i) mod N + 1, i = 1, 2, …
    (the hash state after ``seed,`` is computed once and copied for every counter)."""
    copy = prefix_state(f"{seed_string},".encode(), hash_name).copy
    seen: set[int] = set()
    i = 0
    while len(seen) < population:
        i += 1
        h = copy()
        h.update(b"%d" % i)
        x = int.from_bytes(h.digest(), "big") % population + 1
        if x not in seen:
            seen.add(x)
            yield x


def rivest(seed_string: str, population: int, size: int, hash_name: str) -> list[int]:
    """Spec §4: the first ``size`` positions of the stream."""
    return list(itertools.islice(stream(seed_string, population, hash_name), size))


def eligible_rows(rows: list[dict[str, str]], design: dict[str, Any]
                  ) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Spec §6: the scope, then the exclusions, each counted (§6.2)."""
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
    counts: dict[str, Any] = {"out_of_scope": len(rows) - len(kept), "checked_since": None,
                              "excluded_ids": {}}
    since = design["exclude_checked_since"]
    if since is not None:
        recent = [r for r in kept if r["last_check_date"] and r["last_check_date"] >= since]
        counts["checked_since"] = len(recent)
        kept = [r for r in kept if not (r["last_check_date"] and r["last_check_date"] >= since)]
    for reason, ids in sorted(design["excluded_ids"].items()):
        listed = set(ids)
        counts["excluded_ids"][reason] = sum(r["id"] in listed for r in kept)
        kept = [r for r in kept if r["id"] not in listed]
    return kept, counts


class NoDrawError(Exception):
    """The design cannot be drawn from this frame (spec §7): no record can exist."""


def size_for(rate: Fraction, population: int, minimum: int, maximum: int | None) -> int:
    n = max(math.ceil(min(Fraction(1), rate) * population), min(minimum, population))
    return min(n if maximum is None else min(n, maximum), population)


def stratified(design: dict[str, Any], pops: list[int]) -> dict[str, Any]:
    """Spec §7.1: ceil(rate × N), minimums, maximums, the least floor scale; the record's
    allocation section (§9.4)."""
    rates = [Fraction(design["rates"][c]) for c in CLASSES]
    mins = [design["minimums"][c] for c in CLASSES]
    maxs = [design["maximums"][c] for c in CLASSES]
    floor = Fraction(design["floor"])
    need = math.ceil(floor * sum(pops))

    def sizes(s: Fraction) -> list[int]:
        return [size_for(s * r, n, lo, hi) for r, n, lo, hi in zip(rates, pops, mins, maxs,
                                                                     strict=True)]
    notes: list[dict[str, Any]] = []
    scale = Fraction(1)
    if sum(sizes(scale)) < need:
        if sum(size_for(Fraction(r > 0), n, lo, hi)
               for r, n, lo, hi in zip(rates, pops, mins, maxs, strict=True)) < need:
            raise NoDrawError(f"the floor needs {need} targets, more than the rates can reach")
        # n_h(s) steps just after each s = k / (r·N); the scale is the least such point
        # above 1 at which the sizes meet the floor (walked in increasing order).
        def breakpoints(r: Fraction, n: int) -> Any:
            return (Fraction(k) / (r * n) for k in range(math.floor(r * n) + 1, n + 1))
        walk = heapq.merge(*(breakpoints(r, n) for r, n in zip(rates, pops, strict=True)
                             if r > 0 and n > 0))
        scale = next(s for s in walk if s > 1 and sum(sizes(s)) >= need)
        notes.append({"code": "floor_scaled", "floor": str(floor), "floor_count": need,
                      "population": sum(pops), "rate_total": sum(sizes(Fraction(1))),
                      "scale": str(scale)})
    strata = []
    for c, n, r, lo, hi, size in zip(CLASSES, pops, rates, mins, maxs, sizes(scale),
                                     strict=True):
        effective = min(Fraction(1), scale * r)
        plain = math.ceil(effective * n)
        if size > plain:
            notes.append({"code": "minimum", "label": c, "minimum": lo, "rate_size": plain})
        elif size < min(plain, n):
            notes.append({"code": "maximum", "label": c, "maximum": hi, "rate_size": plain})
        if size == n and n:
            notes.append({"code": "certainty", "label": c, "population": n})
        strata.append({"label": c, "population": n, "rate": str(r),
                       "effective_rate": str(effective), "size": size,
                       "inclusion_probability": str(Fraction(size, n) if n else Fraction(0))})
    unrated = [c for c, r, lo, n in zip(CLASSES, rates, mins, pops, strict=True)
               if r == 0 and not lo and n]
    if unrated:
        notes.append({"code": "rate_zero", "labels": unrated,
                      "population": sum(n for c, n in zip(CLASSES, pops, strict=True)
                                        if c in unrated)})
    return {"strata": strata, "floor": str(floor), "floor_count": need, "scale": str(scale),
            "adjustments": notes}


def weighted(design: dict[str, Any], pops: list[int], uniform: Any) -> dict[str, Any]:
    """Spec §7.2: π_h = min(1, c·w_h), then systematic rounding; the allocation section."""
    weights = [Fraction(design["weights"][c]) for c in CLASSES]
    floor = Fraction(design["floor"])
    need = math.ceil(floor * sum(pops))
    total = design["total"]
    notes: list[dict[str, Any]] = []
    if total < need:
        notes.append({"code": "total_raised", "floor": str(floor), "floor_count": need,
                      "population": sum(pops), "total": total})
        total = need
    if total > sum(n for n, w in zip(pops, weights, strict=True) if w > 0):
        raise NoDrawError("the total exceeds the eligible targets with a positive weight")
    capped: set[int] = set()
    while True:
        free = [h for h in range(5) if weights[h] > 0 and h not in capped and pops[h]]
        mass = sum(weights[h] * pops[h] for h in free)
        if not mass:  # every class with targets and weight is capped: the least such c
            c = max((1 / weights[h] for h in capped), default=Fraction(0))
            break
        c = Fraction(total - sum(pops[h] for h in capped)) / mass
        newly = {h for h in free if c * weights[h] >= 1}
        if not newly:
            break
        capped |= newly
    pis = [Fraction(1) if h in capped else min(Fraction(1), c * weights[h]) for h in range(5)]
    expected = [pis[h] * pops[h] for h in range(5)]
    sizes = [math.floor(e) for e in expected]
    if any(e != s for e, s in zip(expected, sizes, strict=True)):
        start = uniform()
        low = Fraction(0)
        for h in range(5):
            high = low + expected[h] - sizes[h]
            if math.ceil(low - start) < high - start:
                sizes[h] += 1
            low = high
        notes.append({"code": "rounded", "start": str(start)})
    strata = [{"label": c, "population": pops[h], "rate": str(pis[h]),
               "effective_rate": str(pis[h]), "size": sizes[h],
               "inclusion_probability": str(pis[h] if pops[h] else Fraction(0))}
              for h, c in enumerate(CLASSES)]
    return {"strata": strata, "floor": str(floor), "floor_count": need, "scale": "1",
            "adjustments": notes}


# --- inspection teams (spec §12) ---------------------------------------------------------------

class Phase:
    """One staffing phase of spec §12.4 over pools of officer indices."""

    def __init__(self, pools: list[list[int]], places: int, load: list[int], cap: int,
                 modes: list[list[int]]) -> None:
        self.pools, self.places, self.load, self.cap = pools, places, load, cap
        self.modes = modes  # each target's mode pool, recusals and leader not removed
        self.team: list[list[int]] = [[] for _ in pools]
        self.holders: dict[int, list[int]] = {}

    def take(self, t: int, u: int) -> None:
        self.team[t].append(u)
        self.load[u] += 1
        self.holders.setdefault(u, []).append(t)

    def drop(self, t: int, u: int) -> None:
        self.team[t].remove(u)
        self.load[u] -= 1
        self.holders[u].remove(t)

    def search(self, start: int, dead: set[int], closed: set[int]) -> bool:
        """§12.4c. Officers in ``closed`` (reached by a failed search at this cap) are dead
        ends: skipping them changes no path found, and spares repeating the search."""
        came: dict[int, int] = {}
        hands: dict[int, int] = {start: -1}
        queue = deque([start])
        while queue:
            t = queue.popleft()
            for u in self.pools[t]:
                if u in self.team[t] or u in came or u in closed:
                    continue
                came[u] = t
                if self.load[u] < self.cap:
                    self.shift(u, came, hands)
                    return True
                for holder in self.holders.get(u, []):
                    if holder not in hands:
                        hands[holder] = u
                        queue.append(holder)
        dead.update(hands)
        closed.update(came)
        return False

    def shift(self, unit: int, came: dict[int, int], hands: dict[int, int]) -> None:
        """Apply the path ending at ``unit``: each target takes the officer it reached and
        hands on the one it was reached through."""
        while True:
            owner = came[unit]
            handed = hands[owner]
            if handed >= 0:
                self.drop(owner, handed)
            self.take(owner, unit)
            if handed < 0:
                return
            unit = handed

    def run(self, order: list[int], labels: list[str], hash_name: str, limit: int) -> list[int]:
        self.cap = least_cap([self.modes[t] for t in order], self.places, self.load,
                             self.cap, limit)
        counts: dict[tuple[int, ...], int] = {}
        for t in order:
            counts[tuple(self.modes[t])] = counts.get(tuple(self.modes[t]), 0) + 1
        first = sorted(order, key=lambda t: -Fraction(counts[tuple(self.modes[t])],
                                                      len(self.modes[t])))
        for t in first:  # (b) greedy: the first positions over the pool's officers below c
            below = [u for u in self.pools[t] if self.load[u] < self.cap]
            for position in rivest(labels[t], len(below), min(self.places, len(below)),
                                   hash_name):
                self.take(t, below[position - 1])
        while True:
            dead: set[int] = set()
            closed: set[int] = set()
            for t in order:
                while len(self.team[t]) < self.places and t not in dead \
                        and self.search(t, dead, closed):
                    pass
            short = [t for t in order if len(self.team[t]) < self.places]
            if not short or self.cap >= limit:
                return short
            self.cap += 1



def allowed(mode: str, officer: dict[str, Any], target: dict[str, str]) -> bool:
    """§12.2: the draw mode's pool."""
    if mode == "by_region":
        return bool(officer["office_area"]) and target["region"].startswith(
            officer["office_area"])
    if mode == "cross_office":
        return not (officer["office"] and officer["office"] == target["supervising_office"])
    return True


def expert_cover(needed: set[str], pool: list[dict[str, Any]], label: str, hash_name: str
                 ) -> tuple[list[str], list[str]]:
    """§12.6: least cover of up to three experts, else greedy."""
    for size in range(1, min(3, len(pool)) + 1):
        covers = [c for c in itertools.combinations(pool, size)
                  if needed <= set().union(*(set(e["specialties"]) for e in c))]
        if covers:
            pick = next(stream(label, len(covers), hash_name))
            return [e["id"] for e in covers[pick - 1]], []
    left, chosen = set(needed), []
    while left and pool:
        best = max(pool, key=lambda e: len(set(e["specialties"]) & left))
        if not set(best["specialties"]) & left:
            break
        chosen.append(best["id"])
        left -= set(best["specialties"])
    return sorted(chosen), sorted(left)



def fits(groups: dict[tuple[int, ...], int], places: int, room: dict[int, int]) -> bool:
    """§12.4a: can every target take ``places`` distinct officers of its pool, officer u at
    most room[u] times in all? ``groups``: pool -> number of targets with that pool.
    (Edmonds–Karp max-flow.)"""
    residual: dict[Any, dict[Any, int]] = {"s": {}, "t": {}}

    def edge(a: Any, b: Any, c: int) -> None:
        residual.setdefault(a, {})[b] = residual.get(a, {}).get(b, 0) + c
        residual.setdefault(b, {}).setdefault(a, 0)

    # Officers in the same groups with the same room act as one node of m officers: at
    # most n*m places from a group of n targets, room*m in all (dealt out round-robin, a
    # flow of that node never gives one officer more than n from a group or room in all).
    member_of: dict[int, list[int]] = {}
    for g, members in enumerate(groups):
        for u in members:
            member_of.setdefault(u, []).append(g)
    classes: dict[tuple[tuple[int, ...], int], int] = {}
    for u, gs in member_of.items():
        key = (tuple(gs), max(room[u], 0))
        classes[key] = classes.get(key, 0) + 1
    sizes = list(groups.values())
    need = 0
    for g, n in enumerate(sizes):
        edge("s", ("g", g), places * n)
        need += places * n
    for (shared, r), m in classes.items():
        for g in shared:
            edge(("g", g), ("c", shared, r), sizes[g] * m)
        edge(("c", shared, r), "t", r * m)
    flow = 0
    while True:
        parent: dict[Any, Any] = {"s": None}
        queue = ["s"]
        for a in queue:
            for b, c in residual[a].items():
                if c > 0 and b not in parent:
                    parent[b] = a
                    queue.append(b)
        if "t" not in parent:
            return flow >= need
        path, b = [], "t"
        while parent[b] is not None:
            path.append((parent[b], b))
            b = parent[b]
        pushed = min(residual[a][b] for a, b in path)
        for a, b in path:
            residual[a][b] -= pushed
            residual[b][a] += pushed
        flow += pushed


def least_cap(pools: list[list[int]], places: int, load: list[int], start: int,
              limit: int) -> int:
    """§12.4a: the least cap in [start, limit] at which the relaxed problem fits."""
    groups: dict[tuple[int, ...], int] = {}
    for pool in pools:
        key = tuple(pool)
        groups[key] = groups.get(key, 0) + 1
    units = {u for members in groups for u in members}
    for cap in range(start, limit + 1):
        if fits(groups, places, {u: cap - load[u] for u in units}):
            return cap
    return limit




def run_phases(pools: list[list[int]], *, modes: list[list[int]], officers: int,
               leads: list[bool] | None, d: int, staffable: list[int],
               labels: dict[str, list[str]], hash_name: str, caps: tuple[int, int],
               reasons: dict[int, dict[str, Any]], dept: str | None
               ) -> tuple[dict[int, int], Phase]:
    """§12.5: leaders first (if a department leads), then the other places."""
    cap, limit = caps
    load = [0] * officers
    leaders: dict[int, int] = {}
    if leads is not None:
        first = Phase([[u for u in p if leads[u]] for p in pools], 1, load, cap,
                      [[u for u in m if leads[u]] for m in modes])
        for k in first.run(staffable, labels["leader"], hash_name, limit):
            reasons[k] = {"reason": "leader_capacity", "department": dept, "cap": first.cap}
        leaders = {k: first.team[k][0] for k in staffable if first.team[k]}
        staffable = [k for k in staffable if k in leaders]
    second = Phase([[u for u in p if u != leaders.get(k)] for k, p in enumerate(pools)],
                   d - (1 if leads is not None else 0), load, cap, modes)
    for k in second.run(staffable, labels["team"], hash_name, limit):
        reasons[k] = {"reason": "capacity", "cap": second.cap}
    return leaders, second


Staffed = tuple[dict[int, list[int]], dict[int, int], dict[int, str], dict[int, dict[str, Any]],
                Fraction]


def by_person(officers: list[dict[str, Any]], modes: list[list[int]], pools: list[list[int]],
              *, d: int, dept: str | None, labels: dict[str, list[str]], limit: int,
              hash_name: str) -> Staffed:
    """§12.3–12.5: officers one by one; returns each staffed target's officers, leader and
    group (none here), the unstaffed targets with their reasons (§12.8), the fair share."""
    reasons: dict[int, dict[str, Any]] = {
        k: {"reason": "too_few_officers", "eligible": len(p), "needed": d}
        for k, p in enumerate(pools) if len(p) < d}
    if dept:
        reasons.update({k: {"reason": "no_leader_officer", "department": dept}
                        for k, p in enumerate(pools) if k not in reasons
                        and not any(officers[u]["department"] == dept for u in p)})
    staffable = [k for k in range(len(pools)) if k not in reasons]
    active = {u for k in staffable for u in pools[k]}
    fair = Fraction(d * len(staffable), len(active)) if active else Fraction(0)
    leaders, second = run_phases(
        pools, modes=modes, officers=len(officers), d=d, staffable=staffable,
        labels=labels, leads=[o["department"] == dept for o in officers] if dept else None,
        hash_name=hash_name, caps=(min(max(1, math.ceil(fair)), limit), limit),
        reasons=reasons, dept=dept)
    members = {k: sorted(second.team[k] + ([leaders[k]] if k in leaders else []))
               for k in range(len(pools)) if k not in reasons}
    return (members, {k: leaders.get(k, team[0]) for k, team in members.items()}, {},
            reasons, fair)


def by_group(officers: list[dict[str, Any]], modes: list[list[int]], pools: list[list[int]],
             *, d: int, dept: str | None, labels: list[str], limit: int, hash_name: str
             ) -> Staffed:
    """§12.7: one pre-formed group per target, drawn as a unit; returns as `by_person`."""
    found: dict[str, list[int]] = {}
    for u, o in enumerate(officers):
        if o["group"]:
            found.setdefault(o["group"], []).append(u)
    names = sorted(found)
    units = [found[name] for name in names]
    leads = [next((u for u in unit if not dept or officers[u]["department"] == dept), -1)
             for unit in units]
    usable = [g for g, unit in enumerate(units) if len(unit) >= d and leads[g] >= 0]
    by_mode: dict[int, list[int]] = {}  # mode pools are shared lists (by place)
    for mode in modes:
        if id(mode) not in by_mode:
            allowed_here = set(mode)
            by_mode[id(mode)] = [g for g in usable if allowed_here.issuperset(units[g])]
    group_modes = [by_mode[id(mode)] for mode in modes]
    group_pools = [[g for g in groups if set(pool).issuperset(units[g])] if groups else []
                   for groups, pool in zip(group_modes, pools, strict=True)]
    reasons: dict[int, dict[str, Any]] = {
        k: {"reason": "no_eligible_group", "min_officers": d, "department": dept}
        for k, p in enumerate(group_pools) if not p}
    staffable = [k for k in range(len(pools)) if k not in reasons]
    active = {g for k in staffable for g in group_pools[k]}
    fair = Fraction(len(staffable), len(active)) if active else Fraction(0)
    phase = Phase(group_pools, 1, [0] * len(units), min(max(1, math.ceil(fair)), limit),
                  group_modes)
    for k in phase.run(staffable, labels, hash_name, limit):
        reasons[k] = {"reason": "group_capacity", "cap": phase.cap}
    chosen = {k: phase.team[k][0] for k in staffable if k not in reasons}
    return ({k: units[g] for k, g in chosen.items()}, {k: leads[g] for k, g in chosen.items()},
            {k: names[g] for k, g in chosen.items()}, reasons, fair)


def needed_inputs(record: dict[str, Any], args: Any) -> list[str]:
    """Spec §10.3: the options a record with teams needs that were not given."""
    if "teams" not in record:
        return []
    policy = record["teams"]["policy"]
    needs = []
    if not args.inspectors:
        needs.append("--inspectors (the inspector directory CSV)")
    if policy["items"] and not args.item_list:
        needs.append("--item-list (the check-item list CSV)")
    if policy["conflicts_digest"] != lines_digest("conflict-register", []) and not args.conflicts:
        needs.append("--conflicts (the conflict register CSV)")
    if policy["previous_inspectors_digest"] != previous_digest({}) and not args.previous:
        needs.append("--previous (the previous inspectors JSON)")
    missing = [c for c in policy["items"] if args.item_list and c not in
               load_inputs(args.directory, args).catalogue]
    if missing:
        needs.append(f"--item-list with the items {missing} (the check-item list the teams "
                     "were drawn with)")
    if record["spec_version"] == "1" and policy["custom_rules"]:
        needs.append("the custom rules' code (a spec 1 record does not say which rule "
                     "excluded whom: verify it in Python with the rules)")
    return needs


class Inputs:
    """The register files given, read once (§13); `CannotCheckError` if one is unusable."""

    def __init__(self, directory: str, args: Any) -> None:
        self.rows = read_directory(directory)
        self.people = read_inspectors(args.inspectors) if args.inspectors else []
        self.catalogue = read_items(args.item_list) if args.item_list else {}
        self.conflicts = read_conflicts(args.conflicts)
        self.previous = read_previous(args.previous)
        self.given = args


_INPUTS: dict[tuple[Any, ...], Inputs] = {}


def load_inputs(directory: str, args: Any) -> Inputs:
    """The inputs for these options, read once per run (again if a file changes)."""
    paths = (directory, args.inspectors, args.item_list, args.conflicts, args.previous)
    key = tuple((p, _stamp(p)) for p in paths)
    if key not in _INPUTS:
        _INPUTS.clear()
        _INPUTS[key] = Inputs(directory, args)
    return _INPUTS[key]


def _stamp(path: str | None) -> tuple[int, int] | None:
    try:
        stat = Path(path).stat() if path else None
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size) if stat else None


class Registers:
    """The registers a record's teams were drawn from, checked against the record's digests
    (§12.8, §13)."""

    def __init__(self, record: dict[str, Any], inputs: Inputs, compare: Any) -> None:
        section, policy = record["teams"], record["teams"]["policy"]
        self.people, self.conflicts, self.previous = (inputs.people, inputs.conflicts,
                                                      inputs.previous)
        compare("inspector_directory", section["inspector_directory"],
                {"digest": lines_digest("inspector-directory", self.people),
                 "size": len(self.people)})
        compare("conflicts_digest", policy["conflicts_digest"],
                lines_digest("conflict-register", self.conflicts))
        compare("previous_inspectors_digest", policy["previous_inspectors_digest"],
                previous_digest(self.previous))
        self.items = [inputs.catalogue[c] for c in policy["items"]]
        if record["spec_version"] != "1":
            compare("items_digest", policy["items_digest"],
                    lines_digest("check-item-list", sorted(self.items, key=lambda i: i["code"])))
        day = policy["check_date"]
        self.officers = [p for p in self.people if p["status"] == "active" and not p["is_expert"]
                         and p["credential_number"] and (p["credential_expiry"] is None
                                                         or p["credential_expiry"] >= day)]
        self.experts = [p for p in self.people if p["is_expert"] and p["status"] == "active"]
        self.in_force: dict[str, dict[str, str]] = {}  # target -> inspector -> ground
        for c in self.conflicts:
            if (c["valid_from"] is None or c["valid_from"] <= day) and (
                    c["valid_until"] is None or day <= c["valid_until"]):
                self.in_force.setdefault(c["target_id"], {})[c["inspector_id"]] = c["ground"]


class Recusal:
    """§12.2 and §12.8: each target's mode pool, its pool after recusals, the pairs each
    ground removed, and the officers each custom rule removed (rule → target → ids); with
    the record's earlier visits (§12.10) and the policy's executing bureau (§12.11)."""

    def __init__(self, policy: dict[str, Any], registers: Registers,
                 recorded_rules: dict[str, dict[str, list[str]]],
                 earlier: dict[str, list[str]] | None = None) -> None:
        self.policy, self.registers, self.rules = policy, registers, recorded_rules
        self.earlier = earlier or {}
        self.index = {o["id"]: u for u, o in enumerate(registers.officers)}
        # the mode pool depends on these; with it the number of officers of the bureau
        self.by_place: dict[tuple[str, str], tuple[int, list[int]]] = {}
        self.exclusions: dict[str, int] = {}
        self.custom: dict[str, dict[str, list[str]]] = {}

    def of_bureau(self, person: dict[str, Any], t: dict[str, str]) -> bool:
        """§12.11: is the officer or expert of the bureau executing for t (or widened in)?"""
        level = self.policy.get("executing_level")
        if level is None:
            return True
        size, area = LEVELS[level], person["office_area"]
        return (len(area) >= size and area.startswith(t["region"][:size])) \
            or person["department"] in self.policy["widened_departments"] \
            or person["id"] in self.policy["widened_inspectors"]

    def pools(self, t: dict[str, str]) -> tuple[list[int], list[int]]:
        """The target's mode pool and its pool (officer indices, canonical order)."""
        officers, policy = self.registers.officers, self.policy
        place = (t["region"], t["supervising_office"])
        if place not in self.by_place:
            bureau = [u for u, o in enumerate(officers) if self.of_bureau(o, t)]
            self.by_place[place] = (len(bureau), [u for u in bureau
                                                  if allowed(policy["mode"], officers[u], t)])
        bureau_size, mode = self.by_place[place]
        members = set(mode)
        if policy["mode"] == "cross_office":
            self.count("own_office", bureau_size - len(mode))
        out: dict[int, str] = {}  # each recused officer's first ground
        for inspector, ground in self.registers.in_force.get(t["id"], {}).items():
            if self.index.get(inspector) in members:
                out[self.index[inspector]] = f"conflict:{ground}"
        for inspector in self.registers.previous.get(t["id"], []):
            if self.index.get(inspector) in members:
                out.setdefault(self.index[inspector], "rotation")
        for inspector in self.earlier.get(t["id"], []):
            if self.index.get(inspector) in members:
                out.setdefault(self.index[inspector], "rotation_year")
        for rule in policy["custom_rules"]:
            listed = set(self.rules.get(rule, {}).get(t["id"], []))
            for u in mode:
                if u not in out and officers[u]["id"] in listed:
                    out[u] = f"custom:{rule}"
                    self.custom.setdefault(rule, {}).setdefault(t["id"], []).append(
                        officers[u]["id"])
        for ground in out.values():
            self.count(ground, 1)
        return mode, [u for u in mode if u not in out]

    def count(self, ground: str, n: int) -> None:
        self.exclusions[ground] = self.exclusions.get(ground, 0) + n

    def experts(self, t: dict[str, str], needed: set[str], team: tuple[str, ...] = ()
                ) -> list[dict[str, Any]]:
        """§12.6: the candidate experts for the needed specialties — not the ``team``'s
        people (a joined visit's, §12.12), of the executing bureau (§12.11); those a custom
        rule recused are recorded under the first such rule."""
        barred = {*self.registers.in_force.get(t["id"], {}),
                  *self.registers.previous.get(t["id"], []),
                  *self.earlier.get(t["id"], []), *team}
        pool = []
        for e in self.registers.experts:
            if not set(e["specialties"]) & needed or e["id"] in barred \
                    or not self.of_bureau(e, t):
                continue
            rule = next((r for r in self.policy["custom_rules"]
                         if e["id"] in self.rules.get(r, {}).get(t["id"], [])), None)
            if rule is None:
                pool.append(e)
            else:
                ids = self.custom.setdefault(rule, {}).setdefault(t["id"], [])
                ids[:] = sorted({*ids, e["id"]})
        return pool


def replay_teams(record: dict[str, Any], inputs: Inputs, compare: Any) -> None:
    """Spec §12: rebuild eligibility, exclusions, the phases and the experts; compare."""
    section, policy = record["teams"], record["teams"]["policy"]
    registers = Registers(record, inputs, compare)
    by_id = {r["id"]: r for r in inputs.rows}
    selected = [by_id[i] for s in record["strata"] for i in s["selected"] if i in by_id]
    if len(selected) < sum(len(s["selected"]) for s in record["strata"]):
        compare("teams", "selected targets in the directory", "a selected id is not in it")
        return
    joined = {j["target"]: j for j in section.get("joined", [])}
    targets = [t for t in selected if t["id"] not in joined]  # §12.12: they draw no team
    recusal = Recusal(policy, registers,
                      {} if record["spec_version"] == "1" else section["custom_exclusions"],
                      section.get("earlier_visits"))
    modes, pools = zip(*(recusal.pools(t) for t in targets), strict=True) if targets else ((), ())
    seed, purpose, hash_name = record["seed"]["value"], record["purpose"], record["hash"]
    limit = policy["cap"] if policy["cap"] is not None else max(len(selected), 1)
    labels = {kind: [f"{seed},{purpose},{kind}/{t['id']}" for t in targets]
              for kind in ("leader", "team", "group")}
    officers, d, dept = registers.officers, policy["min_officers"], policy["leader_department"]
    if policy["unit"] == "group":
        members_of, leader_of, group_of, reasons, fair = by_group(
            officers, list(modes), list(pools), d=d, dept=dept, labels=labels["group"],
            limit=limit, hash_name=hash_name)
    else:
        members_of, leader_of, group_of, reasons, fair = by_person(
            officers, list(modes), list(pools), d=d, dept=dept, labels=labels, limit=limit,
            hash_name=hash_name)
    teams: list[dict[str, Any]] = []
    loads: dict[int, int] = {}
    for k, team in sorted(members_of.items()):
        t = targets[k]
        needed = {s for item in registers.items if t["entity_type"] in item["entity_types"]
                  for s in item["required_specialties"]}
        needed -= {s for u in team for s in officers[u]["specialties"]}
        chosen: list[str] = []
        uncovered = sorted(needed)
        if needed and policy["add_experts"]:
            chosen, uncovered = expert_cover(needed, recusal.experts(t, needed),
                                             f"{seed},{purpose},experts/{t['id']}", hash_name)
        for u in team:
            loads[u] = loads.get(u, 0) + 1
        teams.append({"target": t["id"], "officers": [officers[u]["id"] for u in team],
                      "leader": officers[leader_of[k]]["id"], "experts": chosen,
                      "uncovered": uncovered, **({"group": group_of[k]} if k in group_of
                                                 else {})})
    visits = [replay_joined(t, joined[t["id"]], registers=registers, recusal=recusal,
                            label=f"{seed},{purpose},experts/{t['id']}", hash_name=hash_name)
              for t in selected if t["id"] in joined]
    if visits:
        compare("joined", section["joined"], visits)
    replayed = {
        "teams": teams, "fair_share": str(fair), "cap": max(loads.values(), default=0),
        "unstaffed": [{"target": targets[k]["id"], **r} for k, r in sorted(reasons.items())],
        "exclusions": dict(sorted(recusal.exclusions.items())),
        "custom_exclusions": {rule: dict(sorted(by_target.items()))
                              for rule, by_target in sorted(recusal.custom.items())}}
    if record["spec_version"] == "1":
        replayed = teams_v1(replayed)
    for key in ("teams", "unstaffed", "fair_share", "cap", "exclusions", "custom_exclusions"):
        compare(key, section[key], replayed[key])


def replay_joined(t: dict[str, str], entry: dict[str, Any], *, registers: Registers,
                  recusal: Recusal, label: str, hash_name: str) -> dict[str, Any]:
    """§12.12: a target joining an earlier visit's team — the recorded team as given, and
    the experts this task's items need beyond its officers and inherited experts."""
    specialties = {p["id"]: p["specialties"] for p in registers.people}
    team = (*entry["officers"], *entry["inherited_experts"])
    needed = {s for item in registers.items if t["entity_type"] in item["entity_types"]
              for s in item["required_specialties"]}
    needed -= {s for person in team for s in specialties.get(person, [])}
    chosen: list[str] = []
    uncovered = sorted(needed)
    if needed and recusal.policy["add_experts"]:
        chosen, uncovered = expert_cover(needed, recusal.experts(t, needed, team), label,
                                         hash_name)
    return {**entry, "experts": chosen, "uncovered": uncovered}


# --- records of spec 1 (spec §14) ------------------------------------------------------------

def teams_v1(replayed: dict[str, Any]) -> dict[str, Any]:
    """Spec §14: exclusion keys and unstaffed reasons as text, custom exclusions merged."""
    merged: dict[str, set[str]] = {}
    for by_target in replayed["custom_exclusions"].values():
        for target, ids in by_target.items():
            merged.setdefault(target, set()).update(ids)
    return {**replayed,
            "exclusions": {exclusion_text_v1(k): n for k, n in replayed["exclusions"].items()},
            "unstaffed": [{"target": u["target"], "reason": unstaffed_text_v1(u)}
                          for u in replayed["unstaffed"]],
            "custom_exclusions": {t: sorted(ids) for t, ids in merged.items()}}


def exclusion_text_v1(key: str) -> str:
    kind, _, detail = key.partition(":")
    if kind in ("conflict", "custom"):
        return f"{'declared conflict' if kind == 'conflict' else 'custom'}: {detail}"
    return {"rotation": "rotation (checked it last time)",
            "own_office": "own office (所所交叉)"}[key]


def unstaffed_text_v1(u: dict[str, Any]) -> str:
    reason = u["reason"]
    if reason == "too_few_officers":
        return (f"only {u['eligible']} eligible officer(s) after recusal, credentials and mode; "
                f"{u['needed']} needed")
    if reason == "no_leader_officer":
        return f"no eligible officer of the executing department {u['department']!r}"
    if reason in ("leader_capacity", "capacity", "group_capacity"):
        who = {"leader_capacity": f"officer of {u.get('department')!r}",
               "capacity": "officer", "group_capacity": "group"}[reason]
        return f"capacity: every eligible {who} already has {u['cap']} target(s), the cap"
    return (f"no eligible group: each has an officer recused or outside the mode, fewer than "
            f"{u['min_officers']} officers with valid credentials"
            + (f", or no officer of {u['department']!r}" if u["department"] else ""))


def adjustment_text_v1(a: dict[str, Any]) -> str:
    code = a["code"]
    if code == "floor_scaled":
        return (f"coverage floor {a['floor']} needs {a['floor_count']} of {a['population']}: the "
                f"rates gave {a['rate_total']}, so every rate was scaled by {a['scale']} "
                f"(≈{float(Fraction(a['scale'])):.4f}), ratios kept, capped at 1")
    if code in ("minimum", "maximum"):
        verb = "raised to the minimum" if code == "minimum" else "capped at the maximum"
        return f"{a['label']}: {verb} of {a[code]} (rate gave {a['rate_size']})"
    if code == "certainty":
        return f"{a['label']}: certainty stratum, all {a['population']} drawn"
    if code == "rate_zero":
        return (f"classes {', '.join(a['labels'])} have rate 0: none of their "
                f"{a['population']} eligible targets can be drawn")
    if code == "total_raised":
        return (f"coverage floor {a['floor']} needs {a['floor_count']} of {a['population']}: "
                f"the total {a['total']} was raised to {a['floor_count']}")
    return f"sizes rounded by systematic randomized rounding (start {a['start']})"


def allocation_v1(allocation: dict[str, Any], design: dict[str, Any]) -> dict[str, Any]:
    """Spec §14: adjustments as text; empty class-weighted classes at the uncapped c·w."""
    strata = [dict(s) for s in allocation["strata"]]
    if design["kind"] == "class-weighted":
        w = {c: Fraction(x) for c, x in design["weights"].items()}
        c = next((Fraction(s["rate"]) / w[s["label"]] for s in strata
                  if s["population"] and w[s["label"]] > 0 and Fraction(s["rate"]) < 1),
                 Fraction(0))
        for s in strata:
            if not s["population"]:
                s["rate"] = s["effective_rate"] = str(c * w[s["label"]])
    notes = [a for a in allocation["adjustments"] if a["code"] != "certainty"]
    ordered = [a for a in notes if a["code"] in ("floor_scaled", "total_raised")]
    for s in strata if design["kind"] == "stratified-by-risk" else ():
        # spec 1: certainty where the effective rate is 1
        ordered += [a for a in notes if a.get("label") == s["label"]]
        if s["effective_rate"] == "1" and s["population"]:
            ordered.append({"code": "certainty", "label": s["label"],
                            "population": s["population"]})
    if design["kind"] == "class-weighted":
        ordered = notes
    else:
        ordered += [a for a in notes if a["code"] in ("rate_zero", "rounded")]
    return {**allocation, "strata": strata,
            "adjustments": [adjustment_text_v1(a) for a in ordered]}


def eligibility_v1(counts: dict[str, Any], design: dict[str, Any]) -> dict[str, int]:
    out = {"out_of_scope": counts["out_of_scope"]}
    if counts["checked_since"] is not None:
        out[f"checked since {design['exclude_checked_since']}"] = counts["checked_since"]
    out.update(counts["excluded_ids"])
    return out


def allocate(design: dict[str, Any], pops: list[int], rounding: str, hash_name: str
             ) -> dict[str, Any]:
    """Spec §7: the allocation section for the design; `NoDrawError` if none exists."""
    if not sum(pops):
        raise NoDrawError("no eligible target")
    if design["kind"] == "stratified-by-risk":
        return stratified(design, pops)

    def uniform() -> Fraction:
        x = digest_function(hash_name)(f"{rounding},1".encode())
        return Fraction(int.from_bytes(x, "big"), 2**256)
    return weighted(design, pops, uniform)


# --- the journal and the seed ceremony (spec §16, §17) -----------------------------------------

ED_P = 2**255 - 19
ED_L = 2**252 + 27742317777372353535851937790883648493
ED_D = -121665 * pow(121666, -1, ED_P) % ED_P
ED_I = pow(2, (ED_P - 1) // 4, ED_P)  # a square root of -1


def _ed_x(y: int, sign: int) -> int | None:
    """RFC 8032 §5.1.3: the x of a point from its y and the sign of x (None: no point)."""
    if y >= ED_P:
        return None
    xx = (y * y - 1) * pow(ED_D * y * y + 1, -1, ED_P) % ED_P
    x = pow(xx, (ED_P + 3) // 8, ED_P)
    if (x * x - xx) % ED_P:
        x = x * ED_I % ED_P
    if (x * x - xx) % ED_P or (x == 0 and sign):
        return None
    return ED_P - x if x & 1 != sign else x


def _ed_point(data: bytes) -> tuple[int, int, int, int] | None:
    n = int.from_bytes(data, "little")
    y, sign = n & ((1 << 255) - 1), n >> 255
    x = _ed_x(y, sign)
    return None if x is None else (x, y, 1, x * y % ED_P)


def _ed_add(a: tuple[int, int, int, int], b: tuple[int, int, int, int]
            ) -> tuple[int, int, int, int]:
    """Addition in extended coordinates (RFC 8032 §5.1.4)."""
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    p, q = (y1 - x1) * (y2 - x2) % ED_P, (y1 + x1) * (y2 + x2) % ED_P
    r, s = t1 * 2 * ED_D * t2 % ED_P, z1 * 2 * z2 % ED_P
    e, f, g, h = q - p, s - r, s + r, q + p
    return e * f % ED_P, g * h % ED_P, f * g % ED_P, e * h % ED_P


def _ed_mul(k: int, point: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    out = (0, 1, 1, 0)
    while k:
        if k & 1:
            out = _ed_add(out, point)
        point = _ed_add(point, point)
        k >>= 1
    return out


ED_B = (_ed_x(4 * pow(5, -1, ED_P) % ED_P, 0) or 0, 4 * pow(5, -1, ED_P) % ED_P, 1, 0)
ED_B = (ED_B[0], ED_B[1], 1, ED_B[0] * ED_B[1] % ED_P)


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 8032 §5.1.7: whether ``signature`` is the Ed25519 signature of ``message``."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a, r = _ed_point(public_key), _ed_point(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= ED_L:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(),
                       "little") % ED_L
    left, right = _ed_mul(s, ED_B), _ed_add(r, _ed_mul(k, a))
    return (left[0] * right[2] - right[0] * left[2]) % ED_P == 0 and \
        (left[1] * right[2] - right[1] * left[2]) % ED_P == 0


CHAIN_FIELDS = ("actor", "kind", "payload_digest", "prev", "seq", "time")
GENESIS = "sha256:" + "0" * 64


def digest_of(value: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical(value).encode()).hexdigest()


JOURNAL_KEYS = ("seq", "time", "actor", "kind", "payload_digest", "prev", "hash")
#: §16.2: each kind's payload keys and their types ("?": or null).
KINDS = {
    "key_registered": {"actor": "text", "public_key": "key"},
    "register_committed": {"register": "text", "digest": "text", "size": "int"},
    "plan_filed": {"plan_digest": "text", "version": "int"},
    "plan_revised": {"plan_digest": "text", "version": "int", "replaces": "text",
                     "reason": "text?"},
    "ceremony_opened": {"ceremony": "text", "commitment": "commitment",
                        "commitment_digest": "text", "replaces": "text?", "abandons": "int?",
                        "reason": "text?"},
    "seed_committed": {"ceremony": "text", "contributor": "text", "commitment": "text"},
    "seed_revealed": {"ceremony": "text", "contributor": "text", "contribution": "text",
                      "salt": "text"},
    "reveal_refused": {"ceremony": "text", "contributor": "text", "reason": "text"},
    "draw_attempt": {"ceremony": "text", "attempt": "int", "record_digest": "text",
                     "replaces": "text?", "reason": "text?"},
    "teams_drawn": {"ceremony": "text", "record_digest": "text", "draw_digest": "text"},
    "team_changed": {"record_digest": "text", "target": "text", "reason": "text",
                     "change": "change"},
    "team_substituted": {"record_digest": "text", "target": "text", "leaving": "text",
                         "substitute": "text", "k": "int", "reason": "text"},
    "record_stored": {"record_digest": "text", "purpose": "text"},
    "result_recorded": {"plan_digest": "text", "result": "object"},
    "follow_up_recorded": {"plan_digest": "text", "follow_up": "object"},
    "export": {"head": "text", "entries": "int"},
}
COMMITMENT = {"purpose": "text", "spec_version": "text", "hash": "text", "design": "object",
              "directory": "object", "registers": "object", "team_policy": "object?",
              "plan": "object?"}
#: §17.5: the entries a ceremony is made of, whose payloads may not be withheld.
PUBLISHED = ("ceremony_opened", "seed_committed", "seed_revealed", "reveal_refused",
             "draw_attempt", "teams_drawn", "team_changed", "team_substituted")


def read_journal(path: str) -> list[dict[str, Any]]:
    """§16.4: the entries of a JSON Lines export (blank lines skipped)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError) as error:
        raise CannotCheckError(f"{path}: not a journal export: {error}") from None
    entries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as error:
            raise CannotCheckError(f"{path} line {number}: not a journal entry: {error}") \
                from None
        if not isinstance(entry, dict) or not set(JOURNAL_KEYS) <= set(entry):
            raise CannotCheckError(f"{path} line {number}: not a journal entry (it needs "
                                   + ", ".join(JOURNAL_KEYS) + ")")
        entries.append(entry)
    return entries


def is_key(key: Any) -> bool:
    return isinstance(key, str) and key.startswith("ed25519:") and len(key) == 72 and \
        set(key[8:]) <= set("0123456789abcdef")


def value_problem(value: Any, kind: str) -> str | None:
    """Why ``value`` is not of the type code ``kind`` (§16.2), or None."""
    if kind.endswith("?"):
        return None if value is None else value_problem(value, kind[:-1])
    if kind == "text":
        return None if isinstance(value, str) else "is not text"
    if kind == "int":
        return None if type(value) is int else "is not an integer"
    if kind == "object":
        return None if isinstance(value, dict) else "is not an object"
    if kind == "key":
        return None if is_key(value) else "is not ed25519: and 64 lower-case hex digits"
    if kind == "commitment":
        if not isinstance(value, dict):
            return "is not an object"
        for key, code in COMMITMENT.items():
            problem = value_problem(value.get(key), code)
            if problem is not None:
                return f"has a {key} that {problem}"
        names = value.get("contributors")
        if not isinstance(names, list) or not names or \
                not all(isinstance(n, str) for n in names) or len(set(names)) < len(names):
            return "has no list of distinct contributor names"
        return None
    if not isinstance(value, dict) or not isinstance(value.get("remove"), list) or \
            not isinstance(value.get("add"), list):
        return "is not an object {remove: [ids], add: [[role, id], …]}"
    if not all(isinstance(i, str) for i in value["remove"]) or not all(
            isinstance(a, list) and len(a) == 2 and a[0] in ("officer", "expert", "leader")
            and isinstance(a[1], str) for a in value["add"]):
        return "names an id that is not text, or a role not officer, expert or leader"
    return None


def has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(has_float(v) for v in value.values())
    return isinstance(value, list) and any(has_float(v) for v in value)


def entry_problem(entry: dict[str, Any], count: int, prev: str, last: str,
                  keys: dict[str, str]) -> str | None:
    """§16.3: what is wrong with one entry of a chain, or None."""
    seq = entry["seq"]
    if type(seq) is not int or seq != count:
        return (f"sequence number {seq!r} where {count} was expected (an entry was deleted, "
                "inserted or moved)")
    if entry["prev"] != prev:
        return ("its prev is not the hash of the entry before it (an entry before it was "
                "changed, deleted, inserted or moved)")
    if not all(isinstance(entry[k], str) for k in CHAIN_FIELDS if k != "seq"):
        return "a field is not of the spec's type"
    if digest_of({k: entry[k] for k in CHAIN_FIELDS}) != entry["hash"]:
        return "its hash does not match its fields (the entry was edited)"
    kind, payload = entry["kind"], entry.get("payload")
    if kind not in KINDS:
        return f"its kind {kind!r} is not a journal kind"
    if payload is None and kind == "key_registered":
        return "its payload is withheld, but a key registration must be published"
    if payload is not None:
        if not isinstance(payload, dict):
            return f"its payload is a {type(payload).__name__}, not an object"
        for key, code in KINDS[kind].items():
            if key not in payload:
                return f"its payload lacks {key!r}"
            problem = value_problem(payload[key], code)
            if problem is not None:
                return f"its payload's {key!r} {problem}"
        if has_float(payload):
            return "its payload is not canonical JSON data (a float)"
        if digest_of(payload) != entry["payload_digest"]:
            return "its payload does not match its payload_digest (the payload was edited)"
    if entry["time"] < last:
        return f"its time {entry['time']} is before the previous entry's {last}"
    return signature_problem(entry, keys)


def signature_problem(entry: dict[str, Any], keys: dict[str, str]) -> str | None:
    actor, signature = entry["actor"], entry.get("signature")
    registered = keys.get(actor)
    if registered is not None:
        if signature is None:
            return f"not signed, but {actor!r} signs every entry"
        if not isinstance(signature, dict) or signature.get("public_key") != registered:
            return f"signed with another key than {actor!r} registered"
    if signature is None:
        return None
    if not isinstance(signature, dict):
        return "its signature is not an object {public_key, value}"
    key, value = signature.get("public_key"), signature.get("value")
    try:
        valid = is_key(key) and isinstance(value, str) and ed25519_verify(
            bytes.fromhex(str(key)[8:]), entry["hash"].encode(), bytes.fromhex(value))
    except ValueError:
        valid = False
    if not valid:
        return ("its signature does not verify (the chain was rewritten from here, or the "
                "entry was forged)")
    return None


def chain_problem(entries: list[dict[str, Any]], head: str | None = None) -> str | None:
    """§16.3: "JOURNAL BROKEN at entry N: …" for the first bad entry, or None."""
    prev, last = GENESIS, ""
    keys: dict[str, str] = {}
    count = 0
    for count, entry in enumerate(entries, start=1):
        problem = entry_problem(entry, count, prev, last, keys)
        if problem is not None:
            return f"JOURNAL BROKEN at entry {count}: {problem}"
        if entry["kind"] == "key_registered":
            keys[entry["payload"]["actor"]] = entry["payload"]["public_key"]
        prev, last = entry["hash"], entry["time"]
    if head is not None and head != prev:
        return (f"JOURNAL BROKEN at entry {count + 1}: the chain ends at {prev}, not at the "
                f"published head {head} (entries were cut off or added)")
    return None


def ceremony_problems(record: dict[str, Any], entries: list[dict[str, Any]]) -> list[str]:
    """§17.5: what is wrong with the record's ceremony against the journal."""
    withheld = [e for e in entries if e["kind"] in PUBLISHED and e.get("payload") is None]
    if withheld:
        return [f"the journal withholds the payload of entry {e['seq']} ({e['kind']}): a "
                "ceremony's entries, team changes and substitutes must be published"
                for e in withheld]
    section = record.get("ceremony")
    if section is None:
        return ["the record names no ceremony, so the journal cannot vouch for its seed"]
    opened = next((e for e in entries if e["seq"] == section["opened"]), None)
    if opened is None or opened["kind"] != "ceremony_opened":
        return [f"the journal has no ceremony_opened entry at {section['opened']}"]
    purpose, fixed = opened["payload"]["ceremony"], opened["payload"]["commitment"]
    later = [e for e in entries if e["seq"] > opened["seq"]
             and (e.get("payload") or {}).get("ceremony") == purpose]
    following = next((e["seq"] for e in later if e["kind"] == "ceremony_opened"), None)
    mine = [e for e in later if following is None or e["seq"] < following]
    problems = []
    if opened["payload"]["commitment_digest"] != section["commitment_digest"] or \
            digest_of(fixed) != section["commitment_digest"]:
        problems.append("the commitment differs from the journal's")
    expected = {"purpose": record["purpose"], "spec_version": record["spec_version"],
                "hash": record["hash"], "design": record["design"],
                "directory": record["directory"]}
    problems += [f"the record's {k} is not the one committed" for k, v in expected.items()
                 if fixed.get(k) != v]
    if "teams" in record and fixed.get("team_policy") is not None \
            and fixed["team_policy"] != record["teams"]["policy"]:
        problems.append("the record's team policy is not the one committed")
    commits = {e["payload"]["contributor"]: e for e in mine if e["kind"] == "seed_committed"}
    reveals = [e for e in mine if e["kind"] == "seed_revealed"]
    if commits and reveals and reveals[0]["seq"] < max(e["seq"] for e in commits.values()):
        problems.append("a contribution was revealed before every contributor had committed")
    for entry in reveals:
        payload = entry["payload"]
        made = "sha256:" + hashlib.sha256(
            f"{payload['contribution']}:{payload['salt']}".encode()).hexdigest()
        name = payload["contributor"]
        if name not in commits or made != commits[name]["payload"]["commitment"]:
            problems.append(f"{name}'s revealed contribution does not match the commitment")
    revealed = {e["payload"]["contributor"]: e["payload"]["contribution"] for e in reveals}
    names = fixed["contributors"]
    if set(revealed) != set(names):
        problems.append("the ceremony is not drawn: its seed does not exist")
    else:
        seed = "-".join(revealed[n] for n in names)
        expected_seed = {"value": seed, "provenance": "combined" if len(names) > 1
                         else "ceremony", "parties": list(names) if len(names) > 1 else []}
        if record["seed"] != expected_seed:
            problems.append("the record's seed is not the one the revealed contributions make")
    return problems + draw_problems(record, entries, opened, mine)


def draw_problems(record: dict[str, Any], entries: list[dict[str, Any]],
                  opened: dict[str, Any], mine: list[dict[str, Any]]) -> list[str]:
    """§17.5: the record's draw attempt, the draws before it, and its teams."""
    section, purpose = record["ceremony"], opened["payload"]["ceremony"]
    problems = []
    draw_digest = draw_digest_of(record)
    attempts = [e for e in mine if e["kind"] == "draw_attempt"]
    if not any(e["payload"]["attempt"] == section["attempt"]
               and e["payload"]["record_digest"] == draw_digest for e in attempts):
        problems.append(f"the journal has no draw attempt {section['attempt']} of this record")
    earlier = [e["payload"]["record_digest"] for e in entries if e["kind"] == "draw_attempt"
               and e["payload"]["ceremony"] == purpose and e["seq"] < opened["seq"]]
    if len(earlier) != section["attempt"] - 1:
        problems.append(f"attempt {section['attempt']}, but the journal shows {len(earlier)} "
                        "earlier draw(s) of this task")
    replaces = opened["payload"]["replaces"], opened["payload"]["reason"]
    if earlier and replaces[0] != earlier[-1]:
        problems.append("the ceremony does not name the draw it replaces and why")
    if (section["replaces"], section["reason"]) != (replaces if earlier else (None, None)):
        problems.append("the record's replaces/reason are not the ceremony's")
    teams = [e["seq"] for e in entries if e["kind"] == "teams_drawn"
             and e["payload"]["draw_digest"] == draw_digest]
    if len(teams) > 1:
        problems.append(f"teams were drawn {len(teams)} times for this draw (entries "
                        + ", ".join(map(str, teams)) + ")")
    if "teams" in record and not any(e["kind"] == "teams_drawn" and e["payload"]
                                     ["record_digest"] == record["record_digest"]
                                     for e in entries):
        problems.append("the journal has no teams_drawn entry for this record")
    return problems


def draw_digest_of(record: dict[str, Any]) -> str:
    """The digest of the record's target draw (the record without its teams)."""
    if "teams" not in record:
        return str(record["record_digest"])
    return digest_of({k: v for k, v in record.items() if k not in ("teams", "record_digest")})


def others_note(entries: list[dict[str, Any]], purpose: str, own: int) -> str:
    """§17.5: the other ceremonies of the purpose that never drew."""
    spans: list[list[Any]] = []
    for e in entries:
        payload = e.get("payload") or {}
        if payload.get("ceremony") != purpose:
            continue
        if e["kind"] == "ceremony_opened":
            spans.append([e["seq"], 0, len(payload["commitment"]["contributors"]), False])
        elif spans and e["kind"] == "seed_revealed":
            spans[-1][1] += 1
        elif spans and e["kind"] == "draw_attempt":
            spans[-1][3] = True
    found = [s for s in spans if not s[3] and s[0] != own]
    if not found:
        return ""
    return (f"{len(found)} other ceremony(ies) of this task never drew: " + ", ".join(
        f"entry {s[0]} ({s[1]} of {s[2]} contributions revealed"
        + (": its seed was known)" if s[1] == s[2] else
           ": the last contributor knew its seed)" if s[1] == s[2] - 1 and s[2] > 1 else ")")
        for s in found))


def drawn_team(team: dict[str, Any]) -> dict[str, Any]:
    """§12.9.2: a team as recorded, to replay the changes after the draw over."""
    return {"officers": list(team["officers"]), "experts": list(team["experts"]),
            "leader": team["leader"], "ever": {*team["officers"], *team["experts"]}, "k": 0}


def pick(team: dict[str, Any], change: dict[str, Any]) -> list[str]:
    """§16.2: a change made by hand (team_changed), applied; what does not fit the team."""
    problems = []
    for gone in change["remove"]:
        if gone in team["officers"]:
            team["officers"].remove(gone)
        elif gone in team["experts"]:
            team["experts"].remove(gone)
        else:
            problems.append(f"removes {gone}, who is not in the team")
        if gone == team["leader"]:
            team["leader"] = None
    for role, member in change["add"]:
        if member in team["experts"] or (member in team["officers"] and role != "leader") \
                or (role == "expert" and member in team["officers"]):
            problems.append(f"adds {member}, who is in the team already")
        elif role == "expert":
            team["experts"].append(member)
        elif member not in team["officers"]:
            team["officers"].append(member)
        if role == "leader":
            team["leader"] = member
        team["ever"].add(member)
    return problems


def substitute(team: dict[str, Any], leaving: str, chosen: str, department: str | None) -> None:
    """§12.9.6: the substitute takes the leaver's place; with a leader department it leads
    if the leaver led, without one the first officer by id leads."""
    led = leaving == team["leader"]
    if leaving in team["officers"]:
        team["officers"].remove(leaving)
    team["officers"].append(chosen)
    team["ever"].add(chosen)
    team["k"] += 1
    if not department:
        team["leader"] = min(team["officers"])
    elif led:
        team["leader"] = chosen


def changes_of(record: dict[str, Any], entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The record's team_changed and team_substituted entries, in journal order."""
    return [e for e in entries if e["kind"] in ("team_changed", "team_substituted")
            and e["payload"]["record_digest"] == record["record_digest"]]


def team_change_problems(record: dict[str, Any], ours: list[dict[str, Any]]) -> list[str]:
    """§17.5: the team changes replayed over the drawn teams, with the substitutes drawn
    between them (§12.9): what the changes break."""
    teams = {t["target"]: t for t in record["teams"]["teams"]}
    least = record["teams"]["policy"]["min_officers"]
    department = record["teams"]["policy"]["leader_department"]
    now: dict[str, Any] = {}
    problems = []
    for entry in ours:
        payload, seq = entry["payload"], entry["seq"]
        target = payload["target"]
        if target not in teams:
            if entry["kind"] == "team_changed":
                problems.append(f"entry {seq} changes the team of {target}, which has none")
            continue
        team = now.setdefault(target, drawn_team(teams[target]))
        if entry["kind"] == "team_substituted":
            substitute(team, payload["leaving"], payload["substitute"], department)
            continue
        problems += [f"entry {seq} {p}" for p in pick(team, payload["change"])]
        if len(team["officers"]) < least:
            problems.append(f"entry {seq} leaves {target} with {len(team['officers'])} "
                            f"officer(s), fewer than the policy's {least}")
        if team["leader"] not in team["officers"]:
            problems.append(f"entry {seq} leaves {target} without a leader")
    return problems


def team_change_line(record: dict[str, Any], entries: list[dict[str, Any]]
                     ) -> tuple[str, str, str] | None:
    """§17.5: the record's team changes, listed and replayed (None when there are none)."""
    if "teams" not in record:
        return None
    ours = changes_of(record, entries)
    changes = [e for e in ours if e["kind"] == "team_changed"]
    if not changes:
        return None
    problems = team_change_problems(record, ours)
    if problems:
        return "team changes", "fail", "; ".join(problems)
    described = []
    for e in changes:
        change = e["payload"]["change"]
        gone = ",".join(change["remove"])
        came = ", ".join(" ".join(a) for a in change["add"])
        described.append(f"entry {e['seq']}, target {e['payload']['target']}: -{gone} "
                         f"+{came} because {e['payload']['reason']}")
    return ("team changes", "ok", f"{len(changes)} team change(s) after the draw: "
            + "; ".join(described))


class Substitutes:
    """§12.9.4-5: the substitute of one journaled substitution, drawn from the registers."""

    def __init__(self, record: dict[str, Any], inputs: Inputs) -> None:
        self.record, self.policy = record, record["teams"]["policy"]
        self.registers = Registers(record, inputs, lambda *_: None)  # compared by the teams
        self.rows = {r["id"]: r for r in inputs.rows}
        self.bureau = Recusal(self.policy, self.registers, {})

    def draw(self, target_id: str, leaving: str, team: dict[str, Any], k: int) -> str | None:
        """The officer drawn, or None when nobody is eligible; KeyError for a target not in
        the directory."""
        pool = self.pool(target_id, leaving, team)
        if not pool:
            return None
        label = f"{self.record['seed']['value']},{self.record['purpose']},substitute/" \
                f"{target_id}/{k}"
        return str(pool[next(stream(label, len(pool), self.record["hash"])) - 1])

    def pool(self, target_id: str, leaving: str, team: dict[str, Any]) -> list[str]:
        """§12.9.4: the officers a substitute for ``leaving`` is drawn from, in canonical
        order."""
        target, policy, registers = self.rows[target_id], self.policy, self.registers
        out = {*registers.in_force.get(target_id, {}), *registers.previous.get(target_id, []),
               *self.record["teams"].get("earlier_visits", {}).get(target_id, []),
               *team["ever"]}
        for by_target in self.record["teams"]["custom_exclusions"].values():
            out.update(by_target.get(target_id, []))
        department = policy["leader_department"] if leaving == team["leader"] else None
        return [o["id"] for o in registers.officers if o["id"] not in out
                and self.bureau.of_bureau(o, target) and allowed(policy["mode"], o, target)
                and (department is None or o["department"] == department)]


def substitute_problems(record: dict[str, Any], ours: list[dict[str, Any]],
                        draws: Substitutes | None) -> list[str]:
    """§12.9.8: every change of the record replayed in journal order; what the substitutes
    break (their draws only with the registers)."""
    if record["spec_version"] == "1":
        return ["substitutes are drawn only for records of spec 1.1"]
    teams = {t["target"]: t for t in record["teams"]["teams"]}
    department = record["teams"]["policy"]["leader_department"]
    now: dict[str, Any] = {}
    problems = []
    for entry in ours:
        payload, seq = entry["payload"], entry["seq"]
        target = payload["target"]
        if target not in teams:
            if entry["kind"] == "team_substituted":
                problems.append(f"entry {seq} substitutes in the team of {target}, which has "
                                "none")
            continue
        team = now.setdefault(target, drawn_team(teams[target]))
        if entry["kind"] == "team_changed":
            pick(team, payload["change"])
            continue
        k, leaving, chosen = team["k"] + 1, payload["leaving"], payload["substitute"]
        if payload["k"] != k:
            problems.append(f"entry {seq} has k = {payload['k']}, but it is substitution {k} "
                            f"of {target} (k runs 1, 2, … per target)")
        if leaving not in team["officers"]:
            problems.append(f"entry {seq}: {leaving} leaves {target}, but "
                            + ("is an expert of its team (experts are not substituted)"
                               if leaving in team["experts"] else "is not an officer of its "
                               "team then"))
        elif draws is not None:
            if target not in draws.rows:
                problems.append(f"entry {seq}: {target} is not in the directory")
            else:
                expected = draws.draw(target, leaving, team, k)
                if expected != chosen:
                    problems.append(f"entry {seq} journals {chosen} for {target}, but "
                                    f"substitute/{target}/{k} draws "
                                    f"{expected or 'no one (nobody is eligible)'}")
        substitute(team, leaving, chosen, department)
    return problems


def substitute_line(record: dict[str, Any], entries: list[dict[str, Any]],
                    draws: Substitutes | None, needs: list[str]) -> tuple[str, str, str] | None:
    """§12.9.8 and §17.5: the record's substitutes, replayed (None when there are none)."""
    if "teams" not in record:
        return None
    ours = changes_of(record, entries)
    drawn = [e for e in ours if e["kind"] == "team_substituted"]
    if not drawn:
        return None
    try:
        problems = substitute_problems(record, ours, draws)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        problems = [f"the journal's substitutes are malformed ({error!r:.120})"]
    if problems:
        return "substitutes", "fail", "; ".join(problems)
    if draws is None:
        return ("substitutes", "need", "the journal has substitutes drawn after the draw: "
                "pass " + "; ".join(needs))
    described = [f"entry {e['seq']}, target {e['payload']['target']}: "
                 f"-{e['payload']['leaving']} +{e['payload']['substitute']} (substitute/"
                 f"{e['payload']['target']}/{e['payload']['k']}) because "
                 f"{e['payload']['reason']}" for e in drawn]
    return ("substitutes", "ok", f"{len(drawn)} drawn after the draw: " + "; ".join(described))


def journal_checks(record: dict[str, Any], entries: list[dict[str, Any]],
                   head: str | None = None, draws: Substitutes | None = None,
                   needs: list[str] | None = None) -> list[tuple[str, str, str]]:
    """§16.3 and §17.5: the chain, then the record's ceremony, team changes and substitutes
    (``draws`` draws them again; without it ``needs`` names the options to pass)."""
    problem = chain_problem(entries, head)
    if problem:
        return [("journal", "fail", problem)]
    last = entries[-1]["hash"] if entries else GENESIS
    results = [("journal", "ok", f"{len(entries)} entries, one unbroken chain, head {last}")]
    try:
        problems = ceremony_problems(record, entries)
        note = "committed before the seed, seed from the reveals, attempt journaled"
        if not problems:
            others = others_note(entries, record["purpose"], record["ceremony"]["opened"])
            if others:
                note += "; " + others
            later = [e for e in entries if e["kind"] == "draw_attempt"
                     and e["payload"]["ceremony"] == record["purpose"]
                     and e["payload"]["attempt"] > record["ceremony"]["attempt"]]
            if later:
                payload = later[-1]["payload"]
                note += (f"; REPLACED: attempt {payload['attempt']} (journal entry "
                         f"{later[-1]['seq']}) is the task's draw now, because: "
                         f"{payload['reason']}")
        results.append(("ceremony", "fail" if problems else "ok", "; ".join(problems) or note))
        changes = team_change_line(record, entries) if not problems else None
        drawn = substitute_line(record, entries, draws, needs or []) if not problems else None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        results.append(("ceremony", "fail",
                        f"the journal's ceremony entries are malformed ({error!r:.120})"))
        changes = drawn = None
    return results + [line for line in (changes, drawn) if line]


def check(record_path: str, directory_path: str, args: Any = None
          ) -> list[tuple[str, str, str]]:
    """Every check of one record as (name, status, detail), status ``ok``, ``fail`` or
    ``need``. Raises `CannotCheckError` when the record or the directory cannot be read."""
    args = args or argparse.Namespace(inspectors=None, item_list=None, conflicts=None,
                                      previous=None, journal=None)
    args.directory = directory_path
    inputs = load_inputs(directory_path, args)
    try:
        data = Path(record_path).read_bytes()
    except OSError as error:
        raise CannotCheckError(f"{record_path}: cannot be read ({error.strerror})") from None
    try:
        record = read_record(data)
    except BadRecordError as altered:
        return [("record_format", "fail", f"{altered} (spec §9)")]
    results: list[tuple[str, str, str]] = []

    def compare(name: str, recorded: Any, computed: Any) -> None:
        results.append((name, "ok" if recorded == computed else "fail",
                        "match" if recorded == computed else
                        f"recorded {recorded!r:.120} but computed {computed!r:.120}"))

    v1 = record["spec_version"] == "1"
    content = {k: v for k, v in record.items() if k != "record_digest"}
    compare("record_digest", record["record_digest"],
            "sha256:" + hashlib.sha256(canonical(content).encode()).hexdigest())
    rows = inputs.rows
    compare("directory_digest", record["directory"]["digest"], directory_digest(rows))
    compare("directory_size", record["directory"]["size"], len(rows))
    design, seed, purpose = record["design"], record["seed"]["value"], record["purpose"]
    hash_name = record["hash"]
    if hash_name == "sm3" and "sm3" not in hashlib.algorithms_available:
        return [*results, ("hash", "need", "the record uses SM3, which this Python's OpenSSL "
                                           "does not provide")]
    problem = design_problem(design)
    if problem:
        return [*results, ("design", "fail", f"not a valid design: {problem}")]
    results.append(("design", "ok", "canonical and valid"))
    kept, counts = eligible_rows(rows, design)
    strata = {c: [r["id"] for r in kept if r["risk_class"] == c] for c in CLASSES}
    pops = [len(strata[c]) for c in CLASSES]
    try:
        allocation = allocate(design, pops, f"{seed},{purpose},rounding", hash_name)
    except NoDrawError as error:
        return [*results, ("replay", "fail", f"the draw cannot be replayed: {error}")]
    if v1:
        counts, allocation = eligibility_v1(counts, design), allocation_v1(allocation, design)
    compare("eligibility", record["eligibility"], counts)
    compare("allocation", record["allocation"], allocation)
    for c, population, share, mine in zip(CLASSES, pops, allocation["strata"],
                                          record["strata"], strict=True):
        size, seed_string = share["size"], f"{seed},{purpose},{c}"
        for key, value in (("population", population), ("size", size),
                           ("seed_string", seed_string)):
            compare(f"stratum {c} {key}", mine[key], value)
        ids = strata[c]
        picked = (ids if size == population else
                  [ids[p - 1] for p in rivest(seed_string, population, size, hash_name)])
        results.append(selection_check(c, mine["selected"], picked))
    needs = needed_inputs(record, args) if "teams" in record else []
    if "teams" in record:
        if needs:
            results.append(("teams", "need", "the record has teams: pass " + "; ".join(needs)))
        else:
            replay_teams(record, inputs, compare)
        results += alone_note(record["teams"], args)
    if getattr(args, "journal", None):
        results += journal_given(record, inputs, args, needs)
    return results


def journal_given(record: dict[str, Any], inputs: Inputs, args: Any, needs: list[str]
                  ) -> list[tuple[str, str, str]]:
    """§16-§17: the checks of the journal export given with --journal, for one record; its
    substitutes are drawn again when the registers the teams need were given."""
    entries = read_journal(args.journal)
    drawn = any(e["kind"] == "team_substituted" for e in entries)
    draws = Substitutes(record, inputs) if "teams" in record and drawn and not needs else None
    return journal_checks(record, entries, getattr(args, "journal_head", None), draws, needs)


def selection_check(label: str, recorded: list[str], picked: list[str]) -> tuple[str, str, str]:
    """§8: the stratum's selection, or its first difference (as the library reports it)."""
    name = f"stratum {label} selection"
    if recorded == picked:
        return name, "ok", f"all {len(picked)} selections match in draw order"
    first = next((k for k, (x, y) in enumerate(zip(recorded, picked, strict=False)) if x != y),
                 min(len(recorded), len(picked)))
    return name, "fail", (f"first difference at draw {first + 1}; recorded but not drawn: "
                          f"{sorted(set(recorded) - set(picked))!r:.160}; drawn but not "
                          f"recorded: {sorted(set(picked) - set(recorded))!r:.160}")


MARKS = {"ok": "ok  ", "fail": "FAIL", "need": "NEED", "note": "NOTE"}


# --- a year's records (spec §12.13) -------------------------------------------------------

def alone_note(section: dict[str, Any], args: Any) -> list[tuple[str, str, str]]:
    """A record verified on its own (not with the year's records, ``args.year``): what it
    takes as given from the year's other records, as a note (not a failure)."""
    joined, earlier = section.get("joined", []), section.get("earlier_visits", {})
    if getattr(args, "year", False) or (not joined and not earlier):
        return []
    given = ([f"the teams that {len(joined)} joined target(s) join (officers, leader, "
              "inherited experts)"] if joined else []) + (
        [f"the people of {len(earlier)} target(s)' earlier visits"] if earlier else [])
    return [("year", "note", " and ".join(given) + " are taken as the record gives them: "
             "they are checked only against the year's records (§12.13) — verify the year's "
             "records together, e.g. their folder")]


def year_problems(records: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """§12.13: each joined entry against the record that drew its visit's team, each
    earlier-visits list against the other records; ``records`` are (name, record)."""
    by_key = {(r["purpose"], r["record_digest"]): (name, r) for name, r in records}
    people: list[dict[str, set[str]]] = []  # per record: target -> who inspects it there
    added: dict[tuple[str, str, str], list[tuple[int, list[str]]]] = {}
    for k, (_, r) in enumerate(records):
        section = r.get("teams", {})
        mine: dict[str, set[str]] = {}
        for team in section.get("teams", []):
            mine.setdefault(team["target"], set()).update(team["officers"], team["experts"])
        for j in section.get("joined", []):
            mine.setdefault(j["target"], set()).update(j["officers"], j["inherited_experts"],
                                                       j["experts"])
            visit = (j["target"], j["visit_of"]["purpose"], j["visit_of"]["record_digest"])
            added.setdefault(visit, []).append((k, j["experts"]))
        people.append(mine)
    problems = []
    for k, (name, r) in enumerate(records):
        section = r.get("teams", {})
        for j in section.get("joined", []):
            t, visit = j["target"], j["visit_of"]
            where = f"{name}: joined {t}"
            found = by_key.get((visit["purpose"], visit["record_digest"]))
            if found is None:
                problems.append(f"{where}: visit_of names no record of the set (purpose "
                                f"{visit['purpose']!r}, {visit['record_digest']})")
                continue
            lead_name, lead = found
            team = next((x for x in lead.get("teams", {}).get("teams", [])
                         if x["target"] == t), None)
            if team is None:
                problems.append(f"{where}: {lead_name} (visit_of) drew no team for {t}")
                continue
            if (j["officers"], j["leader"]) != (team["officers"], team["leader"]):
                problems.append(f"{where}: officers {j['officers']} led by {j['leader']}, "
                                f"but the team {lead_name} drew is {team['officers']} led "
                                f"by {team['leader']}")
            others = {e for i, experts in added[(t, visit["purpose"], visit["record_digest"])]
                      if i != k for e in experts}
            lacking = sorted(set(team["experts"]) - set(j["inherited_experts"]))
            foreign = sorted(set(j["inherited_experts"]) - set(team["experts"]) - others)
            if lacking:
                problems.append(f"{where}: inherited_experts lack {lacking}, experts of the "
                                f"team {lead_name} drew")
            if foreign:
                problems.append(f"{where}: inherited_experts {foreign} are neither experts "
                                f"of the team {lead_name} drew nor added to that visit by "
                                "another record of the set")
        for t, ids in section.get("earlier_visits", {}).items():
            seen = {u for i, mine in enumerate(people) if i != k for u in mine.get(t, ())}
            stray = [u for u in ids if u not in seen]
            if stray:
                problems.append(f"{name}: earlier_visits of {t}: {stray} inspect {t} in no "
                                "other record of the set")
    # Two records that each drew a team for t drew two visits: the later one lists the
    # earlier team's people among its earlier visits (§12.10), whichever came first.
    drawn: dict[str, list[tuple[str, set[str], set[str]]]] = {}
    purposes = {name: r["purpose"] for name, r in records}
    for name, r in records:
        section = r.get("teams", {})
        earlier = section.get("earlier_visits", {})
        for team in section.get("teams", []):
            drawn.setdefault(team["target"], []).append(
                (name, {*team["officers"], *team["experts"]},
                 set(earlier.get(team["target"], []))))
    for t, teams in drawn.items():
        for a in range(len(teams)):
            for b in range(a + 1, len(teams)):
                (one, ours, before), (two, theirs, listed) = teams[a], teams[b]
                if purposes[one].rpartition("/")[0] != purposes[two].rpartition("/")[0]:
                    continue  # not tasks of one plan's year (§12.13)
                if not (ours <= listed or theirs <= before):
                    problems.append(f"{one} and {two} each drew a team for {t} (two visits), "
                                    "but neither lists the other's people among its "
                                    "earlier_visits (§12.10, §12.13)")
    return problems


def year_checks(paths: list[Path]) -> list[tuple[str, str, str]]:
    """§12.13 over the records of ``paths`` that can be read (the others fail on their own);
    nothing when none of them joins a visit or has earlier visits."""
    records = []
    for path in paths:
        try:
            records.append((path.name, read_record(path.read_bytes())))
        except (OSError, CannotCheckError, BadRecordError):
            continue
    sections = [r["teams"] for _, r in records if "teams" in r]
    joined = sum(len(s.get("joined", [])) for s in sections)
    earlier = sum(len(s.get("earlier_visits", {})) for s in sections)
    if not joined and not earlier:
        return []
    problems = year_problems(records)
    if problems:
        return [("year", "fail", f"{p} (§12.13)") for p in problems]
    return [("year", "ok", f"{len(records)} records of the year: {joined} joined target(s) "
             f"name the record that drew their visit's team, with its officers, leader and "
             f"experts; {earlier} earlier-visit list(s) name people of other records")]


# --- run folders (spec §15) -------------------------------------------------------------------

def folder_records(folder: Path) -> tuple[list[Path], list[str]]:
    """The records of a folder and what is wrong with it: a run folder (its manifest is in
    the folder or its parent) lists its files with their digests and its records; a plain
    folder's records are its *.json files."""
    root = next((f for f in (folder, folder.parent) if (f / "manifest.json").is_file()), None)
    if root is None:
        return sorted(folder.glob("*.json")), []
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8-sig"))
        listed, records = manifest["files"], manifest["records"]
        if manifest.get("format") != "random-inspection/run-manifest" or not isinstance(
                listed, dict) or not isinstance(records, list):
            raise ValueError("not a run manifest")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CannotCheckError(f"{root / 'manifest.json'}: cannot be read: {error}") from None
    present = {p.relative_to(root).as_posix() for p in root.rglob("*")
               if p.is_file() and p.name != "manifest.json"}
    problems = []
    for name, digest in sorted(listed.items()):
        if name not in present:
            problems.append(f"{name}: listed in the manifest but missing")
        elif "sha256:" + hashlib.sha256((root / name).read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: changed since the run (its digest differs from the "
                            "manifest's)")
    problems += [f"{name}: not in the manifest (not written by this run)"
                 for name in sorted(present - set(listed))]
    problems += [f"{name}: listed as a record but not as a file" for name in records
                 if name not in listed]
    return [root / name for name in sorted(records) if name in listed], problems


def verdict(results: list[tuple[str, str, str]]) -> int:
    """0 verified, 1 a check failed, 2 none failed but one could not be made."""
    statuses = {status for _, status, _ in results}
    return 1 if "fail" in statuses else 2 if "need" in statuses else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("record", help="audit record JSON, or a folder of them")
    parser.add_argument("directory", help="target directory CSV the draw was made from")
    parser.add_argument("--inspectors", help="inspector directory CSV (records with teams)")
    parser.add_argument("--item-list", help="check-item list CSV (teams with items)")
    parser.add_argument("--conflicts", help="conflict register CSV")
    parser.add_argument("--previous", help="previous inspectors JSON {target: [ids]}")
    parser.add_argument("--journal", help="the workspace journal exported as JSON Lines: checks "
                                          "the chain, the record's seed ceremony, and the team "
                                          "changes and substitutes after its draw")
    parser.add_argument("--journal-head", help="the journal head published earlier "
                                               "(sha256:…): the chain must end there")
    args = parser.parse_args(argv)
    given = Path(args.record)
    paths: list[Path] = [given]
    problems: list[str] = []
    if given.is_dir():
        try:
            paths, problems = folder_records(given)
        except CannotCheckError as error:
            paths, problems = [], [str(error)]
    for problem in problems:
        print(f"FAIL manifest: {problem}")
    if not paths:
        print(f"verifier: cannot check: {given} holds no *.json record", file=sys.stderr)
        return 1 if problems else 2
    try:
        load_inputs(args.directory, args)
    except CannotCheckError as error:
        print(f"verifier: cannot check: {error}", file=sys.stderr)
        return 2
    codes = []
    args.year = len(paths) > 1  # several records: checked against each other (§12.13)
    for path in paths:
        try:
            results = check(str(path), args.directory, args)
        except CannotCheckError as error:
            print(f"verifier: cannot check {path}: {error}", file=sys.stderr)
            codes.append(2)
            continue
        code = verdict(results)
        codes.append(code)
        prefix = f"{path}: " if len(paths) > 1 else ""
        for name, status, detail in results:
            print(f"{prefix}{MARKS[status]} {name}: {detail}")
        failed = sum(status == "fail" for _, status, _ in results)
        print(prefix + ("VERIFIED" if code == 0 else f"NOT VERIFIED: {failed} check(s) failed"
                        if code == 1 else "CANNOT CHECK: an input is missing"))
    year = year_checks(paths) if len(paths) > 1 else []
    for name, status, detail in year:
        print(f"{MARKS[status]} {name}: {detail}")
    disagree = any(status == "fail" for _, status, _ in year)
    if len(paths) > 1 or problems:
        print(f"{codes.count(0)} of {len(paths)} records verified"
              + ("; the folder was changed after the run" if problems else "")
              + ("; NOT VERIFIED: the year's records disagree (§12.13)" if disagree else ""))
    return 1 if 1 in codes or problems or disagree else 2 if 2 in codes else 0


if __name__ == "__main__":
    sys.exit(main())
