"""Independent computation of the `floor`, `weighted`, `exclusions` and `sm3` vectors of draw
spec 1.1 (docs/spec/draw-spec.md, §5–§9), written from the spec text alone: Python 3.11
standard library only, no library code. Run: python allocation_vectors.py > allocation_vectors.json

Every rational is a fractions.Fraction (never a float) and is written as the spec's notation:
"3", "n/d" in lowest terms. Where the spec had to be interpreted, the comment says
"ASSUMPTION" and the point is listed in the report."""
import hashlib, json, math, pathlib
from fractions import Fraction

CLASSES = "ABCDU"
FIELDS = ["id", "name", "entity_type", "region", "industry", "registering_office",
          "supervising_office", "risk_class", "tags", "last_check_date"]
SCOPE_KEYS = ["entity_types", "industry_prefixes", "region_prefixes", "registering_offices",
              "risk_classes", "supervising_offices", "tags_all", "tags_any"]

# ---------------------------------------------------------------- §5 ids: GB 32100-2015 check
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc(first17):
    """The 18-character unified social credit code: first 17 characters + check character."""
    assert len(first17) == 17 and all(ch in USCC_CHARS for ch in first17)
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


def rat(x):
    """§ Notation: an integer as "3", otherwise "n/d" in lowest terms (Fraction reduces)."""
    x = Fraction(x)
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def canonical_json(obj):
    """§9.1: sorted keys, no white space, non-ASCII as itself, \\u00xx lower case."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sorted_keys(obj):
    """The same object with every dict's keys in code-point order (as a record holds them)."""
    if isinstance(obj, dict):
        return {k: sorted_keys(obj[k]) for k in sorted(obj)}
    if isinstance(obj, list):
        return [sorted_keys(v) for v in obj]
    return obj


# ---------------------------------------------------------------- §5 directory digest
def canonical_order(rows):
    return sorted(rows, key=lambda r: r["id"].encode("utf-8"))


def directory_digest(rows):
    lines = ["random-inspection/target-directory/v1", "\t".join(FIELDS)]
    lines += ["\t".join(r[f] for f in FIELDS) for r in canonical_order(rows)]
    text = "".join(line + "\n" for line in lines)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- §3, §4 random numbers
def H(hash_name, data):
    return hashlib.sha256(data).digest() if hash_name == "sha256" else hashlib.new("sm3", data).digest()


def seed_string(seed, purpose, label):
    return f"{seed},{purpose},{label}"


def X(hash_name, s, i):
    return int.from_bytes(H(hash_name, f"{s},{i}".encode("utf-8")), "big")


def positions(hash_name, s, N, n):
    """§4: n distinct positions in 1..N, in draw order (reads nothing when n = 0)."""
    out, i = [], 0
    while len(out) < n:
        i += 1
        p = X(hash_name, s, i) % N + 1
        if p not in out:
            out.append(p)
    return out


def uniform(hash_name, s):
    return Fraction(X(hash_name, s, 1), 2 ** 256)


# ---------------------------------------------------------------- §6 frame
def in_scope(row, scope):
    tags = set(row["tags"].split(";")) if row["tags"] else set()
    tests = [
        (scope["region_prefixes"], lambda: any(row["region"].startswith(p) for p in scope["region_prefixes"])),
        (scope["industry_prefixes"], lambda: any(row["industry"].startswith(p) for p in scope["industry_prefixes"])),
        (scope["entity_types"], lambda: row["entity_type"] in scope["entity_types"]),
        (scope["risk_classes"], lambda: row["risk_class"] in scope["risk_classes"]),
        (scope["tags_all"], lambda: set(scope["tags_all"]) <= tags),
        (scope["tags_any"], lambda: bool(set(scope["tags_any"]) & tags)),
        (scope["registering_offices"], lambda: row["registering_office"] in scope["registering_offices"]),
        (scope["supervising_offices"], lambda: row["supervising_office"] in scope["supervising_offices"]),
    ]
    return all(test() for criterion, test in tests if criterion)


