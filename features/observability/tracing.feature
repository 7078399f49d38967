@TSE-0001.3a @orchestrator @observability @tracing
Feature: W3C trace context follows a trading flow, and the audit correlator groups it
  A client sends a sampled W3C traceparent with a market order. The exchange continues the trace in
  its own span, asks market data for the price over gRPC with the context in the call's metadata,
  and the settlement instructions it sends to the custodian later (from its outbox, over gRPC)
  continue the same trace. Each hop records its span with the audit correlator, which serves the
  flow's events grouped by trace id (GET /api/v1/traces/{trace_id}).

  @criterion:orchestrator.3a.trace-propagation
  Scenario: A traceparent sent with an order reaches market data and the custodian
    Given a new account on the exchange-simulator funded with 100000 USD through the exchange's audit deposit
    When the trader sends a market BUY of 0.01 BTC/USD with a new sampled traceparent
    Then within 5 seconds the audit correlator's trace of that traceparent has spans of exchange-simulator, market-data-simulator and custodian-simulator
    And the exchange-simulator's span is a child of the client's span
    And every span of market-data-simulator and custodian-simulator descends from the exchange-simulator's span

  @criterion:orchestrator.3a.trace-correlation
  Scenario: The audit correlator groups each flow's events by its trace id
    Given a new account on the exchange-simulator funded with 100000 USD through the exchange's audit deposit
    When the trader sends 2 market BUY orders of 0.01 BTC/USD, each with its own sampled traceparent
    Then within 5 seconds the audit correlator's trace of each traceparent has spans of exchange-simulator, market-data-simulator and custodian-simulator
    And each trace holds only events with its own trace id, among them the order.placed of its own order
    And an unknown trace id gets 404 and a malformed one 422
