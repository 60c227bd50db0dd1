"""The `visits` vector of docs/spec/vectors.json (spec §12.10-12.12) as files: its directory,
registers and a whole record built by hand around the vector's `teams` section — the target
draw by the library (one certainty stratum, so the draw order is the vector's), the teams
section copied from the vector, the record digest computed as §9.6 says."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from random_inspection import (
    CheckItem,
    CheckItemList,
    Conflict,
    ConflictRegister,
    EntityType,
    Inspector,
    InspectorDirectory,
    RiskClass,
    StratifiedByRisk,
    Target,
    TargetDirectory,
    draw_targets,
)
from random_inspection import verifier as stdlib

SPEC = Path(__file__).parent.parent / "docs" / "spec"
VISITS: dict[str, Any] = json.loads((SPEC / "vectors.json").read_text(encoding="utf-8"))["visits"]


def directory() -> TargetDirectory:
    """The vector's targets as the whole directory, all of one risk class."""
    return TargetDirectory.from_records(
        Target(id=t["id"], name=t["name"], entity_type=EntityType(t["entity_type"]),
               region=t["region"], supervising_office=t["supervising_office"],
               risk_class=RiskClass(VISITS["risk_class"]))
        for t in VISITS["targets"])


def inspectors() -> InspectorDirectory:
    return InspectorDirectory([Inspector.from_dict(i) for i in VISITS["inspectors"]])


def with_digest(record: dict[str, Any]) -> dict[str, Any]:
    """The record with its §9.6 digest (re)computed."""
    content = {k: v for k, v in record.items() if k != "record_digest"}
    return {**content, "record_digest": "sha256:" + hashlib.sha256(
        stdlib.canonical(content).encode()).hexdigest()}


def target_draw() -> dict[str, Any]:
    """The record of the vector's target draw, without teams: every target, in draw order."""
    design = StratifiedByRisk(rates={VISITS["risk_class"]: "1"}, floor="0")
    sample = draw_targets(directory(), design, seed=VISITS["seed"], purpose=VISITS["purpose"],
                          hash=VISITS["hash"])
    record: dict[str, Any] = json.loads(sample.record.to_json())
    order = [i for s in record["strata"] for i in s["selected"]]
    assert order == [t["id"] for t in VISITS["targets"]]  # the vector's draw order
    return record


def record() -> dict[str, Any]:
    """The vector's record: its target draw with the vector's `teams` section."""
    return with_digest({**target_draw(), "teams": VISITS["section"]})


class Files:
    """The vector's directory and registers as files in ``folder``, with verifier.py's
    options for them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        directory().to_csv(folder / "d.csv")
        inspectors().to_csv(folder / "i.csv")
        CheckItemList([CheckItem.from_dict(i) for i in VISITS["check_items"]]).to_csv(
            folder / "items.csv")
        ConflictRegister([Conflict.from_dict(c) for c in VISITS["conflicts"]]).to_csv(
            folder / "c.csv")
        (folder / "p.json").write_text(json.dumps(VISITS["previous_inspectors"]),
                                       encoding="utf-8")
        self.directory = str(folder / "d.csv")
        self.options = ["--inspectors", str(folder / "i.csv"), "--item-list",
                        str(folder / "items.csv"), "--conflicts", str(folder / "c.csv"),
                        "--previous", str(folder / "p.json")]

    def args(self, **more: Any) -> argparse.Namespace:
        return argparse.Namespace(
            inspectors=str(self.folder / "i.csv"), item_list=str(self.folder / "items.csv"),
            conflicts=str(self.folder / "c.csv"), previous=str(self.folder / "p.json"),
            journal=None, **more)

    def write(self, name: str, value: dict[str, Any]) -> Path:
        """A record written as published (canonical JSON, §9.1)."""
        path = self.folder / name
        path.write_text(stdlib.canonical(value), encoding="utf-8")
        return path

    def check(self, value: dict[str, Any], **more: Any) -> list[tuple[str, str, str]]:
        """verifier.py's results for a record."""
        return stdlib.check(str(self.write("r.json", value)), self.directory, self.args(**more))
