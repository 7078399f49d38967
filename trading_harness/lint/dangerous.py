"""Check (f): content of the stack folder that reaches outside the servers it configures.

The folder is code: its init SQL and redis.conf run in real servers. This check names, at file:line,
what would run an OS command, load native code or read or write files of the server's machine,
even where the lint's sandbox makes it harmless (the embedded and compose targets run it as is):
  init SQL: COPY ... TO/FROM PROGRAM or a server file, file_fdw `program`/`filename`, untrusted
            procedural languages and C functions, LOAD, lo_import/lo_export, pg_read_file and
            friends, ALTER SYSTEM, psql meta-commands that reach the client's shell or files;
  redis.conf: loadmodule, include of a file outside the stack folder.
It reads text only (a heuristic: SQL that builds these statements at run time escapes it; the
sandbox is the boundary, this is the report).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from trading_harness.lint.findings import ERROR, Finding, where
from trading_harness.lint.init_sql import PostgresSide
from trading_harness.lint.redis_config import RedisSide
from trading_harness.stack_reader import sql_text
from trading_harness.stack_reader.bounded import read_lines

CHECK = "dangerous"
UNTRUSTED_LANGUAGES = {"plpythonu", "plpython2u", "plpython3u", "plperlu", "pltclu", "plluau", "plsh", "plr",
                       "c", "internal"}
# Extensions that are untrusted languages or hand out the server's files.
UNTRUSTED_EXTENSIONS = UNTRUSTED_LANGUAGES | {"adminpack"}


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern
    what: str  # what the matched text does
    fix: str


def _p(regex: str, what: str, fix: str) -> Pattern:
    return Pattern(re.compile(regex, re.IGNORECASE | re.DOTALL), what, fix)


_DROP = "remove it from the init SQL (the harness and the images run the folder as is)"
SQL_PATTERNS = [
    _p(r"\bCOPY\b[^;]*?\b(?:FROM|TO)\s+PROGRAM\b", "COPY ... PROGRAM runs an OS command as the server's user", _DROP),
    _p(r"\bCOPY\b[^;]*?\b(?:FROM|TO)\s+E?'", "COPY with a file name reads or writes a file of the server's machine",
       "COPY ... FROM STDIN (psql \\copy) or INSERT the rows"),
    _p(r"\bOPTIONS\s*\([^)]*\bprogram\s+E?'", "a file_fdw `program` option runs an OS command on every read", _DROP),
    _p(r"\bOPTIONS\s*\([^)]*\bfilename\s+E?'", "a file_fdw `filename` option reads a file of the server's machine", _DROP),
    _p(r"\blo_(?:import|export)\s*\(", "lo_import/lo_export read or write a file of the server's machine", _DROP),
    _p(r"\bpg_(?:read_file|read_binary_file|ls_dir|stat_file|file_write)\s*\(",
       "reads a file or directory of the server's machine", _DROP),
    _p(r"\bALTER\s+SYSTEM\b", "ALTER SYSTEM rewrites the server's configuration (archive_command and the like run "
       "OS commands)", "set it in postgresql.conf, where it is reviewed"),
    _p(r"(?:^|;)\s*LOAD\s+E?'", "LOAD loads a shared library into the server", _DROP),
]
_LANGUAGE = re.compile(r"\bLANGUAGE\s+['\"]?(\w+)", re.IGNORECASE)
_EXTENSION = re.compile(r"\bCREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?(\w+)", re.IGNORECASE)
# psql meta-commands that reach the client's shell or files (the official image runs the init through psql).
_PSQL_META = re.compile(r"^\s*\\(?:!|copy\b.*\bprogram\b|[ogw]\s*\||o\s+\S|w\s+\S|lo_import|lo_export|setenv|"
                        r"i\s|ir\s|include\b|include_relative\b|cd\b)", re.IGNORECASE)


def sql_findings(side: PostgresSide) -> list[Finding]:
    findings = []
    for stmt in side.statements():
        for pattern in SQL_PATTERNS:
            for match in pattern.regex.finditer(stmt.text):
                findings.append(_at(stmt, match.start(), f"{pattern.what}: `{_excerpt(match.group())}`", pattern.fix))
        for match in _LANGUAGE.finditer(stmt.text):
            if match[1].lower() in UNTRUSTED_LANGUAGES:
                findings.append(_at(stmt, match.start(), f"untrusted language {match[1]}: its code runs with the "
                                    "server's rights (OS commands, files)", "use plpgsql or sql"))
        for match in _EXTENSION.finditer(stmt.text):
            if match[1].lower() in UNTRUSTED_EXTENSIONS:
                findings.append(_at(stmt, match.start(), f"extension {match[1]} is an untrusted language or hands out "
                                    "the server's files", "drop the extension"))
    for path in side.files:
        if path.name.endswith(".sql"):
            findings.extend(_psql_meta(path))
    return sorted(set(findings), key=lambda f: f.location)


def _psql_meta(path: Path) -> list[Finding]:
    found = []
    for number, line in enumerate(read_lines(path), 1):
        if _PSQL_META.match(line):
            found.append(Finding(CHECK, ERROR, where(path, number),
                                 f"psql meta-command `{_excerpt(line.strip())}` reaches the shell or files of the machine "
                                 "running psql", "keep init files to SQL"))
    return found


def redis_findings(side: RedisSide, stack_root: Path) -> list[Finding]:
    if side.conf is None or not side.conf.is_file():
        return []
    findings = []
    for number, text in enumerate(read_lines(side.conf), 1):
        tokens = text.split()
        directive = tokens[0].lower() if tokens else ""
        if directive == "loadmodule":
            module = tokens[1] if len(tokens) > 1 else ""
            findings.append(Finding(CHECK, ERROR, where(side.conf, number),
                                    f"loadmodule {module} loads native code into redis-server (the lint never loads it)",
                                    "drop the module, or build it into the image and document it"))
        elif directive == "include":
            included = tokens[1] if len(tokens) > 1 else ""
            local = side.service.local_file(stack_root, included) if included else None
            if local is None or not _inside(local, stack_root):
                findings.append(Finding(CHECK, ERROR, where(side.conf, number),
                                        f"include {included} reads a file from outside the stack folder (the lint never "
                                        "reads it)", "mount the included file from the stack folder, or inline it"))
    return findings


def _inside(path: Path, root: Path) -> bool:
    try:
        Path(path).resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError, RuntimeError):
        return False


def _at(stmt: sql_text.Statement, offset: int, message: str, fix: str) -> Finding:
    return Finding(CHECK, ERROR, where(stmt.file, stmt.start + stmt.text.count("\n", 0, offset)), message, fix)


def _excerpt(text: str) -> str:
    return " ".join(text.split())[:80]
