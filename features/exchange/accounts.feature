@exchange @TSE-0001.5a
Feature: Exchange accounts hold balances in BTC, ETH, USD and USDT
  A trading engine opens one account per user and account type (SPOT, MARGIN or FUTURES) and gets
  its id. An account has a status (ACTIVE, SUSPENDED, CLOSED) and a KYC status (PENDING, APPROVED,
  REJECTED), and a balance in each of BTC, ETH, USD and USDT with an available and a locked amount.
  The audit/control API funds accounts (deposits). Every change of an account, a balance or an order
  leaves a row in exchange.audit_log; order status changes also in exchange.order_history.

  @criterion:exchange.5a.create-account @criterion:exchange.5a.query-account @criterion:exchange.5a.multi-asset-balances
  Scenario: A trading engine opens a SPOT account and reads it back with its four balances
    When a trading engine opens a SPOT account on the exchange
    Then the exchange answers 201 with the account's id, status ACTIVE and KYC status PENDING
    And the account reads back with zero balances in BTC, ETH, USD and USDT
    And the monitor user finds the account in exchange.accounts with one exchange.balances row per asset

  @criterion:exchange.5a.unique-account
  Scenario: A second SPOT account for the same user is refused with 409 and nothing is written
    Given an exchange account funded with 10 USD
    When the same user opens another SPOT account
    Then the exchange answers 409 with the JSON error "conflict"
    And the user still has one account, four balance rows and the same audit rows

  @criterion:exchange.5a.deposit @criterion:exchange.5a.balance-per-asset
  Scenario Outline: A deposit of <amount> <asset> shows in the available <asset> balance
    Given an exchange account funded with nothing
    When the audit API deposits <amount> <asset> into the account
    Then the <asset> balance of the account reads available <amount>, locked 0 and total <amount>
    And every other asset of the account reads 0

    Examples:
      | asset | amount    |
      | BTC   | 1.5       |
      | ETH   | 12.25     |
      | USD   | 1000      |
      | USDT  | 250.12345 |

  @criterion:exchange.5a.insufficient-balance
  Scenario Outline: A market <side> the account cannot cover is refused, naming <asset>
    Given an exchange account funded with 100 USD and 0.001 BTC
    When the account places a market <side> order for 1 BTC/USD
    Then the exchange answers 422 with the JSON error "insufficient_balance" naming <asset>

    Examples:
      | side | asset |
      | BUY  | USD   |
      | SELL | BTC   |

  @criterion:exchange.5a.audit-trail
  Scenario: Opening, funding and trading an account leave an audit trail
    Given an exchange account funded with 1000 USD
    When the account places a market BUY order for 0.001 BTC/USD
    Then the account's audit trail records ACCOUNT_OPENED, DEPOSIT, ORDER_STATUS and TRADE with old and new values
    And exchange.order_history records the order PENDING -> FILLED
