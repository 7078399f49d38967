@TSE-0001.3a @orchestrator @observability
Feature: Prometheus collects the metrics of every service of the stack
  The stack carries a Prometheus configuration (stack/prometheus/prometheus.yml) that scrapes
  the metrics (/metrics, or the path the service serves) of every HTTP service, the service registry included. A real Prometheus server runs it
  (the embedded stack points its targets at the run's ports) and reports every target up. Every
  service's metrics pass promtool's linter, and no exported label collides with a target label:
  the instance name is exported as service_instance, since Prometheus owns `instance`.

  @criterion:orchestrator.3a.prometheus-scrape-config
  Scenario: The Prometheus configuration is valid and scrapes every HTTP service
    Given the Prometheus configuration of the stack
    Then promtool check config accepts it
    And it scrapes the metrics of every HTTP service of the compose file, the service registry included

  @criterion:orchestrator.3a.prometheus-targets-up @severity:critical
  Scenario: Prometheus reports up == 1 for every target
    Given the Prometheus server of the stack
    Then within 20 seconds Prometheus reports up == 1 for every target of its configuration

  @criterion:orchestrator.3a.metrics-lint
  Scenario: The metrics of every HTTP service pass promtool check metrics
    When a client scrapes the metrics of every HTTP service of the stack
    Then promtool check metrics accepts every scrape

  @criterion:orchestrator.3a.metric-label-collisions
  Scenario: No exported label collides with a Prometheus target label
    Given the Prometheus server of the stack
    When Prometheus has scraped every target of its configuration
    Then no label name Prometheus stores starts with "exported_"
    And no target exports a label that its scrape job attaches as a target label

  @criterion:orchestrator.12.0.instance-aware-metrics
  Scenario: Prometheus tells the instances of every service apart
    Given the Prometheus server of the stack
    When Prometheus has scraped every target of its configuration
    Then counting http_requests_total by service and service_instance gives every instance of every HTTP service of the compose file
