"""The TSE-0001.12.0 readers: owner variables of a one-shot step, the per-instance volumes in a compose
file, and a health_check() report of several schemas in its several forms."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from steps.probes import volume_init
from steps.probes.health_function import schema_reports
from trading_harness.definition import StackDefinition, compose_services
from trading_harness.stack_reader.owners import as_local, owner_variables, user_ids

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("env, expected", [
    ({"VOLUME_UID": "10001", "VOLUME_GID": "10001"}, {"VOLUME_UID": 10001}),
    ({"OWNER": "10001:10001"}, {"OWNER": 10001}),
    ({"CHOWN_TO": "0"}, {"CHOWN_TO": 0}),
    ({"OWNER": "harness", "UID_NOTE": "ten"}, {}),  # a name, not an id; not a number
    ({"INSTANCES": "a b", "HTTP_PORT": "8080"}, {}),  # not an owner's variable
])
def test_user_ids_are_read_from_the_owner_variables(env, expected):
    assert user_ids(env) == expected


def test_the_embedded_target_puts_its_own_ids_in_place():
    env = {"VOLUME_UID": "10001", "VOLUME_GID": "10002", "OWNER": "10001:10002"}
    assert set(owner_variables(env)) == set(env)
    assert [as_local(k, v, 7, 8) for k, v in env.items()] == ["7", "8", "7:8"]


def _services(tmp_path: Path, compose: dict, files: dict[str, str]) -> dict:
    (tmp_path / "docker-compose.yml").write_text(yaml.safe_dump(compose))
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return compose_services(tmp_path / "docker-compose.yml")


def _instance(name: str, mounts: list[str], wait: str = "service_completed_successfully") -> dict:
    return {"build": {"context": ".", "dockerfile": "app.Dockerfile"}, "command": ["python", "-m", "app"],
            "environment": {"SERVICE_NAME": name, "SERVICE_INSTANCE_NAME": name, "HTTP_PORT": "8080"},
            "volumes": mounts, "depends_on": {"dirs": {"condition": wait}}}


DOCKERFILE = "FROM python:3.11-slim\nRUN useradd --uid 4242 app\nUSER app\n"


def test_a_volume_step_in_other_names_is_recognised(tmp_path):
    services = _services(tmp_path, {"services": {
        "dirs": {"image": "busybox", "command": ["sh", "/x/make.sh"], "restart": "no",
                 "environment": {"ROOT": "/v", "OWNER": "4242:4242"},
                 "volumes": ["./make.sh:/x/make.sh:ro", "./volumes:/v"]},
        "alpha": _instance("alpha", ["./volumes/alpha/data:/state", "./volumes/alpha/logs:/log"]),
        "beta": _instance("beta", ["./volumes/beta/data:/state", "./volumes/beta/logs:/log"]),
    }}, {"make.sh": "for i in alpha beta; do mkdir -p $ROOT/$i/data $ROOT/$i/logs; done\n",
         "app.Dockerfile": DOCKERFILE})
    assert volume_init.volume_init(services)[0] == "dirs"
    assert volume_init.init_problems(tmp_path, services) == []
    assert volume_init.owner_problems(tmp_path, services) == []
    assert volume_init.mount_problems(services) == []
    assert volume_init.wait_problems(services) == []


def test_each_broken_part_is_named(tmp_path):
    services = _services(tmp_path, {"services": {
        "dirs": {"image": "busybox", "command": ["sh", "/x/make.sh"], "restart": "no",
                 "environment": {"VOLUME_UID": "0"}, "volumes": ["./make.sh:/x/make.sh:ro", "./volumes:/v"]},
        "alpha": _instance("alpha", ["./volumes/beta/data:/state", "./volumes/alpha/logs:/log"], "service_started"),
        "beta": _instance("beta", ["./volumes/beta/data:/state", "./volumes/beta/logs:/log"]),
    }}, {"make.sh": "for i in alpha; do mkdir -p $i; done\n", "app.Dockerfile": DOCKERFILE})
    assert volume_init.init_problems(tmp_path, services) == [
        "dirs: neither its command, its environment nor make.sh names the instances ['beta']"]
    assert volume_init.owner_problems(tmp_path, services) == ["dirs: VOLUME_UID=0, the instances' image runs as uid 4242"]
    mounts = volume_init.mount_problems(services)
    assert any("alpha: does not mount ./volumes/alpha/data" in p for p in mounts), mounts
    assert any("another instance's directory" in p for p in mounts), mounts
    assert volume_init.wait_problems(services) == ["alpha: depends_on dirs is 'service_started', not service_completed_successfully"]


def test_a_stack_without_a_volume_step_or_instances_fails_once(tmp_path):
    services = _services(tmp_path, {"services": {"alpha": _instance("alpha", [])}}, {"app.Dockerfile": DOCKERFILE})
    with pytest.raises(AssertionError, match="expected one one-shot step"):
        volume_init.volume_init(services)
    del services["alpha"].environment["SERVICE_INSTANCE_NAME"]
    with pytest.raises(AssertionError, match="no service names its instance"):
        volume_init.volume_init(services)


def test_the_stacks_in_the_repository_declare_their_volumes():
    for root in (REPO / "stack", REPO / "tests" / "stacks" / "renamed"):
        services = StackDefinition.load(root).services
        assert volume_init.init_problems(root, services) == [], root
        assert volume_init.owner_problems(root, services) == [], root
        assert volume_init.mount_problems(services) == [], root


SCHEMAS = ["audit", "audit_correlator"]


@pytest.mark.parametrize("rows", [
    # set-returning: one row per schema (the reference stack)
    [({"schema_name": "audit", "table_count": 4, "status": "healthy"},),
     ({"schema_name": "audit_correlator", "table_count": 4, "status": "healthy"},)],
    # jsonb keyed by schema, nested under its own status (the renamed stack)
    [({"health_check": {"status": "healthy", "schemas": {"audit": {"tables": 4, "status": "healthy"},
                                                          "audit_correlator": {"tables": 4, "status": "healthy"}}}},)],
    # a jsonb array, as text, with other key names
    [({"health_check": '[{"schema": "audit", "n": 4, "state": "ok"}, {"schema": "audit_correlator", "n": 4, "state": "ok"}]'},)],
])
def test_each_form_of_a_health_report_is_read(rows):
    reports = schema_reports(rows, SCHEMAS)
    assert {s: r[0] for s, r in reports.items()} == {"audit": 4, "audit_correlator": 4}
    assert all(str(r[1]) in ("healthy", "ok") for r in reports.values())


def test_a_report_that_omits_a_schema_lacks_it():
    rows = [({"schema_name": "audit", "table_count": 4, "status": "healthy"},)]
    assert set(schema_reports(rows, SCHEMAS)) == {"audit"}
    assert schema_reports([({"health_check": "healthy"},)], SCHEMAS) == {}
