"""Init SQL read as text: statements with their lines, the roles, schemas and tables they create."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from trading_harness.stack_reader.bounded import read_text

_DOLLAR = re.compile(r"\$[A-Za-z_0-9]*\$")
_CREATE = re.compile(
    r"\bCREATE\s+(?P<kind>ROLE|USER|SCHEMA|(?:(?:GLOBAL|LOCAL)\s+)?(?:TEMP(?:ORARY)?\s+|UNLOGGED\s+)?TABLE)\s+"
    r"(?P<ine>IF\s+NOT\s+EXISTS\s+)?(?!IF\s+NOT\s+EXISTS\b)(?P<name>\"?[A-Za-z_][\w$]*\"?(?:\.\"?[A-Za-z_][\w$]*\"?)?)",
    re.IGNORECASE)
_PASSWORD = re.compile(
    r"\b(?:CREATE|ALTER)\s+(?:ROLE|USER)\s+\"?(?P<name>[A-Za-z_][\w$]*)\"?[^;']*?\bPASSWORD\s+'(?P<pw>(?:[^']|'')*)'",
    re.IGNORECASE | re.DOTALL)
_GUARD = re.compile(r"\bIF\s+NOT\s+EXISTS\b", re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    file: Path
    start: int  # first line of the statement's text (comments before it excluded)
    end: int
    text: str


@dataclass(frozen=True)
class Creation:
    kind: str   # role, schema, table
    name: str
    file: Path
    line: int
    guarded: bool  # IF NOT EXISTS, or inside a block that checks first


@dataclass(frozen=True)
class PasswordSetting:
    role: str
    password: str
    file: Path
    line: int


def statements(path: Path) -> list[Statement]:
    """Split on top-level semicolons, skipping quotes, dollar quotes and comments, as psql does."""
    text = read_text(path)
    result, start, i, line, stmt_line = [], 0, 0, 1, None
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
            continue
        if ch.isspace():
            i += 1
            continue
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += text.count("\n", i, end)
            i = end
            continue
        if stmt_line is None:
            stmt_line, start = line, i
        if ch in "'\"":
            end = text.find(ch, i + 1)
            while end >= 0 and text.startswith(ch * 2, end):
                end = text.find(ch, end + 2)
            end = n if end < 0 else end + 1
            line += text.count("\n", i, end)
            i = end
            continue
        dollar = _DOLLAR.match(text, i) if ch == "$" else None
        if dollar and not text[i - 1:i].isalnum():
            end = text.find(dollar.group(), dollar.end())
            end = n if end < 0 else end + len(dollar.group())
            line += text.count("\n", i, end)
            i = end
            continue
        if ch == ";":
            result.append(Statement(path, stmt_line, line, text[start:i + 1]))
            stmt_line = None
        i += 1
    if stmt_line is not None and text[start:].strip():
        result.append(Statement(path, stmt_line, line, text[start:].rstrip()))
    return result


def creations(statement: Statement) -> list[Creation]:
    """The roles, schemas and tables a statement creates by literal name (DO blocks included)."""
    found = []
    block_guarded = statement.text.lstrip().upper().startswith("DO") and bool(_GUARD.search(statement.text))
    for match in _CREATE.finditer(statement.text):
        kind = match["kind"].split()[-1].lower()
        kind = {"user": "role"}.get(kind, kind)
        name = match["name"].replace('"', "")
        if kind == "table" and "." not in name:
            name = f"public.{name}"  # the entrypoint's search_path
        line = statement.start + statement.text.count("\n", 0, match.start())
        found.append(Creation(kind, name.lower(), statement.file, line, bool(match["ine"]) or block_guarded))
    return found


def passwords(statement: Statement) -> list[PasswordSetting]:
    return [PasswordSetting(m["name"].lower(), m["pw"].replace("''", "'"), statement.file,
                            statement.start + statement.text.count("\n", 0, m.start()))
            for m in _PASSWORD.finditer(statement.text)]


def statement_at(stmts: list[Statement], line: int) -> Statement | None:
    """The statement psql reports at `line` (psql names the line where the statement ends)."""
    for stmt in stmts:
        if stmt.start <= line <= stmt.end:
            return stmt
    before = [s for s in stmts if s.start <= line]
    return before[-1] if before else None
