"""The Jinja2 environment of the HTML reports (templates/ beside this module)."""
from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined


def page_name(key: str) -> str:
    """The living-docs file of a milestone: exchange/TSE-0001.12b -> exchange-TSE-0001.12b.html."""
    return key.replace("/", "-") + ".html"


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
    return env
