@TSE-0001.4 @orchestrator
Feature: Every application service the stack declares keeps the ecosystem's service contract
  The application services are found in the stack itself (the ecosystem's contract: SERVICE_NAME and
  HTTP_PORT in the environment), whatever they are called and whatever they are written in: services
  the reference stack does not have are checked under their own names. Each scenario checks every
  one of them and names each one that breaks the criterion; a service the target does not run is left
  out with the reason.

  @criterion:orchestrator.4.service-healthy
  Scenario: Every application service answers its REST health check
    Then every application service answers /api/v1/health with 200, status healthy, its name and its version

  @criterion:orchestrator.4.service-ready
  Scenario: Every application service answers that it is ready
    Then every application service answers /api/v1/ready with 200 and ready true

  @criterion:orchestrator.4.service-metrics
  Scenario: Every application service exposes Prometheus metrics
    Then every application service serves Prometheus text at /metrics or /api/v1/metrics

  @criterion:orchestrator.4.structured-logs
  Scenario: Every application service logs structured JSON lines
    Then every application service asked for JSON logs logs one JSON object with a level per line

  @criterion:orchestrator.4.clean-logs
  Scenario: No application service logs an error line
    Then no application service logged an error line

  @lifecycle @criterion:orchestrator.4.service-shutdown
  Scenario: Every application service exits 0 within 5 seconds of SIGTERM
    When every application service receives SIGTERM, each exits with code 0 within 5 seconds

  @criterion:orchestrator.4.adapter-credentials
  Scenario: Every application service uses its own adapter credentials
    Then every application service logs in to PostgreSQL and Redis with its own credentials, never as a superuser, the default or the admin user

  @criterion:orchestrator.4.acl-user
  Scenario: Every application service keeps its Redis keys in its own namespace
    Then the Redis user of every application service may write its own namespace and no key outside it

  @criterion:orchestrator.4.database-connected
  Scenario: Every application service reaches its own PostgreSQL schema
    Then the PostgreSQL role of every application service may use its own schema and read its tables
