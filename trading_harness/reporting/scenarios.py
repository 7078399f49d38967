"""Every scenario of the feature files, one case per Examples row, linked to the catalogue by tags."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from pytest_bdd.exceptions import GherkinParseError
from pytest_bdd.parser import Feature, FeatureParser, ScenarioTemplate

from trading_harness.errors import HarnessError
from trading_harness.reporting.catalogue import SEVERITIES, Catalogue

CRITERION_TAG = "criterion"
SEVERITY_TAG = "severity"
HARDENING_TAG = "hardening"
MILESTONE_TAG = re.compile(r"^TSE-\d{4}(\.[0-9A-Za-z]+)*$")
_TOKENS = {"#EOF": "the end of the file", "#Language": "a '# language:' line", "#TagLine": "a @tag line",
           "#FeatureLine": "'Feature:'", "#RuleLine": "'Rule:'", "#BackgroundLine": "'Background:'",
           "#ScenarioLine": "'Scenario:' or 'Scenario Outline:'", "#ExamplesLine": "'Examples:'",
           "#StepLine": "a step (Given/When/Then/And/But)", "#DocStringSeparator": "a doc string",
           "#TableRow": "a | table | row", "#Comment": "a # comment", "#Empty": "an empty line",
           "#Other": "description text"}
_EXPECTED = re.compile(r"expected: (?P<tokens>.*?), got")


class FeatureSyntaxError(HarnessError):
    """A .feature file that Gherkin cannot parse: one line with the file, line, text and what was expected."""

    @classmethod
    def from_parse_error(cls, exc: GherkinParseError, root: Path) -> FeatureSyntaxError:
        where = relative_feature(exc.filename, root.parent)
        detail = _EXPECTED.search(str(exc.__cause__ or ""))
        expected = ""
        if detail:
            tokens = [_TOKENS.get(t.strip(), t.strip()) for t in detail["tokens"].split(",")]
            expected = "; expected " + ", ".join(dict.fromkeys(tokens))
        return cls(f"{where}:{exc.line}: {exc.message.split('. ')[0].rstrip('.')}: {exc.line_content.strip()!r}{expected}")


def parse_feature(features_dir: Path, path: Path) -> Feature:
    """One .feature file, parsed (once per process and version of the file: the syntax check and the
    reporting both read every file); a syntax error raises FeatureSyntaxError. Treat the result as read-only."""
    stat = path.stat()
    return _parsed(features_dir, path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=512)
def _parsed(features_dir: Path, path: Path, _mtime_ns: int, _size: int) -> Feature:
    try:
        return FeatureParser(str(features_dir), str(path.relative_to(features_dir))).parse()
    except GherkinParseError as exc:
        raise FeatureSyntaxError.from_parse_error(exc, features_dir) from None


def tag_value(tag: str, name: str) -> str | None:
    """The value of a `@name:value` tag; also accepts the marker spelling `name_value`."""
    for sep in (":", "_"):
        if tag.startswith(name + sep) and len(tag) > len(name) + 1:
            return tag[len(name) + 1:]
    return None


@dataclass
class Case:
    """One executable scenario: a Scenario, or one Examples row of a Scenario Outline."""

    key: str  # feature path:scenario line[:example index]; the same on every process
    feature: str  # path relative to the features folder
    feature_name: str
    name: str  # with the Examples values filled in
    line: int
    tags: list[str]
    example: dict[str, str] | None = None
    example_index: int | None = None
    examples_block: int | None = None
    criteria: list[str] = field(default_factory=list)
    unknown_criteria: list[str] = field(default_factory=list)
    milestones: list[str] = field(default_factory=list)
    severity: str = "normal"

    @property
    def hardening(self) -> bool:
        """A check the reference stack adds beyond the seeds: an advisory unless the gate is strict."""
        return HARDENING_TAG in self.tags

    @property
    def orphan(self) -> str | None:
        """Why the scenario is an orphan, or None when it names a catalogue criterion."""
        if self.unknown_criteria:
            return "names a criterion not in the catalogue: " + ", ".join(self.unknown_criteria)
        if not self.criteria:
            return "names no criterion"
        return None


@dataclass
class Outline:
    """A Scenario or Scenario Outline as written, with its cases."""

    feature: str
    feature_name: str
    feature_description: str
    feature_tags: list[str]
    template: ScenarioTemplate
    cases: list[Case]


def case_key(feature: str, line: int, example_index: int | None) -> str:
    return f"{feature}:{line}" if example_index is None else f"{feature}:{line}:{example_index}"


@functools.lru_cache(maxsize=1024)  # asked once per scenario at collection; resolve() costs a syscall per part
def relative_feature(filename: str, features_dir: Path) -> str:
    path = Path(filename).resolve()
    try:
        return path.relative_to(features_dir.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def cases_of(template: ScenarioTemplate, features_dir: Path, catalogue: Catalogue) -> list[Case]:
    """The cases of one scenario template, in pytest-bdd's parametrization order."""
    feature = template.feature
    rel = relative_feature(feature.filename, features_dir)
    base_tags = set(feature.tags) | set(template.tags) | (set(template.rule.tags) if template.rule else set())
    rows: list[tuple[int | None, int | None, dict | None, set[str]]] = []
    index = 0
    for block_no, examples in enumerate(template.examples):
        for context in examples.as_contexts():
            rows.append((index, block_no, context, set(examples.tags or ())))
            index += 1
    if not rows:
        rows = [(None, None, None, set())]
    cases = []
    for example_index, block_no, context, block_tags in rows:
        tags = sorted(base_tags | block_tags)
        name = template.render(context).name if context else template.name
        case = Case(key=case_key(rel, template.line_number, example_index), feature=rel, feature_name=feature.name,
                    name=name, line=template.line_number, tags=tags, example=context,
                    example_index=example_index, examples_block=block_no)
        link(case, catalogue)
        cases.append(case)
    return cases


