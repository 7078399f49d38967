"""Sentences about a simulator's Prometheus metrics."""
from __future__ import annotations

import uuid

import pytest
from pytest_bdd import given, parsers, then, when

from steps.probes.service_probe import Reply, ServiceProbe
from steps.probes.simulator_spec import simulator
from trading_harness.polling import DeadlineExceeded, wait_until

INSTANCE_LABEL = "service_instance"  # the seeds' `instance`, renamed: Prometheus owns the target label `instance`
CONSTANT_LABELS = ("service", INSTANCE_LABEL, "version")
COUNTED_WITHIN = 2.0  # seconds: how long after its answer a request may appear in the counters


@pytest.fixture
def counters_before() -> dict:
    """Samples read before a scenario's requests, per service."""
    return {}


@pytest.fixture
def paths_sent() -> list:
    return []


@when(parsers.parse("a client scrapes /metrics on the {service}"), target_fixture="scrape")
def scrapes(service_probe: ServiceProbe, service: str):
    return service_probe.metrics(service)


@then("the reply is 200 and parses as Prometheus text")
def parses(scrape):
    reply, samples = scrape
    assert reply.status_code == 200 and samples, reply.text[:300]


@then(parsers.parse('its content type is "{content_type}"'))
def content_type(scrape, content_type: str):
    assert scrape[0].headers["content-type"].startswith(content_type), scrape[0].headers


@then(parsers.parse("it has the metrics {names}"))
def has_metrics(scrape, names: str):
    wanted = [n.strip() for n in names.replace(" and ", ", ").split(",")]
    present = {s.name for s in scrape[1]}
    missing = [n for n in wanted if n not in present]
    assert not missing, f"missing {missing}"


@then(parsers.parse("every http_ sample carries the labels service, service_instance and version of the {service}"))
def constant_labels(stack, scrape, service: str):
    spec = simulator(stack, service)
    samples = [s for s in scrape[1] if s.name.startswith("http_")]
    assert samples, "no http_ samples"
    for s in samples:
        assert s.labels.get("service") == spec.service_name and s.labels.get(INSTANCE_LABEL) == spec.instance, s
        assert s.labels.get("version"), s


@then(parsers.parse('every http_ sample has the service_instance label "{instance}"'))
def instance_label(scrape, instance: str):
    samples = [s for s in scrape[1] if s.name.startswith("http_")]
    assert samples, "no http_ samples"
    wrong = [s for s in samples if s.labels.get(INSTANCE_LABEL) != instance]
    assert not wrong, f"{len(wrong)} samples without {INSTANCE_LABEL}={instance!r}, e.g. {wrong[0]}"


# -- counters ------------------------------------------------------------------------------
@given(parsers.parse("the request counters of the {service} are noted"))
def noted(service_probe: ServiceProbe, counters_before: dict, service: str):
    counters_before[service] = service_probe.metrics(service)[1]


def _value(samples, name: str, method: str, route: str, code: str) -> float:
    wanted = {"method": method, "route": route, "code": code}
    return sum(s.value for s in samples if s.name == name and wanted.items() <= s.labels.items())


@when(parsers.parse("a client asks the {service} for {count:d} different ids under {pattern}"), target_fixture="reply")
def asks_ids(service_probe: ServiceProbe, paths_sent: list, service: str, count: int, pattern: str):
    for _ in range(count):
        paths_sent.append(pattern.replace("{id}", str(uuid.uuid4())))
    return [Reply(service, service_probe.get(service, path)) for path in paths_sent][-1]


@when(parsers.parse("a client asks the {service} for {count:d} random unknown paths"), target_fixture="reply")
def asks_unknown(service_probe: ServiceProbe, paths_sent: list, service: str, count: int):
    for _ in range(count):
        paths_sent.append(f"/no-such-{uuid.uuid4().hex[:12]}")
    return [Reply(service, service_probe.get(service, path)) for path in paths_sent][-1]


def _delta(service_probe, counters_before, name, service, method, route, code) -> tuple[float, float]:
    assert service in counters_before, f"the counters of {service} were not noted before the requests"
    before = _value(counters_before[service], name, method, route, code)
    after = _value(service_probe.metrics(service)[1], name, method, route, code)
    return before, after


@then(parsers.parse('{name} of the {service} for {method} "{route}" code "{code}" went up by at least {delta:d}'))
def went_up(service_probe: ServiceProbe, counters_before: dict, name: str, service: str, method: str, route: str,
            code: str, delta: int):
    seen: list[tuple[float, float]] = []

    def grown() -> bool:
        seen.append(_delta(service_probe, counters_before, name, service, method, route, code))
        return seen[-1][1] - seen[-1][0] >= delta

    try:  # a service may count a request just after answering it (Go's promhttp does), so the growth is awaited
        wait_until(grown, COUNTED_WITHIN, interval=0.02, message="the counter to grow")
    except DeadlineExceeded:
        if not seen:
            raise
        before, after = seen[-1]
        raise AssertionError(f"{name}{{method={method},route={route},code={code}}}: {before} -> {after} "
                             f"{COUNTED_WITHIN:.0f} s after the requests") from None


@then(parsers.parse('{name} of the {service} for {method} "{route}" code "{code}" stayed the same'))
def stayed(service_probe: ServiceProbe, counters_before: dict, name: str, service: str, method: str, route: str, code: str):
    before, after = _delta(service_probe, counters_before, name, service, method, route, code)
    assert after == before, f"{name}{{method={method},route={route},code={code}}}: {before} -> {after}"


@then(parsers.parse("no metric of the {service} carries one of those paths as a label"))
def no_paths(service_probe: ServiceProbe, paths_sent: list, service: str):
    _, samples = service_probe.metrics(service)
    values = {v for s in samples for v in s.labels.values()}
    leaked = [p for p in paths_sent if p in values]
    assert not leaked, f"paths used as label values: {leaked}"