def frame(rows, design):
    """§6.2–6.3: the strata (ids in canonical order) and the eligibility counts of §9.5."""
    eligible = [r for r in canonical_order(rows) if in_scope(r, design["scope"])]
    out_of_scope = len(rows) - len(eligible)
    checked_since = None
    if design["exclude_checked_since"] is not None:
        day = design["exclude_checked_since"]
        kept = [r for r in eligible if not (r["last_check_date"] and r["last_check_date"] >= day)]
        checked_since = len(eligible) - len(kept)
        eligible = kept
    by_reason = {}
    for reason in sorted(design["excluded_ids"]):          # code-point order of the reasons
        listed = set(design["excluded_ids"][reason])
        kept = [r for r in eligible if r["id"] not in listed]  # ids not in the directory: ignored
        by_reason[reason] = len(eligible) - len(kept)
        eligible = kept
    strata = {h: [r["id"] for r in eligible if r["risk_class"] == h] for h in CLASSES}
    eligibility = {"out_of_scope": out_of_scope, "checked_since": checked_since,
                   "excluded_ids": by_reason}
    assert any(strata.values()), "§6.4: an empty frame cannot be drawn"
    return strata, eligibility


# ---------------------------------------------------------------- §7.1 stratified-by-risk
def size_at(eff, N, m, M):
    """n_h for an effective rate eff (already min(1, s·r_h))."""
    n = min(N, max(math.ceil(eff * N), min(m, N)))
    return n if M is None else min(n, M)


def allocate_stratified(Ns, design):
    r = {h: Fraction(design["rates"][h]) for h in CLASSES}
    m, M = design["minimums"], design["maximums"]
    f = Fraction(design["floor"])
    population = sum(Ns.values())
    F = math.ceil(f * population)

    def sizes(s):
        return {h: size_at(min(Fraction(1), s * r[h]), Ns[h], m[h], M[h]) for h in CLASSES}

    rate_total = sum(sizes(Fraction(1)).values())
    if rate_total >= F:
        s = Fraction(1)
    else:
        at_infinity = {h: size_at(Fraction(1 if r[h] > 0 else 0), Ns[h], m[h], M[h]) for h in CLASSES}
        assert sum(at_infinity.values()) >= F, "§7.1: the floor cannot be reached: no record"
        # the points k/(r_h·N_h) above 1; beyond k = N_h the class's rate is capped at 1 anyway
        points = sorted({Fraction(k) / (r[h] * Ns[h]) for h in CLASSES if r[h] > 0 and Ns[h] > 0
                         for k in range(1, Ns[h] + 1)})
        s = next(p for p in points if p > 1 and sum(sizes(p).values()) >= F)
    n = sizes(s)
    eff = {h: min(Fraction(1), s * r[h]) for h in CLASSES}

    adjustments = []
    if s != 1:
        adjustments.append({"code": "floor_scaled", "floor": rat(f), "floor_count": F,
                            "population": population, "rate_total": rate_total, "scale": rat(s)})
    for h in CLASSES:
        rate_size = math.ceil(eff[h] * Ns[h])
        if n[h] > rate_size:
            adjustments.append({"code": "minimum", "label": h, "minimum": m[h], "rate_size": rate_size})
        elif n[h] < min(rate_size, Ns[h]):
            adjustments.append({"code": "maximum", "label": h, "maximum": M[h], "rate_size": rate_size})
        if n[h] == Ns[h] > 0:                   # §9.4: drawn whole
            adjustments.append({"code": "certainty", "label": h, "population": Ns[h]})
    zero = [h for h in CLASSES if r[h] == 0 and m[h] == 0 and Ns[h] > 0]
    if zero:
        adjustments.append({"code": "rate_zero", "labels": zero, "population": sum(Ns[h] for h in zero)})

    strata = [{"label": h, "population": Ns[h], "rate": rat(r[h]), "effective_rate": rat(eff[h]),
               "size": n[h], "inclusion_probability": rat(Fraction(n[h], Ns[h]) if Ns[h] else 0)}
              for h in CLASSES]
    allocation = {"strata": strata, "floor": rat(f), "floor_count": F, "scale": rat(s),
                  "adjustments": adjustments}
    return n, allocation


