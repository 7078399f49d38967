@exchange @TSE-0001.12b
Feature: Every balance movement of the exchange becomes a settlement instruction for the custodian
  A deposit or a trade leg writes, in the same transaction, a row in exchange.settlement_outbox. A
  dispatcher thread sends the rows in order to the custodian (gRPC InstructSettlement, found through
  discovery) and retries until each is acknowledged. A deposit of X USD is {"<deposit_id>:USD",
  DEPOSIT, X}; a BUY of q BTC at value v is {"<trade_id>:BTC", TRANSFER, q, from "exchange:<instance>"
  to the account} and {"<trade_id>:USD", TRANSFER, v, from the account to "exchange:<instance>"}.

  @criterion:exchange.12b.settlement
  Scenario: A deposit and a market buy are instructed to the custodian, in order, with the agreed ids
    Given an exchange account funded with 100000 USD
    When the account places a market BUY order for 0.1 BTC/USD
    Then the outbox holds the DEPOSIT of 100000 USD and the two TRANSFER legs of the fill, in that order
    And the custodian acknowledges every instruction of the account and the outbox backlog is empty

  @criterion:exchange.12b.settlement
  Scenario: While the custodian is down the instruction waits in the outbox and is sent once it is back
    Given an exchange account funded with 10 USD
    And the custodian acknowledges every instruction of the account and the outbox backlog is empty
    When the custodian-simulator service is stopped
    And the audit API deposits 5 USD into the account
    Then the instruction of that deposit stays PENDING while the dispatcher retries it
    When the custodian-simulator service is started
    Then the custodian acknowledges every instruction of the account and the outbox backlog is empty
