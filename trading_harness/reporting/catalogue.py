"""The milestone catalogue (features/milestones.yml): milestones keyed component/ID, with their criteria."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import yaml

from trading_harness.errors import HarnessError

SEVERITIES = ("blocker", "critical", "normal", "minor", "trivial")
SERIES_PREFIX = "TSE-0001."
# libyaml's safe loader where PyYAML has it: the catalogue in 5 ms, not 55 (read by every pytest run)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class CatalogueError(HarnessError):
    """The catalogue file is missing, does not parse, or breaks one of its rules."""


@dataclass(frozen=True)
class Criterion:
    id: str
    text: str
    milestone: str  # its milestone's key
    severity: str | None = None


@dataclass(frozen=True)
class Milestone:
    key: str  # component/ID
    component: str
    id: str
    title: str
    acceptance: str
    document: str
    section: str
    criteria: tuple[Criterion, ...]
    excluded: tuple[dict, ...] = ()

    @property
    def anchor(self) -> str:
        return heading_anchor(self.section)


@dataclass
class Catalogue:
    path: Path
    seeds: Path
    milestones: dict[str, Milestone] = field(default_factory=dict)
    criteria: dict[str, Criterion] = field(default_factory=dict)

    @property
    def components(self) -> list[str]:
        return sorted({m.component for m in self.milestones.values()})

    def keys_for(self, milestone_id: str) -> list[str]:
        """Every key that a milestone argument names: `component/ID`, or a bare ID (maybe several)."""
        if "/" in milestone_id:
            return [milestone_id] if milestone_id in self.milestones else []
        return [k for k, m in self.milestones.items() if m.id == milestone_id]

    def select(self, milestones: list[str], components: list[str]) -> list[str]:
        """The keys that --milestone and --component select; a clear error for an unknown name."""
        keys: list[str] = []
        for name in milestones:
            found = self.keys_for(name)
            if not found:
                raise CatalogueError(f"--milestone {name}: no such milestone in {self.path.name}. "
                                     f"Known: {', '.join(self.milestones)}")
            keys += found
        for component in components:
            found = [k for k, m in self.milestones.items() if m.component == component]
            if not found:
                raise CatalogueError(f"--component {component}: no milestone of that component in {self.path.name}. "
                                     f"Known components: {', '.join(self.components)} "
                                     f"(tags such as @service-registry select with -m)")
            keys += found
        return list(dict.fromkeys(keys))

    def link(self, milestone: Milestone, base: str | None = None) -> str:
        """Where the milestone's seed section is: base URL (or the seeds folder) + document#anchor."""
        if base:
            return f"{base.rstrip('/')}/{quote(milestone.document)}#{milestone.anchor}"
        return f"{self.seeds.resolve().as_uri()}/{quote(milestone.document)}#{milestone.anchor}"


def heading_anchor(heading: str) -> str:
    """The anchor a Markdown renderer (GitHub style) gives a heading."""
    text = unicodedata.normalize("NFC", heading).strip().lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def milestone_suffix(milestone_id: str) -> str:
    """The part of a milestone ID that criterion IDs carry: 3a for TSE-0001.3a, tse-0002 for TSE-0002."""
    if milestone_id.startswith(SERIES_PREFIX):
        return milestone_id[len(SERIES_PREFIX):].lower()
    return milestone_id.lower()


def load(path: Path) -> Catalogue:
    """Read and check the catalogue; every problem is one CatalogueError naming the entry."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(), Loader=SAFE_LOADER)
    except FileNotFoundError:
        raise CatalogueError(f"the milestone catalogue {path} does not exist (pass --catalogue PATH)") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("milestones"), dict):
        raise CatalogueError(f"{path}: expected a mapping with a 'milestones' mapping")
    catalogue = Catalogue(path=path, seeds=(path.parent / data.get("seeds", "../../shared/seeds")))
    for key, entry in data["milestones"].items():
        milestone = _milestone(path, key, entry)
        catalogue.milestones[key] = milestone
        for criterion in milestone.criteria:
            if criterion.id in catalogue.criteria:
                raise CatalogueError(f"{path}: criterion {criterion.id} appears twice "
                                     f"({catalogue.criteria[criterion.id].milestone} and {key})")
            catalogue.criteria[criterion.id] = criterion
    return catalogue


def _milestone(path: Path, key: object, entry: object) -> Milestone:
    where = f"{path.name}: {key}"
    if not isinstance(key, str) or key.count("/") != 1:
        raise CatalogueError(f"{where}: a milestone key is component/ID, e.g. exchange/TSE-0001.12b")
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: expected a mapping")
    missing = [f for f in ("title", "acceptance", "source", "criteria") if not entry.get(f)]
    source = entry.get("source") or {}
    missing += [f"source.{f}" for f in ("document", "section") if isinstance(source, dict) and not source.get(f)]
    if missing:
        raise CatalogueError(f"{where}: missing {', '.join(missing)}")
    component, milestone_id = key.split("/")
    prefix = f"{component}.{milestone_suffix(milestone_id)}."
    criteria = []
    for raw in entry["criteria"]:
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("text"):
            raise CatalogueError(f"{where}: every criterion needs an id and a text, got {raw!r}")
        cid, severity = str(raw["id"]), raw.get("severity")
        if not cid.startswith(prefix) or not _SLUG.match(cid[len(prefix):]):
            raise CatalogueError(f"{where}: criterion ID {cid} must be {prefix}<slug> (lower case, digits, hyphens)")
        if severity is not None and severity not in SEVERITIES:
            raise CatalogueError(f"{where}: {cid} has severity {severity!r}; use one of {', '.join(SEVERITIES)}")
        criteria.append(Criterion(cid, " ".join(str(raw["text"]).split()), key, severity))
    return Milestone(key=key, component=component, id=milestone_id, title=str(entry["title"]),
                     acceptance=" ".join(str(entry["acceptance"]).split()), document=str(source["document"]),
                     section=str(source["section"]), criteria=tuple(criteria),
                     excluded=tuple(entry.get("excluded") or ()))
