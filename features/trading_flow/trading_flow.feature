@exchange @TSE-0001.12b
Feature: Trading flow: an order flows from a funded account through the exchange to the custodian
  A trader funds an exchange account (the exchange's audit deposit) and places market orders. Every
  balance movement becomes a settlement instruction that the exchange sends to the custodian
  (gRPC InstructSettlement); the custodian settles each one step per settlement cycle. Once every
  settlement is COMPLETED, the exchange's balances, the custodian's positions and the custodian's
  balances agree asset by asset, and the risk monitor (subscribed to the price stream, reading both
  production APIs) values the position at the latest price it received.

  @criterion:exchange.12b.end-to-end @criterion:exchange.12b.settlement @criterion:exchange.12b.risk-monitoring
  @criterion:exchange.12b.reconciliation
  Scenario: A funded account buys BTC; the trade settles, reconciles and the risk monitor sees it valued
    Given the risk monitor subscribes to BTC/USD and ETH/USD and reads the exchange-simulator
    And a new account on the exchange-simulator funded with 100000 USD through the exchange's audit deposit
    When the trader places a market BUY of 0.5 BTC/USD
    Then the order is FILLED at the market price
    And every settlement instruction of the account reaches the custodian and moves PENDING -> IN_PROGRESS -> COMPLETED
    And the account's positions and balances reconcile between the exchange and the custodian
    And the risk monitor sees the account's BTC position valued at the current BTC/USD price

  @criterion:exchange.12b.end-to-end @criterion:exchange.12b.settlement @criterion:exchange.12b.reconciliation
  @criterion:exchange.12b.risk-monitoring
  Scenario Outline: A market <side> of <quantity> <symbol> on the <exchange> settles and reconciles
    Given the risk monitor subscribes to <symbol> and reads the <exchange>
    And a new account on the <exchange> funded with <funds> through the exchange's audit deposit
    When the trader places a market <side> of <quantity> <symbol>
    Then the order is FILLED at the market price
    And every settlement instruction of the account reaches the custodian and moves PENDING -> IN_PROGRESS -> COMPLETED
    And the account's positions and balances reconcile between the exchange and the custodian
    And the risk monitor sees the account's <base> position valued at the current <symbol> price

    Examples: exchange-simulator
      | exchange           | side | quantity | symbol  | base | funds                |
      | exchange-simulator | BUY  | 2.5      | ETH/USD | ETH  | 50000 USD            |
      | exchange-simulator | SELL | 0.75     | BTC/USD | BTC  | 2 BTC                |
      | exchange-simulator | SELL | 3        | ETH/USD | ETH  | 10 ETH and 100 USD   |

    Examples: exchange-okx
      | exchange     | side | quantity | symbol  | base | funds     |
      | exchange-okx | BUY  | 0.1      | BTC/USD | BTC  | 20000 USD |

  @criterion:exchange.12b.normal-operations @criterion:exchange.12b.settlement @criterion:exchange.12b.risk-monitoring
  @criterion:exchange.12b.reconciliation
  Scenario: Under a bounded normal load every order completes without an error and settles
    Given the risk monitor subscribes to BTC/USD and reads the exchange-simulator
    And a new account on the exchange-simulator funded with 500000 USD and 5 BTC through the exchange's audit deposit
    When the trader places 20 market orders, alternately BUY and SELL of 0.01 BTC/USD, over 2 seconds
    Then every order was answered without an error and is FILLED
    And the risk monitor's BTC/USD price stayed fresh while the orders were placed
    And every settlement instruction of the account reaches the custodian and moves PENDING -> IN_PROGRESS -> COMPLETED
    And the account's positions and balances reconcile between the exchange and the custodian
