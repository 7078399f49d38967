@exchange @TSE-0001.5b
Feature: Exchange orders fill at the market price, rest on the book and never overdraw
  A market order fills at once against market-data's quote, fetched over gRPC through discovery: a
  BUY at the ask, a SELL at the bid. One transaction writes the order, the trade, the order_history
  rows, both balance legs, the audit rows and the settlement instructions. An order the balance
  cannot cover is kept as REJECTED with a reason (422) and moves no balance. Limit orders lock their
  funds, rest on an in-memory book per symbol and match with price-time priority at the resting
  order's price; a resting order can be cancelled. Money is decimal: strings with 8 places in JSON.

  @criterion:exchange.5b.place-market-order @criterion:exchange.5b.immediate-fill
  Scenario Outline: A market <side> fills at once at the <quote_side>, also after the price moves
    Given an exchange account funded with 100000 USD and 2 BTC
    And market-data quotes BTC/USD at 60000 with its feed paused
    When the account places a market <side> order for 0.25 BTC/USD
    Then the order is confirmed FILLED at the <quote_side> of 60000
    When market-data quotes BTC/USD at 64000 with its feed paused
    And the account places a market <side> order for 0.25 BTC/USD
    Then the order is confirmed FILLED at the <quote_side> of 64000
    And the account's BTC and USD balances moved by exactly its fills

    Examples:
      | side | quote_side |
      | BUY  | ask        |
      | SELL | bid        |

  @criterion:exchange.5b.order-status
  Scenario Outline: A <kind> order reads <final> and its history <statuses>
    Given an exchange account funded with 1000 USD
    When the account places <order>
    Then the order reads <final> with the history <statuses>

    Examples:
      | kind                     | order                                     | final     | statuses                                  |
      | market                   | a market BUY order for 0.001 BTC/USD      | FILLED    | PENDING -> FILLED                         |
      | uncovered market         | a market BUY order for 10 BTC/USD         | REJECTED  | PENDING -> REJECTED                       |
      | resting limit            | a limit BUY order for 0.01 BTC/USD at 900 | OPEN      | PENDING -> OPEN                           |
      | cancelled resting limit  | a cancelled limit BUY order for 0.01 BTC/USD at 900 | CANCELLED | PENDING -> OPEN -> CANCELLED   |

  @criterion:exchange.5b.rejection-untouched
  Scenario Outline: <order> the balance cannot cover is REJECTED and leaves the balances untouched
    Given an exchange account funded with 500 USD and 0.002 BTC
    When the account places <order>
    Then the exchange answers 422 with the JSON error "insufficient_balance" naming <asset>
    And the order reads REJECTED with the history PENDING -> REJECTED
    And the account's balances are still 500 USD and 0.002 BTC with nothing locked
    And the rejected order has no trade and no settlement instruction

    Examples:
      | order                                      | asset |
      | a market BUY order for 0.5 BTC/USD         | USD   |
      | a market SELL order for 0.5 BTC/USD        | BTC   |
      | a limit BUY order for 0.5 BTC/USD at 59000 | USD   |
      | a limit SELL order for 0.5 BTC/USD at 99000 | BTC  |

  @criterion:exchange.5b.limit-orders
  Scenario: Limit orders rest on the book and match with price-time priority at the resting price
    Given these limit orders rest on ETH/USD:
      | seller | side | quantity | price   | funds |
      | A      | SELL | 0.5      | 3101.5  | 1 ETH |
      | B      | SELL | 0.5      | 3101.5  | 1 ETH |
      | C      | SELL | 0.3      | 3100.25 | 1 ETH |
    When a buyer funded with 10000 USD places a limit BUY order for 0.6 ETH/USD at 3101.5
    Then the buyer's order is FILLED by trades of 0.3 at 3100.25 with C and 0.3 at 3101.5 with A
    And A reads PARTIALLY_FILLED with 0.3 filled, B reads OPEN and C reads FILLED
    And the book of ETH/USD shows 0.7 asked at 3101.5 from A and B
    And the buyer holds 0.6 ETH and 8139.475 USD with nothing locked

  @criterion:exchange.5b.limit-orders
  Scenario: A resting order is back on the book after the exchange restarts, and still matches
    Given an exchange account funded with 1000 USD
    And the account rests a limit BUY order for 0.01 BTC/USD at 20500
    When the exchange-simulator service is stopped
    And the exchange-simulator service is started
    Then the book of BTC/USD shows 0.01 bid at 20500
    When a seller funded with 1 BTC places a limit SELL order for 0.01 BTC/USD at 20500
    Then the resting order reads FILLED and the account holds 0.01 BTC and 795 USD

  @criterion:exchange.5b.cancel-order
  Scenario: Cancelling a resting order releases its locked balance; a second cancel is refused with 409
    Given an exchange account funded with 1000 USD
    And the account rests a limit BUY order for 0.02 BTC/USD at 20000
    Then the account's USD balance reads available 600 and locked 400
    When the account cancels that order
    Then the order reads CANCELLED with the history PENDING -> OPEN -> CANCELLED
    And the account's USD balance reads available 1000 and locked 0
    And cancelling it again answers 409 with the JSON error "order_final"

  @criterion:exchange.5b.transaction-history
  Scenario: Every fill and deposit appears in the transaction history and the audit trail
    Given an exchange account funded with 100000 USD
    When the account places a market BUY order for 0.1 BTC/USD
    And the account places a market SELL order for 0.04 BTC/USD
    Then the transaction history lists both fills with their price and value, and the deposit, newest first
    And the audit trail holds a TRADE row for each balance leg of each fill

  @criterion:exchange.5b.no-overdraw
  Scenario: Orders placed in parallel against one account never overdraw it
    Given an exchange account funded with 1000 USD
    And market-data quotes BTC/USD at 50000 with its feed paused
    When the account places 12 market BUY orders for 0.006 BTC/USD at the same time
    Then at most 3 of them are FILLED and the others REJECTED
    And the USD spent by the fills plus the USD still available is exactly 1000
    And no balance of the account is negative in exchange.balances

  @criterion:exchange.5b.invalid-order
  Scenario Outline: An order with <problem> gets a 4xx JSON error and nothing is written
    Given an exchange account funded with 1000 USD
    When the account sends the order <body>
    Then the exchange answers <status> with the JSON error "<error>"
    And the account has no order, trade or settlement instruction and still 1000 USD

    Examples:
      | problem             | status | error           | body                                                                        |
      | a negative quantity | 422    | invalid_value   | {"symbol": "BTC/USD", "side": "BUY", "type": "MARKET", "quantity": "-1"}    |
      | a zero quantity     | 422    | invalid_value   | {"symbol": "BTC/USD", "side": "BUY", "type": "MARKET", "quantity": "0"}     |
      | a float quantity    | 422    | wrong_type      | {"symbol": "BTC/USD", "side": "BUY", "type": "MARKET", "quantity": 0.1}     |
      | an unknown symbol   | 422    | unknown_symbol  | {"symbol": "XYZ/USD", "side": "BUY", "type": "MARKET", "quantity": "1"}     |
      | an unquoted symbol  | 422    | unknown_symbol  | {"symbol": "ETH/BTC", "side": "BUY", "type": "MARKET", "quantity": "1"}     |
      | an unknown account  | 404    | unknown_account | {"account_id": "$unknown", "symbol": "BTC/USD", "side": "BUY", "type": "MARKET", "quantity": "1"} |
      | no price on a LIMIT | 422    | missing_field   | {"symbol": "BTC/USD", "side": "BUY", "type": "LIMIT", "quantity": "1"}      |
      | an unknown field    | 422    | unknown_field   | {"symbol": "BTC/USD", "side": "BUY", "type": "MARKET", "quantity": "1", "leverage": "10"} |
      | an unknown side     | 422    | invalid_value   | {"symbol": "BTC/USD", "side": "HOLD", "type": "MARKET", "quantity": "1"}    |
      | malformed JSON      | 400    | invalid_json    | {"symbol": "BTC/USD", "side": "BUY",                                        |

  @criterion:exchange.5b.decimal-money
  Scenario: Amounts are exact decimals end to end
    Given an exchange account funded with nothing
    When the audit API deposits 9999999.99999999 USD into the account
    And the audit API deposits 0.00000001 USD into the account
    And the audit API deposits 0.1 ETH into the account
    And the audit API deposits 0.2 ETH into the account
    Then the USD balance of the account reads available 10000000, locked 0 and total 10000000
    And the ETH balance of the account reads available 0.3, locked 0 and total 0.3
    And every amount the exchange answers for the account is a decimal string with 8 places
    And exchange.balances holds exactly 10000000.00000000 USD and 0.30000000 ETH for the account
