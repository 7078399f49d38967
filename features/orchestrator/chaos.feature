@orchestrator @chaos
Feature: Chaos scenarios are injected, detected by the risk monitor, correlated by the audit correlator, and reset
  The test coordinator (the seeds' "Test Coordinator", Scenario API) runs the six scenarios of the seeds'
  README from stack/scenarios/*.yaml. It injects each through the services' control APIs (their audit
  ports), under one scenario id and one W3C trace context. The risk monitor detects it with an alert within
  the bound the scenario states; the audit correlator links the injection to the alert and reports the
  detection latency; a reset brings every service back to its baseline. A scenario that fails half-way is
  reset by the fixture's finaliser, and a held scenario by the coordinator's own timeout.

  @criterion:orchestrator.chaos.list
  Scenario: The test coordinator lists the six scenarios of the seeds, each with its detection bound
    When the test coordinator lists its scenarios
    Then the coordinator offers market-crash, stablecoin-depeg, exchange-downtime, settlement-failure, strategy-malfunction and feed-disruption
    And each scenario names the alerts that detect it and a detection bound

  Scenario Outline: <scenario> is injected, detected within its bound, correlated and reset
    Given the prices before the scenario are noted
    When the test coordinator runs <scenario>
    Then <effect>
    And the risk monitor raised <alerts> for the scenario within the bound it states
    And the audit correlator links the injection to the alert by scenario id and trace id, with the detection latency
    When the test coordinator resets the scenario
    Then every service is back at its baseline

    @criterion:orchestrator.chaos.market-crash @criterion:orchestrator.chaos.reset
    Examples: market crash
      | scenario     | effect                                                      | alerts     |
      | market-crash | every asset's price fell 15% in one coordinated update | price_drop |

    @criterion:orchestrator.chaos.stablecoin-depeg @criterion:orchestrator.chaos.reset
    Examples: stablecoin depeg
      | scenario         | effect                                                                 | alerts |
      | stablecoin-depeg | USDT/USD slid from its peg to 0.95 in 36 steps over 36 compressed hours | depeg  |

    @criterion:orchestrator.chaos.exchange-downtime @criterion:orchestrator.chaos.reset
    Examples: exchange downtime
      | scenario          | effect                                                                     | alerts               |
      | exchange-downtime | the exchange refused the strategy's orders while down and accepts orders again | exchange_unavailable |

    @criterion:orchestrator.chaos.settlement-failure @criterion:orchestrator.chaos.reset
    Examples: settlement failure
      | scenario           | effect                                                                        | alerts                                |
      | settlement-failure | the strategy's settlements were held PENDING, then FAILED with the injected reason | settlement_delayed, settlement_failed |

    @criterion:orchestrator.chaos.strategy-malfunction @criterion:orchestrator.chaos.reset
    Examples: strategy malfunction
      | scenario             | effect                                                         | alerts         |
      | strategy-malfunction | the strategy engine placed more than 10 orders within one second | runaway_orders |

    @criterion:orchestrator.chaos.feed-disruption @criterion:orchestrator.chaos.reset
    Examples: feed disruption
      | scenario        | effect                                                             | alerts                       |
      | feed-disruption | market data quotes arrive 2 seconds old and crossed, bid above ask | feed_latency, feed_corruption |

  @criterion:orchestrator.chaos.reset
  Scenario: The coordinator resets a held scenario by itself when its timeout passes
    Given the prices before the scenario are noted
    When the test coordinator runs a posted scenario that crashes the market and holds it for 1s at most
    Then the coordinator resets it by itself, giving the reason timeout
    And every service is back at its baseline

  @criterion:orchestrator.chaos.list
  Scenario: A custom scenario file runs by path
    Given a scenario file "custom-crash.yaml" that shocks every asset by -12 percent
    When the test coordinator runs that file by its path
    Then the run is named custom-crash and the risk monitor raised price_drop for it
    When the test coordinator resets the scenario
    Then every service is back at its baseline

  @criterion:orchestrator.chaos.list
  Scenario Outline: The coordinator refuses <case> with a JSON error and starts nothing
    When the test coordinator is asked to run <body>
    Then it answers <status> with the error <error> and its state stays idle

    Examples:
      | case                  | body                                                     | status | error             |
      | an unknown scenario   | the scenario no-such-scenario                            | 404    | unknown_scenario  |
      | a missing file        | the file /nonexistent/scenario.yaml                      | 422    | invalid_scenario  |
      | invalid YAML          | the definition "name: [unclosed"                         | 422    | invalid_scenario  |
      | an unknown action     | the definition "{name: x, detect: {alerts: [a], within: 1s}, steps: [{action: nuke}]}" | 422 | invalid_scenario |
