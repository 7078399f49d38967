"""The ecosystem's service contract, checked for every application service the stack declares.

An application service is found in the stack itself (StackDefinition.application_services(): the
ecosystem's contract, SERVICE_NAME and HTTP_PORT), whatever it is called. Each check runs for every one
of them and names each service that breaks it; a service the target does not have is left out with the
reason, and a scenario none of whose services is there is skipped with those reasons.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from trading_harness.errors import ControlUnsupported, DependsOnFailure, ServiceAbsent, StackConfigError
from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack


class NotApplicable(Exception):
    """The check does not apply to this service (the stack does not ask for what it checks): the reason."""


def application_services(stack: Stack) -> list[str]:
    """The application services of the stack under test, by their compose names."""
    definition = stack.definition
    # The registry is infrastructure with its own contract (/health), even where it declares SERVICE_NAME.
    infrastructure = set(definition.profile.services.values())
    declared = getattr(definition, "application_services", None)
    if callable(declared):
        found = [item if isinstance(item, str) else item.name for item in declared()]
    else:  # before the definition classified services: the ecosystem's contract
        found = [name for name, spec in definition.services.items() if _has_contract(spec)]
    return [name for name in found if name in definition.services and name not in infrastructure]


def _has_contract(spec) -> bool:
    try:
        if spec.one_shot:
            return False
    except StackConfigError:
        pass
    return "SERVICE_NAME" in spec.environment and "HTTP_PORT" in spec.environment


@dataclass
class Verdicts:
    """What one check found for each service."""

    failures: dict[str, str] = field(default_factory=dict)
    passed: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)
    not_asked: dict[str, str] = field(default_factory=dict)  # the stack does not ask the service for it

    def conclude(self, what: str) -> None:
        """Fail naming each failing service; pass when the stack asks no service for it (the criterion only
        constrains what is asked, as with dashboards); skip (ServiceAbsent) when no service could be checked."""
        if self.failures:
            lines = "\n".join(f"  {name}: {problem}" for name, problem in self.failures.items())
            passed = f" ({len(self.passed)} passed: {', '.join(self.passed)})" if self.passed else ""
            raise AssertionError(f"{len(self.failures)} application service(s) do not {what}{passed}:\n{lines}")
        if not self.passed and not self.not_asked:
            reasons = "; ".join(f"{name}: {why}" for name, why in self.left_out.items())
            raise ServiceAbsent(f"no application service to check ({reasons or 'the stack declares none'})")


def each_service(stack: Stack, evidence: Evidence, what: str, check: Callable[[str], None],
                 services: list[str] | None = None) -> Verdicts:
    """Run `check(service)` for every application service; raise naming every one that fails."""
    verdicts = Verdicts()
    for service in application_services(stack) if services is None else services:
        try:
            check(service)
        except NotApplicable as exc:
            verdicts.not_asked[service] = str(exc)
        except (ServiceAbsent, ControlUnsupported, DependsOnFailure) as exc:
            verdicts.left_out[service] = str(exc)
        except AssertionError as exc:
            verdicts.failures[service] = str(exc).strip() or type(exc).__name__
        except Exception as exc:  # noqa: BLE001 - a refused connection or a bad reply is this service's failure
            verdicts.failures[service] = f"{type(exc).__name__}: {exc}"
        else:
            verdicts.passed.append(service)
    evidence.record("contract", f"{what}: every application service",
                    f"passed {verdicts.passed}, failed {sorted(verdicts.failures)}, left out {verdicts.left_out}, "
                    f"not asked {verdicts.not_asked}")
    verdicts.conclude(what)
    return verdicts
