"""`harness report`: the Allure HTML report of the last features run, offline, with history across runs.

Uses the Allure 2 command line from the npm registry (package allure-commandline, which ships the
Allure distribution and needs a Java runtime). It is installed on first use into the virtualenv
(`<venv>/share/allure-commandline`), or taken from HARNESS_ALLURE. The report lands in
reports/allure-report/ (index.html); history and trend carry over through reports/allure-history/.
The analytics snippet Allure puts in index.html is removed, and ALLURE_NO_ANALYTICS is set.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from trading_harness.errors import HarnessError
from trading_harness.paths import project_root

ALLURE_PACKAGE = "allure-commandline"
ALLURE_VERSION = "2.46.1"
ALLURE_ENV = "HARNESS_ALLURE"
INSTALL_TIMEOUT = 300
GENERATE_TIMEOUT = 600
_ANALYTICS = [
    re.compile(r"[ \t]*<script[^>]*googletagmanager[^>]*>\s*</script>\s*\n?", re.I),
    re.compile(r"[ \t]*<script>(?:(?!</script>).)*\bgtag\((?:(?!</script>).)*</script>\s*\n?", re.I | re.S),
]
_EMBEDDED = re.compile(r"d\('([^']+)','([A-Za-z0-9+/=]*)'\)")


def install_dir() -> Path:
    return Path(sys.prefix) / "share" / ALLURE_PACKAGE


def allure_command(log=print) -> str:
    """The allure executable: HARNESS_ALLURE, else the pinned npm package, installed on first use."""
    if os.environ.get(ALLURE_ENV):
        return os.environ[ALLURE_ENV]
    if not shutil.which("java"):
        raise HarnessError("the Allure command line needs a Java runtime, and 'java' was not found. "
                           "Install it with: apt-get install -y default-jre-headless")
    binary = install_dir() / "node_modules" / ALLURE_PACKAGE / "dist" / "bin" / "allure"
    if binary.is_file():
        return str(binary)
    npm = shutil.which("npm")
    if not npm:
        raise HarnessError(f"the Allure command line comes from the npm registry ({ALLURE_PACKAGE}), and 'npm' "
                           "was not found. Install it with: apt-get install -y nodejs npm")
    log(f"harness: installing {ALLURE_PACKAGE}@{ALLURE_VERSION} from the npm registry into {install_dir()} (once)")
    install_dir().mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([npm, "install", "--prefix", str(install_dir()), "--no-audit", "--no-fund",
                           "--no-save", f"{ALLURE_PACKAGE}@{ALLURE_VERSION}"],
                          capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
    if proc.returncode != 0 or not binary.is_file():
        raise HarnessError(f"npm could not install {ALLURE_PACKAGE}@{ALLURE_VERSION}: "
                           f"{(proc.stderr or proc.stdout).strip()[-800:]}")
    return str(binary)


def strip_analytics(html: str) -> str:
    for pattern in _ANALYTICS:
        html = pattern.sub("", html)
    return html


def report_files(out: Path, single_file: bool) -> dict[str, bytes]:
    """The report's data files (history/*, data/test-cases/*), from the folder or embedded in index.html."""
    if not single_file:
        return {p.relative_to(out).as_posix(): p.read_bytes()
                for folder in ("history", "data/test-cases") if (out / folder).is_dir()
                for p in (out / folder).iterdir() if p.is_file()}
    html = (out / "index.html").read_text()
    return {name: base64.b64decode(data) for name, data in _EMBEDDED.findall(html)}


def _identity(result: dict) -> tuple:
    params = tuple(sorted((p.get("name"), str(p.get("value"))) for p in result.get("parameters") or []))
    return result.get("fullName"), params


def deep_links(results: Path, files: dict[str, bytes], index: str) -> dict[str, str]:
    """Allure result uuid -> URL of its page in the HTML report (matched by full name and parameters)."""
    by_identity = {}
    for name, data in files.items():
        if name.startswith("data/test-cases/"):
            case = json.loads(data)
            by_identity[_identity(case)] = case["uid"]
    links = {}
    for path in results.glob("*-result.json"):
        result = json.loads(path.read_text())
        uid = by_identity.get(_identity(result))
        if uid:
            links[result["uuid"]] = f"{index}#testresult/{uid}"
    return links