# ---------------------------------------------------------------- §7.2 class-weighted
def allocate_weighted(Ns, design, hash_name, seed, purpose, trace):
    w = {h: Fraction(design["weights"][h]) for h in CLASSES}
    f = Fraction(design["floor"])
    population = sum(Ns.values())
    F = math.ceil(f * population)
    total = design["total"]
    n_total = max(total, F)
    assert n_total <= sum(Ns[h] for h in CLASSES if w[h] > 0), "§7.2: total above the eligible targets"

    capped = []
    while True:
        free = [h for h in CLASSES if w[h] > 0 and Ns[h] > 0 and h not in capped]
        denominator = sum(w[h] * Ns[h] for h in free)
        if denominator == 0:                                       # step 2
            c = max((1 / w[h] for h in capped), default=Fraction(0))
            trace.append({"step": 2, "c": rat(c), "capped": list(capped)})
            break
        c = (n_total - sum(Ns[h] for h in capped)) / denominator  # step 3
        newly = [h for h in free if c * w[h] >= 1]
        trace.append({"step": 3, "c": rat(c), "newly_capped": newly})
        if not newly:
            break
        capped += newly
    pi = {h: Fraction(1) if h in capped else min(Fraction(1), c * w[h]) for h in CLASSES}
    e = {h: pi[h] * Ns[h] for h in CLASSES}
    assert sum(e.values()) == n_total
    n = {h: math.floor(e[h]) for h in CLASSES}
    q = {h: e[h] - n[h] for h in CLASSES}
    u = None
    if any(q.values()):
        u = uniform(hash_name, seed_string(seed, purpose, "rounding"))
        low = Fraction(0)
        for h in CLASSES:
            high = low + q[h]
            if math.ceil(low - u) < high - u:
                n[h] += 1
            low = high
    assert sum(n.values()) == n_total

    adjustments = []
    if total < F:
        adjustments.append({"code": "total_raised", "floor": rat(f), "floor_count": F,
                            "population": population, "total": total})
    if u is not None:
        adjustments.append({"code": "rounded", "start": rat(u)})
    strata = [{"label": h, "population": Ns[h], "rate": rat(pi[h]), "effective_rate": rat(pi[h]),
               "size": n[h], "inclusion_probability": rat(pi[h] if Ns[h] else 0)} for h in CLASSES]
    allocation = {"strata": strata, "floor": rat(f), "floor_count": F, "scale": "1",
                  "adjustments": adjustments}
    return n, allocation


# ---------------------------------------------------------------- §8 selection, whole draw
def draw(rows, design, seed, purpose, hash_name):
    strata, eligibility = frame(rows, design)
    Ns = {h: len(strata[h]) for h in CLASSES}
    trace = []
    if design["kind"] == "stratified-by-risk":
        n, allocation = allocate_stratified(Ns, design)
    else:
        n, allocation = allocate_weighted(Ns, design, hash_name, seed, purpose, trace)
    record_strata = []
    for h in CLASSES:
        s = seed_string(seed, purpose, h)
        if n[h] == Ns[h]:                       # certainty stratum: stream not read
            chosen = list(strata[h])
        else:
            chosen = [strata[h][p - 1] for p in positions(hash_name, s, Ns[h], n[h])]
        record_strata.append({"label": h, "population": Ns[h], "size": n[h], "seed_string": s,
                              "selected": chosen})
    expected = {"directory": {"digest": directory_digest(rows), "size": len(rows)},
                "eligibility": sorted_keys(eligibility), "allocation": sorted_keys(allocation),
                "strata": sorted_keys(record_strata),
                "selection": [i for st in record_strata for i in st["selected"]]}
    if trace:
        expected["informational_capping_rounds"] = trace
    return {"hash": hash_name, "seed": seed, "purpose": purpose,
            "directory_rows": rows, "design": sorted_keys(design), "expected": expected}


def make_design(kind, floor, scope=None, exclude_checked_since=None, excluded_ids=None, **rest):
    scope = {k: sorted(set((scope or {}).get(k, []))) for k in SCOPE_KEYS}
    design = {"kind": kind, "scope": scope, "exclude_checked_since": exclude_checked_since,
              "excluded_ids": {k: sorted(set(v)) for k, v in (excluded_ids or {}).items()},
              "floor": floor}
    design.update(rest)
    return design


