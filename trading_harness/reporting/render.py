"""The Jinja2 environment of the HTML reports (templates/ beside this module)."""
from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined


def page_name(key: str) -> str:
    """The living-docs file of a milestone: exchange/TSE-0001.12b -> exchange-TSE-0001.12b.html."""
    return key.replace("/", "-") + ".html"


RUN_DEFAULTS = {"generated": "unknown", "commit": "unknown", "target": "unknown", "selection": "", "scenarios": 0,
                "passed": 0, "failed": 0, "skipped": 0, "subset": [], "stack_dir": "", "reference_stack": None,
                "started": None, "images": {}, "substituted": {}, "tools": {}, "ci_url": None, "profile": {},
                "cases_total": None, "kept": None}


def run_facts(run: dict | None) -> dict:
    """The run's facts with every key the templates read (an older run.json lacks the newer ones)."""
    return {**RUN_DEFAULTS, **(run or {})}


def anchor(key: str) -> str:
    """The HTML id of a scenario or an Examples row, from its case key."""
    return "s-" + "".join(ch if ch.isalnum() else "-" for ch in key)


ICONS = {"passed": "✔", "PASS": "✔", "failed": "✖", "error": "✖", "FAIL": "✖", "skipped": "➖",
         "INCOMPLETE": "◐", "not run": "○", "not-run": "○", "NOT RUN": "○", "no-scenario": "∅", "no scenario": "∅",
         "NOT ENCODED": "∅", "advisory": "⚠"}


def icon(state: str) -> str:
    """A glyph for a state, so that it never rests on colour alone."""
    return ICONS.get(state, "•")


def css_class(state: str) -> str:
    return state.replace(" ", "-")


def seconds(value: float | None) -> str:
    if value is None:
        return ""
    if value < 0.01:
        return f"{value * 1000:.1f} ms"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("trading_harness.reporting", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["page"] = page_name
    env.filters["seconds"] = seconds
    env.filters["icon"] = icon
    env.filters["css"] = css_class
    env.filters["anchor"] = anchor
    return env
