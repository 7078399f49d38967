@TSE-0001.3a @orchestrator @observability
Feature: Grafana dashboards query only metrics that the stack exports
  The stack ships Grafana provisioning and dashboards (stack/grafana/). A panel whose query names a
  metric no service exports stays empty for ever; this static check reads every dashboard's queries
  (panel targets and query variables) and finds each metric they name among the metrics the stack's
  HTTP services export (their /metrics families), or among the series Prometheus makes for every
  target (up, scrape_*).

  @criterion:orchestrator.3a.grafana-dashboards
  Scenario: Every metric a shipped dashboard queries is exported by some service
    Given the Grafana dashboards of the stack
    Then every metric their queries name is exported by a service of the stack or made by Prometheus