# ---------------------------------------------------------------- the synthetic directory
# (region, registering office, supervising offices); all province part 14 (山西)
REGIONS = [("140921", "定襄县市场监督管理局", ["晋昌市场监督管理所", "河边市场监督管理所"]),
           ("140902", "忻州市忻府区市场监督管理局", ["新建路市场监督管理所", ""]),
           ("140981", "原平市市场监督管理局", ["城区市场监督管理所"]),
           ("141002", "临汾市尧都区市场监督管理局", ["解放路市场监督管理所"])]
CLASS_SIZES = {"A": 10, "B": 12, "C": 8, "D": 4, "U": 6}             # 40 targets
INDUSTRIES = ["C1391", "H6210", "F5221", "", "C13", "I65", "F52", "C"]
TAGS = ["", "食品", "重点;食品", "特种设备", "", "网络交易;食品"]
DATES = ["", "2022-05-10", "2023-11-30", "2024-03-01", "2024-01-01", "", "2021-08-17"]
NAMES = ["晋昌", "河边", "宏道", "季庄", "受禄", "南王", "神山", "蒋村", "杨芳", "智村"]
KINDS = ["食品有限公司", "商贸有限公司", "机械制造有限公司", "餐饮管理有限公司"]


def build_directory():
    rows, k = [], 0
    for h in CLASSES:
        for _ in range(CLASS_SIZES[h]):
            region, reg_office, sup_offices = REGIONS[(k * 3) % len(REGIONS)]
            # positions 9-17 (organisation code part) from the 31 characters, derived from k
            body = "".join(USCC_CHARS[b % 31] for b in hashlib.sha256(f"target-{k}".encode()).digest()[:7])
            tags = TAGS[k % len(TAGS)]
            rows.append({
                "id": uscc("91" + region + "MA" + body),
                "name": f"{NAMES[k % 10]}{KINDS[k % 4]}{k:02d}",
                "entity_type": "enterprise", "region": region,
                "industry": INDUSTRIES[k % len(INDUSTRIES)],
                "registering_office": reg_office,
                "supervising_office": sup_offices[k % len(sup_offices)],
                "risk_class": h,
                "tags": ";".join(sorted(set(tags.split(";")))) if tags else "",
                "last_check_date": DATES[k % len(DATES)]})
            k += 1
    return rows


def stratified_vector_directory(V):
    """The 8 rows of vectors.json's `stratified` vector; the fields it does not list are
    ASSUMED (enterprise, region 140921 from the ids, other fields empty) — the assumption is
    confirmed by reproducing its published directory digest below."""
    return [{"id": i, "name": name, "entity_type": "enterprise", "region": "140921", "industry": "",
             "registering_office": "", "supervising_office": "", "risk_class": cls, "tags": "",
             "last_check_date": ""} for i, (cls, name) in zip(V["ids"], V["targets"])]


