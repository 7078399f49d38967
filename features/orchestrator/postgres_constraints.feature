@TSE-0001.3a @orchestrator @postgres
Feature: PostgreSQL domain tables enforce their constraints
  The init SQL gives the custodian, exchange, market_data and audit tables CHECK, UNIQUE and
  FOREIGN KEY constraints. Written by the schema's own adapter role, a valid row is accepted
  and a row that breaks one constraint is refused, naming that constraint. Every scenario
  runs in one transaction that is rolled back, so nothing is left behind. A row is fitted to the
  table's actual columns, so a table with columns of its own is tested on the constraint alone.
  The @hardening rows check constraints the reference stack adds beyond the seeds' DDL: advisories
  unless the gate is --strict.

  @criterion:orchestrator.3a.postgres-constraints
  Scenario Outline: <table> enforces the <kind> constraint <constraint>
    Given the adapter role of "<table>" has an open transaction
    When it inserts a valid baseline row into "<table>"
    Then the baseline row is accepted
    When it inserts a row into "<table>" that breaks "<constraint>" with <change>
    Then the row is rejected by the <kind> constraint "<constraint>"

    Examples: the seeds' constraints
      | table                        | kind        | constraint                              | change                                    |
      | custodian.positions          | check       | positive_quantity                       | quantity=-1, available_quantity=-1        |
      | custodian.positions          | check       | available_less_equal_quantity           | available_quantity=101                    |
      | custodian.positions          | unique      | unique_account_symbol                   | duplicate                                 |
      | custodian.settlements        | check       | positive_settlement_quantity            | quantity=0                                |
      | custodian.settlements        | unique      | settlements_external_id_key             | duplicate                                 |
      | custodian.balances           | check       | positive_available_balance              | available_balance=-1, total_balance=-1    |
      | custodian.balances           | check       | positive_locked_balance                 | locked_balance=-1, total_balance=999      |
      | custodian.balances           | check       | total_equals_sum                        | total_balance=1                           |
      | custodian.balances           | unique      | unique_account_currency                 | duplicate                                 |
      | exchange.accounts            | unique      | unique_user_account_type                | duplicate                                 |
      | exchange.orders              | check       | positive_quantity                       | quantity=0, remaining_quantity=0          |
      | exchange.orders              | check       | valid_filled_quantity                   | filled_quantity=2, remaining_quantity=-1  |
      | exchange.orders              | check       | remaining_equals_unfilled               | remaining_quantity=5                      |
      | exchange.orders              | unique      | orders_external_id_key                  | duplicate                                 |
      | exchange.orders              | foreign key | orders_account_id_fkey                  | orphan                                    |
      | exchange.trades              | check       | positive_trade_quantity                 | quantity=0                                |
      | exchange.trades              | check       | positive_price                          | price=0                                   |
      | exchange.trades              | check       | positive_value                          | value=0                                   |
      | exchange.trades              | check       | non_negative_fee                        | fee=-1                                    |
      | exchange.trades              | foreign key | trades_order_id_fkey                    | orphan                                    |
      | exchange.trades              | foreign key | trades_account_id_fkey                  | orphan                                    |
      | exchange.balances            | check       | positive_available_balance              | available_balance=-1, total_balance=-1    |
      | exchange.balances            | check       | positive_locked_balance                 | locked_balance=-1, total_balance=9        |
      | exchange.balances            | check       | total_equals_sum                        | total_balance=1                           |
      | exchange.balances            | unique      | unique_account_symbol                   | duplicate                                 |
      | exchange.balances            | foreign key | balances_account_id_fkey                | orphan                                    |
      | exchange.order_history       | foreign key | order_history_order_id_fkey             | orphan                                    |
      | market_data.price_feeds      | check       | positive_price                          | price=0                                   |
      | market_data.price_feeds      | check       | positive_bid                            | bid=0                                     |
      | market_data.price_feeds      | check       | positive_ask                            | ask=0                                     |
      | market_data.price_feeds      | check       | positive_volume                         | volume_24h=-1                             |
      | market_data.candles          | check       | positive_ohlc                           | low=0                                     |
      | market_data.candles          | check       | high_gte_open_close                     | high=100                                  |
      | market_data.candles          | check       | low_lte_open_close                      | low=101                                   |
      | market_data.candles          | check       | positive_volume                         | volume=-1                                 |
      | market_data.candles          | check       | non_negative_trades                     | num_trades=-1                             |
      # valid_high_low (high >= low) has no row: high_gte_open_close and low_lte_open_close imply it,
      # and PostgreSQL evaluates CHECKs in name order, so another constraint always reports first.
      | market_data.candles          | unique      | unique_symbol_interval_time             | duplicate                                 |
      | market_data.market_snapshots | check       | positive_last_price                     | last_price=0                              |
      | market_data.market_snapshots | check       | positive_spread                         | spread=-1                                 |
      | market_data.symbols          | unique      | symbols_symbol_key                      | duplicate                                 |

    @hardening
    Examples: constraints the reference stack adds beyond the seeds
      # CHECKs for enumerations the seeds document only in comments, and the audit tables' constraints
      # (the seeds name the audit tables without their columns).
      | table                        | kind        | constraint                              | change                                    |
      | custodian.settlements        | check       | valid_settlement_type                   | settlement_type=REFUND                    |
      | custodian.settlements        | check       | valid_settlement_status                 | status=SETTLED                            |
      | custodian.audit_events       | check       | valid_entity_type                       | entity_type=ORDER                         |
      | custodian.audit_events       | check       | valid_operation                         | operation=UPSERT                          |
      | exchange.accounts            | check       | valid_account_type                      | account_type=OPTIONS                      |
      | exchange.accounts            | check       | valid_account_status                    | status=FROZEN                             |
      | exchange.accounts            | check       | valid_kyc_status                        | kyc_status=UNKNOWN                        |
      | exchange.orders              | check       | valid_order_side                        | side=HOLD                                 |
      | exchange.orders              | check       | valid_order_type                        | order_type=ICEBERG                        |
      | exchange.orders              | check       | valid_order_status                      | status=EXPIRED                            |
      | exchange.orders              | check       | valid_time_in_force                     | time_in_force=GTD                         |
      | exchange.trades              | check       | valid_trade_side                        | side=HOLD                                 |
      | market_data.candles          | check       | valid_candle_interval                   | interval=2m                               |
      | audit.audit_events           | check       | valid_event_status                      | status=DONE                               |
      | audit.audit_events           | check       | valid_event_severity                    | severity=FATAL                            |
      | audit.audit_events           | check       | non_negative_duration                   | duration_ms=-1                            |
      | audit.service_registrations  | check       | valid_registration_environment          | environment=staging                       |
      | audit.service_registrations  | check       | valid_registration_status               | status=STARTING                           |
      | audit.service_registrations  | check       | valid_http_port                         | http_port=0                               |
      | audit.service_registrations  | check       | valid_grpc_port                         | grpc_port=70000                           |
      | audit.service_registrations  | check       | heartbeat_after_registration            | last_heartbeat=2000-01-01T00:00:00Z       |
      | audit.service_registrations  | unique      | unique_service_instance                 | duplicate                                 |
      | audit.audit_correlations     | check       | valid_correlation_type                  | correlation_type=RANDOM                   |
      | audit.audit_correlations     | check       | valid_confidence                        | confidence=1.5                            |
      | audit.audit_correlations     | check       | no_self_correlation                     | target_event_id=@source_event_id          |
      | audit.audit_correlations     | unique      | unique_correlation                      | duplicate                                 |
      | audit.audit_correlations     | foreign key | audit_correlations_source_event_id_fkey | orphan                                    |
      | audit.audit_correlations     | foreign key | audit_correlations_target_event_id_fkey | orphan                                    |
      | audit.service_metrics        | check       | valid_metric_type                       | metric_type=METER                         |
      | audit.service_metrics        | check       | finite_metric_value                     | value=NaN                                 |
      | audit.service_metrics        | check       | non_negative_counter                    | value=-1                                  |
      | audit.service_metrics        | unique      | unique_metric_sample                    | duplicate                                 |

  @criterion:orchestrator.3a.postgres-not-null
  Scenario Outline: <table> refuses NULL in <column>
    Given the adapter role of "<table>" has an open transaction
    When it inserts a valid baseline row into "<table>"
    Then the baseline row is accepted
    When it inserts a row into "<table>" with <column> set to NULL
    Then the row is rejected because "<column>" is NOT NULL

    Examples: the seeds' tables
      | table                       | column          |
      | custodian.positions         | account_id      |
      | custodian.settlements       | settlement_type |
      | exchange.orders             | account_id      |
      | exchange.trades             | price           |
      | market_data.candles         | start_time      |
      | market_data.symbols         | symbol          |

    @hardening
    Examples: the audit tables, which the seeds name without columns
      | table                       | column          |
      | audit.audit_events          | service_name    |
      | audit.service_metrics       | value           |
