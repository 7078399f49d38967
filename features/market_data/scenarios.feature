@TSE-0001.3b @market-data @criterion:market-data.3b.scenario-simulation
Feature: Market data simulates rally, crash, divergence and mean-reverting scenarios
  StreamScenario streams a simulated price path for one symbol without touching the live feed.
  With intensity i and start price s: a rally ends at least s*(1+i/2), a crash at most s*(1-i/2),
  a divergence ends at least i/2 away from the live price, a mean-reverting path starts at least
  i/2 away from the live price and ends within i/10 of it.

  Scenario Outline: A <type> scenario streams a path of its documented shape
    When a client streams a <type> scenario for BTC/USD with intensity 0.2 over 600 ms
    Then the scenario stream ends normally with progress from 0 to 1
    And the path has the <type> shape for intensity 0.2

    Examples:
      | type           |
      | RALLY          |
      | CRASH          |
      | DIVERGENCE     |
      | MEAN_REVERTING |

  Scenario Outline: A scenario with <problem> is refused with <code>
    When a client streams a <type> scenario for <symbol> with intensity <intensity> over <duration> ms
    Then the scenario stream is refused with <code>

    Examples:
      | problem               | type                      | symbol  | intensity | duration | code             |
      | an intensity above 1  | RALLY                     | BTC/USD | 1.5       | 500      | INVALID_ARGUMENT |
      | a zero intensity      | CRASH                     | BTC/USD | 0         | 500      | INVALID_ARGUMENT |
      | no duration           | DIVERGENCE                | BTC/USD | 0.2       | 0        | INVALID_ARGUMENT |
      | no scenario type      | SCENARIO_TYPE_UNSPECIFIED | BTC/USD | 0.2       | 500      | INVALID_ARGUMENT |
      | an unknown symbol     | MEAN_REVERTING            | XXX/USD | 0.2       | 500      | NOT_FOUND        |