def main():
    V = json.load(open(pathlib.Path("/work/main/docs/spec/vectors.json"), encoding="utf-8"))
    # sanity checks of §4 and §8 against the published vectors
    for case in V["rivest"]:   # duplicates allowed: the first three X_i mod N + 1
        assert [X("sha256", case["seed"], i) % case["total"] + 1 for i in (1, 2, 3)] == case["expected"]
    rows = build_directory()
    assert len({r["id"] for r in rows}) == len(rows)
    out = {}

    # ---- floor: scaling with a minimum (A), a maximum (B), rate 0 (C), certainty (D)
    floor_design = make_design(
        "stratified-by-risk", "7/20",
        rates={"A": "1/10", "B": "1/5", "C": "0", "D": "3/5", "U": "1/3"},
        minimums={"A": 3, "B": 0, "C": 0, "D": 0, "U": 0},
        maximums={"A": None, "B": 3, "C": None, "D": None, "U": None})
    out["floor"] = {"description": "stratified-by-risk, 40 targets, floor 7/20 (14 of 40) above the "
                    "rates' 11: scaled by 5/3, the point after 3/2 (at 3/2 the sizes give 13: U's "
                    "ceil(3) = 3, it steps to 4 just after 3/2; D is already all 4 there but at "
                    "effective rate 9/10); A raised to its minimum, B capped at its maximum, C at "
                    "rate 0, D a certainty stratum (effective rate 1 at 5/3)",
                    **draw(rows, floor_design, "27182818284590452353", "2024/忻州市/spec-floor", "sha256")}

    # ---- weighted (a): capping in two rounds, empty class D with a positive weight, rounding read
    def subset(counts):
        return [r for h in CLASSES for r in [x for x in rows if x["risk_class"] == h][:counts.get(h, 0)]]
    wrows = subset({"A": 2, "B": 5, "C": 8, "U": 6})                 # D has no target
    wa = make_design("class-weighted", "1/20", total=11,
                     weights={"A": "6", "B": "3", "C": "1", "D": "2", "U": "1/2"})
    # ---- weighted (b): every class with targets and a positive weight capped; total raised
    wb_rows = subset({"A": 3, "B": 4, "C": 5, "U": 2})
    wb = make_design("class-weighted", "1/2", total=4,
                     weights={"A": "1", "B": "1/2", "C": "0", "D": "1/4", "U": "0"})
    out["weighted"] = {
        "capping_in_rounds": {"description": "class-weighted: A capped in round 1, B in round 2; D has "
                              "no eligible target but weight 2; fractional expected sizes: rounding read",
                              **draw(wrows, wa, "27182818284590452353", "2024/忻州市/spec-weighted-a", "sha256")},
        "all_capped": {"description": "class-weighted: the floor raises the total from 4 to 7 = all "
                       "targets of the classes with a positive weight, so A and B end capped (step 2 of "
                       "§7.2); D has no eligible target and weight 1/4; C and U weight 0",
                       **draw(wb_rows, wb, "27182818284590452353", "2024/忻州市/spec-weighted-b", "sha256")}}

    # ---- exclusions: scope, a date, two reasons
    by_id = {r["id"]: r for r in rows}
    in_scope_ids = [r["id"] for r in canonical_order(rows) if r["region"].startswith("1409")]
    dated = [i for i in in_scope_ids if by_id[i]["last_check_date"] >= "2024-01-01"]
    undated = [i for i in in_scope_ids if i not in dated]
    not_in_directory = uscc("91140921MA" + "0Y0Y0Y0")
    assert not_in_directory not in by_id
    excluded = {"列入严重违法失信名单": [not_in_directory, undated[0], undated[5]],
                "已纳入其他抽查任务": [dated[0], undated[5], undated[9]]}   # undated[5] in both
    ex_design = make_design(
        "stratified-by-risk", "1/10", scope={"region_prefixes": ["1409"]},
        exclude_checked_since="2024-01-01", excluded_ids=excluded,
        rates={"A": "1/5", "B": "1/3", "C": "1/2", "D": "1", "U": "1/4"},
        minimums={h: 0 for h in CLASSES}, maximums={h: None for h in CLASSES})
    out["exclusions"] = {"description": "scope region prefix 1409 (141002 out); exclude_checked_since 2024-01-01; "
                         "reason 列入严重违法失信名单 lists an id not in the directory, reason "
                         "已纳入其他抽查任务 lists an id already excluded by the date and one already "
                         "excluded by the first reason (code-point order); U keeps 1 target at rate 1/4, "
                         "so its size is 1 = N: drawn whole, stream not read, and a `certainty` "
                         "adjustment although its effective rate is not 1",
                         **draw(rows, ex_design, "27182818284590452353", "2024/忻州市/spec-exclusions", "sha256")}

    # ---- sm3: the `stratified` vector of vectors.json under SM3
    S = V["stratified"]
    srows = stratified_vector_directory(S)
    s_design = make_design("stratified-by-risk", "0",
                           rates={h: S["rates"].get(h, "0") for h in CLASSES},  # ASSUMPTION: C, U rate 0
                           minimums={h: 0 for h in CLASSES}, maximums={h: None for h in CLASSES})
    check = draw(srows, s_design, S["seed"], S["purpose"], "sha256")
    assert check["expected"]["directory"]["digest"] == S["directory_digest"]
    assert {st["label"]: st["selected"] for st in check["expected"]["strata"]} == S["expected"]
    out["sm3"] = {"description": "the `stratified` vector (same directory, seed, purpose, rates, floor 0) "
                  "with hash SM3; the directory digest stays SHA-256 (§5)",
                  **draw(srows, s_design, S["seed"], S["purpose"], "sm3")}
    return out


if __name__ == "__main__":
    assert "sm3" in hashlib.algorithms_available
    print(json.dumps(main(), ensure_ascii=False, indent=1))
