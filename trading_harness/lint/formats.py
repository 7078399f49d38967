"""`harness lint --format`: the findings as CI systems read them (SARIF, GitHub, GitLab, JUnit, JSON).

Every format names a finding by its check (a stable rule id), its file relative to the repository
that holds the stack folder (the working directory when it lies in none), and its line.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from trading_harness.lint.findings import ERROR, NOTE, WARNING, Finding, LintReport
from trading_harness.masking import mask

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")
TOOL = "harness-lint"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_STACK_FILES = 2000  # a stack folder is untrusted: the JUnit listing is bounded

# The stable rule ids: the check families, each with its help text (the README's lint table).
RULES = {
    "init-sql": ("The init SQL runs on a throwaway PostgreSQL cluster exactly as the official image's entrypoint runs it",
                 "A statement that aborts the init, an object created twice, POSTGRES_INITDB_ARGS that initdb refuses "
                 "or a postgresql.conf the server refuses. Fix the statement the finding names; guard a repeated "
                 "CREATE with IF NOT EXISTS or create the object once."),
    "redis-config": ("redis.conf and the ACL file load in a throwaway redis-server",
                     "A redis.conf directive or ACL rule that Redis refuses. Fix or remove the line the finding names."),
    "credentials": ("Each compose service's credentials log in and have the rights the service needs",
                    "The user or role does not exist, the password differs from the ACL or init SQL, the user is off, "
                    "or it may not read/write what its service needs. Make the compose environment, the ACL file and "
                    "the init SQL agree."),
    "ports": ("Every host:port in the scripts, healthchecks and URLs is one compose publishes or exposes",
              "A script or URL names a port that compose neither publishes nor exposes. Use the published port."),
    "compose": ("The compose file follows the TSE-0001.3a rules",
                "Every service needs a healthcheck, a restart policy, CPU and memory limits, ports on 127.0.0.1, a "
                "declared network and depends_on conditions awaiting service_healthy."),
    "dangerous": ("The init SQL and redis.conf reach nothing outside the servers they configure",
                  "COPY ... PROGRAM or a server file, a file_fdw program, an untrusted language or C function, LOAD, "
                  "lo_import/lo_export, pg_read_file, ALTER SYSTEM, a psql meta-command reaching the shell, "
                  "loadmodule, or an include from outside the stack folder: the stack folder is code that the "
                  "harness and the images run. Remove the line the finding names."),
}
GITLAB_SEVERITY = {ERROR: "major", WARNING: "minor", NOTE: "info"}
SARIF_LEVEL = {ERROR: "error", WARNING: "warning", NOTE: "note"}
GITHUB_COMMAND = {ERROR: "error", WARNING: "warning", NOTE: "notice"}
_LOCATION = re.compile(r"^(?P<path>.*?)(?::(?P<line>\d+))?(?: \((?P<detail>service [^)]*)\))?$")


@dataclass(frozen=True)
class Located:
    """A finding with its file relative to the repository, its line and its fingerprint."""

    finding: Finding
    path: str  # repository-relative, '/' separated
    line: int | None
    detail: str  # "service S, VARIABLE" for a compose credential, else ""

    @property
    def rule(self) -> str:
        return self.finding.check

    @property
    def message(self) -> str:
        text = self.finding.message + (f"; fix: {self.finding.fix}" if self.finding.fix else "")
        if self.detail:
            text = f"({self.detail}) {text}"
        return mask(text.replace("\n", " "))

    @property
    def title(self) -> str:
        return f"{self.finding.check}: {self.finding.severity}"

    def fingerprint(self) -> str:
        """Stable across runs and line shifts elsewhere: the rule, the file, the detail and the message."""
        return hashlib.sha256("\0".join((self.rule, self.path, self.detail, self.message)).encode()).hexdigest()


def repository_root(start: Path) -> Path:
    """The git work tree holding `start`, or the working directory when there is none."""
    try:
        proc = subprocess.run(["git", "-C", str(start), "rev-parse", "--show-toplevel"], capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return Path.cwd().resolve()
    return Path(proc.stdout.strip()).resolve() if proc.returncode == 0 and proc.stdout.strip() else Path.cwd().resolve()


def locate(report: LintReport, root: Path) -> list[Located]:
    located = []
    for finding in report.findings:
        match = _LOCATION.match(finding.location)
        path, line, detail = (match["path"], match["line"], match["detail"] or "") if match \
            else (finding.location, None, "")
        located.append(Located(finding, _relative(Path(path), root), int(line) if line else None, detail))
    return located


def _relative(path: Path, root: Path) -> str:
    absolute = (Path.cwd() / path).resolve()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return os.path.relpath(absolute, root).replace(os.sep, "/")


def render(report: LintReport, fmt: str, root: Path | None = None, quiet: bool = False) -> str:
    """The machine-readable document of `fmt` (not `text`)."""
    root = (root or repository_root(Path(report.stack_dir))).resolve()
    located = [x for x in locate(report, root) if not (quiet and x.finding.severity == NOTE)]
    renderers = {"json": _json, "sarif": _sarif, "github": _github, "gitlab": _gitlab, "junit": _junit}
    return renderers[fmt](report, located, root)


def _json(report: LintReport, located: list[Located], root: Path) -> str:
    return json.dumps({
        "stack_dir": _relative(Path(report.stack_dir), root),
        "errors": len(report.errors), "warnings": len(report.warnings),
        "notes": len(report.findings) - len(report.errors) - len(report.warnings),
        "exit_code": report.exit_code(), "seconds": round(report.seconds, 3),
        "findings": [{"check": x.rule, "severity": x.finding.severity, "path": x.path, "line": x.line,
                      "detail": x.detail, "message": mask(x.finding.message), "fix": mask(x.finding.fix),
                      "fingerprint": x.fingerprint()} for x in located],
    }, indent=2)


def _sarif(report: LintReport, located: list[Located], root: Path) -> str:
    rules = [{"id": rule, "name": rule, "shortDescription": {"text": short}, "fullDescription": {"text": full},
              "help": {"text": full}, "defaultConfiguration": {"level": "error"}} for rule, (short, full) in RULES.items()]
    index = {rule: i for i, rule in enumerate(RULES)}
    results = []
    for x in located:
        location: dict = {"artifactLocation": {"uri": x.path, "uriBaseId": "%SRCROOT%"}}
        if x.line:
            location["region"] = {"startLine": x.line}
        result = {"ruleId": x.rule, "level": SARIF_LEVEL.get(x.finding.severity, "note"),
                  "message": {"text": x.message}, "locations": [{"physicalLocation": location}],
                  "partialFingerprints": {"harnessLint/v1": x.fingerprint()}}
        if x.rule in index:
            result["ruleIndex"] = index[x.rule]
        results.append(result)
    return json.dumps({
        "$schema": SARIF_SCHEMA, "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": TOOL, "rules": rules}},
                  "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
                  "results": results}],
    }, indent=2)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(report: LintReport, located: list[Located], root: Path) -> str:
    lines = []
    for x in located:
        props = [f"file={_escape_property(x.path)}"] + ([f"line={x.line}"] if x.line else [])
        props.append(f"title={_escape_property(x.title)}")
        lines.append(f"::{GITHUB_COMMAND.get(x.finding.severity, 'notice')} {','.join(props)}::{_escape_data(x.message)}")
    return "\n".join(lines)


def _gitlab(report: LintReport, located: list[Located], root: Path) -> str:
    issues, seen = [], set()
    for x in located:
        fingerprint = x.fingerprint()
        n = 1
        while fingerprint in seen:  # the same text twice in one file: still one fingerprint each
            fingerprint = hashlib.sha256(f"{x.fingerprint()}#{n}".encode()).hexdigest()
            n += 1
        seen.add(fingerprint)
        issues.append({"description": x.message, "check_name": x.rule, "fingerprint": fingerprint,
                       "severity": GITLAB_SEVERITY.get(x.finding.severity, "info"),
                       "location": {"path": x.path, "lines": {"begin": x.line or 1}}})
    return json.dumps(issues, indent=2)


def stack_files(stack_dir: Path, root: Path) -> list[str]:
    """The files of the stack folder (not hidden ones), repository-relative, bounded."""
    files = []
    for path in sorted(Path(stack_dir).rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(stack_dir).parts) or not path.is_file():
            continue
        files.append(_relative(path, root))
        if len(files) >= MAX_STACK_FILES:
            break
    return files


def _junit(report: LintReport, located: list[Located], root: Path) -> str:
    """One test suite per check; one test case per check and stack file, failed by its errors."""
    files = stack_files(Path(report.stack_dir), root)
    files += sorted({x.path for x in located} - set(files))
    suites = ET.Element("testsuites", name=TOOL)
    for check in RULES | {x.rule: None for x in located}:
        suite = ET.SubElement(suites, "testsuite", name=f"{TOOL}.{check}")
        failures = 0
        for path in files:
            mine = [x for x in located if x.rule == check and x.path == path]
            case = ET.SubElement(suite, "testcase", classname=f"{TOOL}.{check}", name=path, file=path)
            errors = [x for x in mine if x.finding.severity == ERROR]
            if errors:
                failures += 1
                failure = ET.SubElement(case, "failure", message=errors[0].message, type=check)
                failure.text = "\n".join(f"{x.path}:{x.line or ''}: {x.message}" for x in errors)
            others = [x for x in mine if x.finding.severity != ERROR]
            if others:
                ET.SubElement(case, "system-out").text = "\n".join(
                    f"{x.path}:{x.line or ''}: {x.finding.severity}: {x.message}" for x in others)
        suite.set("tests", str(len(files)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)
