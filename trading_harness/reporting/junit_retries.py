"""JUnit XML with one test case per scenario when pytest-rerunfailures ran it again.

pytest's junitxml writes a test case per attempt. This rewrites the file as Maven Surefire does:
the last attempt's test case, with a `<flakyFailure>` (it passed in the end) or `<rerunFailure>`
(it failed in the end) per earlier attempt, and a `flaky` property on a pass after a retry.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from trading_harness.reporting.results import Result


def _address(nodeid: str) -> tuple[str, str]:
    """(classname, name) as pytest's junitxml writes them for a nodeid."""
    path, _, name = nodeid.partition("::")
    classname = path.replace("/", ".").removesuffix(".py")
    if "::" in name:
        more, _, name = name.rpartition("::")
        classname = f"{classname}.{more.replace('::', '.')}"
    return classname, name


def fold_retries(path: Path, results: list[Result]) -> bool:
    """Rewrite `path` in place; False when nothing was retried or the file is not there."""
    retried = {_address(r.nodeid): r for r in results if r.attempts > 1}
    if not retried or not Path(path).is_file():
        return False
    tree = ET.parse(path)
    for suite in tree.getroot().iter("testsuite"):
        cases = list(suite.findall("testcase"))
        by_address: dict[tuple[str, str], list[ET.Element]] = {}
        for case in cases:
            by_address.setdefault((case.get("classname", ""), case.get("name", "")), []).append(case)
        removed = 0
        for address, result in retried.items():
            attempts = by_address.get(address, [])
            if len(attempts) < 2:
                continue
            last = attempts[-1]
            for earlier in attempts[:-1]:
                suite.remove(earlier)
                removed += 1
                tag = "flakyFailure" if result.flaky else "rerunFailure"
                ET.SubElement(last, tag, message=result.message or "failed", type="rerun").text = result.message
            if result.flaky:
                properties = last.find("properties")
                if properties is None:
                    properties = ET.Element("properties")
                    last.insert(0, properties)
                ET.SubElement(properties, "property", name="flaky", value=f"passed on attempt {result.attempts}")
        if removed:
            suite.set("tests", str(int(suite.get("tests", "0") or 0) - removed if suite.get("tests") else len(cases) - removed))
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return True
