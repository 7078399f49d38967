@exchange @TSE-0001.4.2
Feature: The exchange stores orders, trades and balances in its own schema through its adapter role
  Orders, trades and balances live in exchange.orders, exchange.trades and exchange.balances,
  written and read by the exchange adapter (the role the stack profile names). The monitor user reads them.

  @criterion:exchange.4.2.orders-stored @criterion:exchange.4.2.trades-stored
  Scenario: A filled market order is stored in exchange.orders and its fill in exchange.trades
    Given an exchange account funded with 100000 USD
    When the account places a market BUY order for 0.01 BTC/USD
    Then the monitor user finds the order FILLED in exchange.orders with the quantity 0.01
    And the monitor user finds its trade in exchange.trades with the price and value the exchange answered
    And the exchange-simulator holds PostgreSQL sessions only as the exchange adapter

  @criterion:exchange.4.2.balances-read
  Scenario: The balances the exchange answers are the rows of exchange.balances
    Given an exchange account funded with 1234.5 USD and 0.75 ETH
    When the account places a market BUY order for 0.001 BTC/USD
    Then every balance the exchange answers for the account equals its row in exchange.balances
    And the exchange-simulator holds PostgreSQL sessions only as the exchange adapter