def link(case: Case, catalogue: Catalogue) -> None:
    """Fill in criteria, milestones and severity from the case's tags and the catalogue."""
    named = list(dict.fromkeys(v for t in case.tags if (v := tag_value(t, CRITERION_TAG))))
    case.criteria = [c for c in named if c in catalogue.criteria]
    case.unknown_criteria = [c for c in named if c not in catalogue.criteria]
    milestones = [catalogue.criteria[c].milestone for c in case.criteria]
    if not milestones:
        milestones = fallback_milestones(case.tags, catalogue)
    case.milestones = list(dict.fromkeys(milestones))
    tagged = [v for t in case.tags if (v := tag_value(t, SEVERITY_TAG)) in SEVERITIES]
    from_criteria = [s for c in case.criteria if (s := catalogue.criteria[c].severity)]
    levels = tagged or from_criteria
    case.severity = min(levels, key=SEVERITIES.index) if levels else "normal"


def fallback_milestones(tags: list[str], catalogue: Catalogue) -> list[str]:
    """An orphan counts for the milestone its verbatim ID tag and component tag name, if that is one."""
    found = []
    for tag in tags:
        if not MILESTONE_TAG.match(tag):
            continue
        candidates = catalogue.keys_for(tag)
        narrowed = [k for k in candidates if k.split("/")[0] in tags]
        if len(narrowed) == 1:
            found.append(narrowed[0])
        elif len(candidates) == 1:
            found.append(candidates[0])
    return found


def check_syntax(features_dir: Path) -> None:
    """Parse every .feature file under features_dir; the first syntax error raises FeatureSyntaxError."""
    for path in sorted(features_dir.rglob("*.feature")):
        parse_feature(features_dir, path)


def parse_features(features_dir: Path, catalogue: Catalogue) -> list[Outline]:
    """Every scenario of every .feature file under features_dir, in file order."""
    outlines = []
    for path in sorted(features_dir.rglob("*.feature")):
        feature = parse_feature(features_dir, path)
        rel = relative_feature(feature.filename, features_dir)
        templates = sorted(feature.scenarios.values(), key=lambda t: t.line_number)
        for template in templates:
            outlines.append(Outline(feature=rel, feature_name=feature.name,
                                    feature_description=feature.description or "",
                                    feature_tags=sorted(feature.tags), template=template,
                                    cases=cases_of(template, features_dir, catalogue)))
    return outlines
