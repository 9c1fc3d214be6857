"""The scorecard's outputs: scorecard.json, junit.xml and the verdict table of ``gameday run``."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import orjson

from simulator.orchestrate.rundir import write_atomic
from simulator.scoring.scorecard import Scorecard

#: Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def write_scorecard(scorecard: Scorecard, run_dir: str | Path) -> tuple[Path, Path]:
    """Write ``scorecard.json`` and ``junit.xml`` into ``run_dir`` atomically; their paths."""
    base = Path(run_dir)
    card_path, junit_path = base / "scorecard.json", base / "junit.xml"
    write_atomic(card_path, orjson.dumps(scorecard.to_json(), option=orjson.OPT_INDENT_2) + b"\n")
    write_atomic(junit_path, junit_xml(scorecard))
    return card_path, junit_path


def _xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("?", text)


def junit_xml(scorecard: Scorecard) -> str:
    """JUnit XML with one testcase per expectation (classname = the scenario's name)."""
    failures = sum(not e.passed for e in scorecard.expectations)
    counts = {"tests": str(len(scorecard.expectations)), "failures": str(failures),
              "errors": "0", "skipped": "0", "time": f"{scorecard.duration_s:.3f}"}
    root = ET.Element("testsuites", {"name": "llm-gameday", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": _xml_text(scorecard.scenario), **counts})
    props = ET.SubElement(suite, "properties")
    for name, value in (("seed", scorecard.seed), ("mode", scorecard.mode),
                        ("score", scorecard.score), ("false_alarms",
                                                     len(scorecard.false_alarms))):
        ET.SubElement(props, "property", {"name": name, "value": str(value)})
    for result in scorecard.expectations:
        case = ET.SubElement(suite, "testcase", {
            "classname": _xml_text(scorecard.scenario), "name": _xml_text(result.text),
            "time": "0"})
        if not result.passed:
            failure = ET.SubElement(case, "failure", {
                "message": _xml_text(f"expected {result.text}; {result.detail}"),
                "type": "ExpectationFailed"})
            failure.text = _xml_text(result.detail)
        out = ET.SubElement(case, "system-out")
        out.text = _xml_text(result.detail)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _fault_expectations(scorecard: Scorecard, fault_id: str) -> str:
    """``pass``, ``FAIL`` or ``-`` for the expectations that name ``fault_id``."""
    mine = [e for e in scorecard.expectations if e.fault == fault_id]
    if not mine:
        return "-"
    return "pass" if all(e.passed for e in mine) else "FAIL"


def verdict_table(scorecard: Scorecard) -> str:
    """A short fixed-width table of each fault's verdict, and a summary line.

    Example::

        print(verdict_table(card))
    """
    header = ("fault", "kind", "detected", "TTD", "bad before detection", "expectation")
    rows = [header]
    for f in scorecard.faults:
        detected = "no impact" if f.onset_s is None else "yes" if f.detected else "NO"
        ttd = "-" if f.time_to_detect_s is None else f"{f.time_to_detect_s:.1f}s"
        rows.append((f.id, f.kind, detected, ttd, str(f.impact.before_detection.bad_responses),
                     _fault_expectations(scorecard, f.id)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    met = sum(e.passed for e in scorecard.expectations)
    verdict = "PASSED" if scorecard.passed else "FAILED"
    lines.append(f"false alarms: {len(scorecard.false_alarms)}   score: {scorecard.score:.1f}/100"
                 f"   expectations: {met}/{len(scorecard.expectations)} met   {verdict}")
    return "\n".join(lines)