def _next_build(history: Path) -> int:
    counter = history / "build-order.txt"
    try:
        order = int(counter.read_text().strip()) + 1
    except (OSError, ValueError):
        order = 1
    counter.write_text(str(order))
    return order


def generate(results: Path, out: Path, history: Path, single_file: bool, log=print) -> Path:
    """Allure HTML from `results` into `out`; the previous history goes in, the new one comes back out."""
    if not results.is_dir() or not any(results.glob("*-result.json")):
        raise HarnessError(f"no Allure results in {results}: run `pytest features/` first")
    allure = allure_command(log)
    history.mkdir(parents=True, exist_ok=True)
    (results / "history").mkdir(exist_ok=True)
    for item in history.glob("*.json"):
        shutil.copy2(item, results / "history" / item.name)
    order = _next_build(history)
    (results / "executor.json").write_text(json.dumps({
        "name": "harness", "type": "local", "buildOrder": order, "buildName": f"features run {order}",
        "reportName": "Trading ecosystem acceptance"}))
    argv = [allure, "generate", str(results), "-o", str(out), "--clean"] + (["--single-file"] if single_file else [])
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=GENERATE_TIMEOUT,
                          env={**os.environ, "ALLURE_NO_ANALYTICS": "1"})
    if proc.returncode != 0 or not (out / "index.html").is_file():
        raise HarnessError(f"allure generate failed ({proc.returncode}): {(proc.stderr or proc.stdout).strip()[-1500:]}")
    index = out / "index.html"
    index.write_text(strip_analytics(index.read_text()))
    files = report_files(out, single_file)
    for name, data in files.items():
        if name.startswith("history/"):
            (history / name.split("/", 1)[1]).write_bytes(data)
    return index


def relink_living_docs(reports: Path, results: Path, out: Path, single_file: bool) -> int:
    """Render the living docs again from reports/run.json, each scenario linked to its page in the report."""
    run_file = reports / "run.json"
    if not run_file.is_file():
        return 0
    from trading_harness.reporting.catalogue import load
    from trading_harness.reporting.livingdocs import Site
    from trading_harness.reporting.scenarios import parse_features

    run = json.loads(run_file.read_text())
    living = reports / "living-docs"
    index = Path(os.path.relpath(out / "index.html", living)).as_posix()
    links = deep_links(results, report_files(out, single_file), index)
    catalogue = load(Path(run["catalogue"]))
    features = Path(run.get("features") or Path(run["catalogue"]).parent)
    site = Site(catalogue, parse_features(features, catalogue), run["results"], run["gate"], run["run"], living,
                results, allure_links=links, seeds_url=os.environ.get("HARNESS_SEEDS_URL") or None,
                failures=run.get("failures") or {}, kept=set(run["kept"]) if "kept" in run else None,
                history_path=reports / "history.json")
    site.write()
    return len(links)


def main(args) -> int:
    """The `harness report` subcommand."""
    reports = Path(args.reports_dir or project_root() / "reports").resolve()
    results = Path(args.results).resolve() if args.results else reports / "allure-results"
    out = Path(args.output).resolve() if args.output else reports / "allure-report"
    index = generate(results, out, reports / "allure-history", args.single_file)
    linked = relink_living_docs(reports, results, out, args.single_file)
    print(f"Allure report: {index}" + (" (one self-contained file)" if args.single_file else ""))
    if linked:
        print(f"living docs: {reports / 'living-docs' / 'index.html'} (scenarios link to the report)")
    return 0


def add_parser(sub) -> None:
    parser = sub.add_parser(
        "report", help=f"build the Allure HTML report of the last features run; the first run downloads "
                       f"{ALLURE_PACKAGE}@{ALLURE_VERSION} from the npm registry (needs npm and Java), later runs "
                       "are offline")
    parser.add_argument("--single-file", action="store_true", help="one self-contained index.html")
    parser.add_argument("--reports-dir", default=None,
                        help="the features run's reports folder (default reports/)")
    parser.add_argument("--results", help="Allure results folder (default <reports>/allure-results)")
    parser.add_argument("-o", "--output", help="where the report goes (default <reports>/allure-report)")
