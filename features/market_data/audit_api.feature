@TSE-0001.5 @market-data @criterion:market-data.5.audit-api
Feature: The market-data audit/control API steers the feed, off the production API
  The audit/control API listens on its own port (AUDIT_PORT): it reports the internal state, sets a
  price, applies a shock, pauses and resumes the feed and changes the tick interval. Every change is
  undone after the scenario.

  Scenario: The audit API sets a price that the feed publishes at once
    Given the audit API pauses the feed
    When the audit API sets the price of BTC/USD to 55555
    Then the REST price of BTC/USD is 55555 with the next feed sequence
    And the audit state reports BTC/USD at 55555

  Scenario: The audit API applies a shock to a price
    Given the audit API pauses the feed
    When the audit API sets the price of ETH/USD to 2000
    And the audit API applies a shock of -10 percent to ETH/USD
    Then the REST price of ETH/USD is 1800 with the next feed sequence

  @timing
  Scenario: The audit API pauses and resumes the feed
    When the audit API pauses the feed
    Then the audit state reports the feed paused
    And the feed sequence of BTC/USD does not advance for 5 price intervals
    When the audit API resumes the feed
    Then the feed sequence of BTC/USD advances within 5 price intervals

  Scenario Outline: The audit API refuses <case> with a JSON error and changes nothing
    Given the audit API pauses the feed
    When the audit API receives <method> <path> with <body>
    Then the audit API answers <status> with a JSON error
    And the audit state is unchanged

    Examples:
      | case              | method | path                                 | body                 | status |
      | a negative price  | PUT    | /audit/v1/prices/BTC/USD             | {"price": "-5"}      | 422    |
      | a float price     | PUT    | /audit/v1/prices/BTC/USD             | {"price": 5.5}       | 422    |
      | an unknown symbol | PUT    | /audit/v1/prices/XXX/USD             | {"price": "5"}       | 404    |
      | a -100% shock     | POST   | /audit/v1/prices/BTC/USD/shock       | {"percent": "-100"}  | 422    |
      | a zero interval   | PUT    | /audit/v1/feed/interval              | {"seconds": "0"}     | 422    |
      | an unknown field  | PUT    | /audit/v1/feed/interval              | {"second": "1"}      | 422    |

  Scenario Outline: The production port does not serve the audit API: <method> <path>
    When a client sends <method> <path> to the production port of market data
    Then the production port answers 404 and the audit state is unchanged

    Examples:
      | method | path                           |
      | GET    | /audit/v1/state                |
      | PUT    | /audit/v1/prices/BTC/USD       |
      | POST   | /audit/v1/feed/pause           |
      | PUT    | /audit/v1/feed/interval        |
