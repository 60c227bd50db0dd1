"""The ``random-inspection`` command."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from ._errors import RandomInspectionError
from ._version import __version__
from .demo import CITY_NAME, COUNTIES, demo_city
from .registry import EntityType, RiskClass


def _share(part: int, whole: int) -> str:
    return f"{part:>9,}  {100 * part / whole:5.1f}%" if whole else f"{part:>9,}"


def _summary(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    city = demo_city(n_targets=args.targets, seed=args.seed)
    elapsed = time.perf_counter() - started
    targets, inspectors, items = city.targets, city.inspectors, city.check_items
    n = len(targets)
    out = [
        f"random-inspection {__version__} · demo city {CITY_NAME} (synthetic data, "
        f"generated in {elapsed:.1f} s)",
        "",
        f"检查对象名录库 target directory: {n:,} targets",
        f"  digest {targets.digest}",
        f"  memory {targets.nbytes / n:.1f} bytes per target, names included",
        "  by entity type (主体类型):",
    ]
    for code, k in targets.counts("entity_type").items():
        out.append(f"    {EntityType(code)!s:<40}{_share(k, n)}")
    out.append("  by credit-risk class (信用风险分类):")
    for code, k in targets.counts("risk_class").items():
        out.append(f"    {RiskClass(code)!s:<40}{_share(k, n)}")
    out.append("  by county (区县):")
    for code, k in targets.counts("region").items():
        out.append(f"    {code} {COUNTIES.get(code, ''):<33}{_share(k, n)}")
    health = inspectors.health_check(city.as_of)
    out += [
        "",
        f"执法检查人员名录库 inspector directory: {len(inspectors)} people "
        f"({len(inspectors.experts())} experts 专业技术人员)",
        f"  digest {inspectors.digest}",
        f"  officers who can be drawn on {city.as_of}: {health.officers_available}",
        f"  credentials expired (cannot be drawn): {len(health.expired)}; expiring within 90 "
        f"days: {len(health.expiring)}; transferred or retired: {len(health.not_active)}",
        "",
        f"随机抽查事项清单 check-item list: {len(items)} items "
        f"({len(items.key_items())} key items 重点检查事项)",
        f"  digest {items.digest}",
    ]
    out += [f"  {i.code} {i.name} — {i.legal_basis}" for i in items]
    print("\n".join(out))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="random-inspection",
        description="Reproducible, publicly verifiable 双随机、一公开 spot-check draws.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="load the synthetic demo city and summarise it")
    demo.add_argument("--targets", type=int, default=200_000, help="number of targets")
    demo.add_argument("--seed", type=int, default=2024, help="seed of the synthetic data")
    demo.set_defaults(run=_summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; errors of this library print one clear message and exit 2."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except RandomInspectionError as error:
        print(f"random-inspection: error: {error}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
