@custodian @TSE-0001.12b
Feature: The custodian settles instructions one step per settlement cycle
  The custodian tracks positions, balances and settlements. A settlement instruction (DEPOSIT,
  WITHDRAWAL or TRANSFER, over gRPC InstructSettlement or REST POST /api/v1/settlements) starts
  PENDING; every SETTLEMENT_CYCLE the custodian moves it one step: to IN_PROGRESS, then to COMPLETED
  with the account's position and balance changed in the same transaction, or to FAILED with a
  reason. Instructions are idempotent on their external id, and invalid ones are refused whole.

  @criterion:exchange.12b.settlement
  Scenario Outline: A <movement> of 40 USD over <api> moves PENDING -> IN_PROGRESS -> COMPLETED and leaves <after> USD
    Given a custodian account holding 100 USD
    When the custodian is instructed over <api> to settle a <movement> of 40 USD for that account
    Then the settlement is PENDING when instructed
    And the settlement moves PENDING -> IN_PROGRESS -> COMPLETED, one step per settlement cycle
    And the custodian account holds <after> USD in both its position and its balance
    And the custodian audit trail records the settlement, position and balance changes

    Examples:
      | api  | movement     | after |
      | gRPC | DEPOSIT      | 140   |
      | REST | WITHDRAWAL   | 60    |
      | gRPC | TRANSFER in  | 140   |
      | REST | TRANSFER out | 60    |

  @criterion:exchange.12b.settlement
  Scenario: A settlement the account cannot cover ends FAILED with a reason and changes nothing
    Given a custodian account holding 100 USD
    When the custodian is instructed over gRPC to settle a WITHDRAWAL of 250 USD for that account
    Then the settlement ends FAILED with a reason naming insufficient holdings
    And the custodian account holds 100 USD in both its position and its balance
    And the custodian's audit state reports the settlement cycle and counts FAILED settlements

  @criterion:exchange.12b.settlement
  Scenario Outline: The same instruction sent twice over <api> is settled once
    Given a custodian account holding 100 USD
    When the custodian is instructed twice over <api> with one external id to settle a DEPOSIT of 5 USD
    Then both replies name the same settlement
    And the settlement moves PENDING -> IN_PROGRESS -> COMPLETED, one step per settlement cycle
    And the custodian account holds 105 USD in both its position and its balance

    Examples:
      | api  |
      | gRPC |
      | REST |

  @criterion:custodian.1a.error-handling
  Scenario Outline: An instruction with <problem> is refused with a 4xx JSON error and nothing is written
    When a client posts the settlement instruction <body> to the custodian
    Then the reply is 422 with the JSON error "<error>"
    And the same instruction over gRPC is refused with INVALID_ARGUMENT
    And the custodian stored no settlement with that external id

    Examples:
      | problem                   | error          | body                                                                                                                          |
      | an unknown type           | invalid_value  | {"settlement_type": "GIFT", "account_id": "$account", "symbol": "USD", "quantity": "1"}                                       |
      | a negative quantity       | invalid_value  | {"settlement_type": "DEPOSIT", "account_id": "$account", "symbol": "USD", "quantity": "-5"}                                   |
      | a zero quantity           | invalid_value  | {"settlement_type": "DEPOSIT", "account_id": "$account", "symbol": "USD", "quantity": "0"}                                    |
      | a non-decimal quantity    | invalid_value  | {"settlement_type": "DEPOSIT", "account_id": "$account", "symbol": "USD", "quantity": "lots"}                                 |
      | a pair as the asset       | invalid_symbol | {"settlement_type": "DEPOSIT", "account_id": "$account", "symbol": "BTC/USD", "quantity": "1"}                                |
      | a transfer without source | missing_field  | {"settlement_type": "TRANSFER", "account_id": "$account", "symbol": "USD", "quantity": "1", "destination_account": "$account"} |
      | no account                | missing_field  | {"settlement_type": "DEPOSIT", "symbol": "USD", "quantity": "1"}                                                              |

  @criterion:custodian.1a.error-handling
  Scenario: A malformed settlement instruction or an unknown settlement id gets a JSON 4xx error
    When a client posts malformed JSON to /api/v1/settlements on the custodian-simulator
    Then the reply is 400 with the JSON error "invalid_json"
    When a client posts a JSON array to /api/v1/settlements on the custodian-simulator
    Then the reply is 422 with the JSON error "wrong_type"
    When a client requests /api/v1/settlements/not-an-id from the custodian-simulator
    Then the reply is 404 with the JSON error "not_found"
