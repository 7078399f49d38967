@TSE-0001.12.0 @orchestrator
Feature: Multi-instance infrastructure: per-instance volumes and the audit schemas
  Every simulator instance (a service with SERVICE_INSTANCE_NAME) keeps its data and logs in
  ./volumes/<instance>, created by a one-shot volume initialisation step before any instance starts
  (the embedded stack runs the same script into its temporary directory). Beside the audit
  correlator's "audit" schema, "audit_correlator" is kept for backward compatibility with the same
  four tables; the audit adapter and the monitor user (audit_adapter and monitor_user in the seeds,
  the stack profile's names here) have their permissions on both, updated_at columns are kept by
  triggers, and health_check() reports both schemas, in whatever form it returns its report.

  @compose @criterion:orchestrator.12.0.instance-volumes
  Scenario: The compose file initialises every instance's directories before the instance starts
    Given the compose file of the stack
    Then a one-shot service runs the volume initialisation script for every simulator instance
    And the volume initialisation gives the directories to the user the simulator image runs as
    And every simulator instance mounts its own data and logs directories from ./volumes/<instance>
    And every simulator instance starts only after the volume initialisation completed successfully

  @criterion:orchestrator.12.0.instance-volumes
  Scenario Outline: The <service> instance keeps its data and logs in its own directories
    When a client asks the <service> which directories it uses
    Then its data and logs directories were made for "<instance>" by the volume initialisation step
    And both directories belong to the user the <service> runs as
    And the <service> has written its identity to its data directory and its log to its logs directory

    Examples:
      | service               | instance              |
      | audit-correlator      | audit-correlator      |
      | custodian-simulator   | custodian-simulator   |
      | exchange-simulator    | exchange-simulator    |
      | market-data-simulator | market-data-simulator |
      | exchange-okx          | exchange-okx          |
      | exchange-binance      | exchange-binance      |

  @postgres @criterion:orchestrator.12.0.audit-schema
  Scenario Outline: Schema <schema> holds the four audit tables
    Given a PostgreSQL session as the superuser
    Then the <schema> schema exists and has the tables audit_events, service_registrations, audit_correlations, service_metrics

    Examples:
      | schema           |
      | audit            |
      | audit_correlator |

  @postgres @criterion:orchestrator.12.0.audit-schema
  Scenario: The audit_correlator tables keep the audit tables' columns, constraints and indexes
    Given a PostgreSQL session as the superuser
    Then every table of the audit schema has a twin in the audit_correlator schema with the same columns, constraints and indexes

  @postgres @criterion:orchestrator.12.0.audit-permissions
  Scenario Outline: audit_adapter reads and writes schema <schema>
    Given a PostgreSQL session as the audit adapter
    When it creates, writes and reads a table in the <schema> schema
    Then it returns "written"
    And it may select, insert, update and delete on every table of the <schema> schema

    Examples:
      | schema           |
      | audit            |
      | audit_correlator |

  @postgres @criterion:orchestrator.12.0.audit-permissions
  Scenario Outline: monitor_user reads schema <schema> and writes none of it
    Given a PostgreSQL session as the monitor user
    Then it may select on every table of the <schema> schema
    And it may not insert, update or delete on any table of the <schema> schema

    Examples:
      | schema           |
      | audit            |
      | audit_correlator |

  @postgres @criterion:orchestrator.12.0.audit-permissions
  Scenario Outline: Of the stack's login roles only audit_adapter and monitor_user may use schema <schema>
    Given a PostgreSQL session as the superuser
    Then of the login roles the init SQL creates, only the audit adapter and the monitor user have USAGE on the <schema> schema
    And of the login roles the init SQL creates, only the audit adapter has CREATE on the <schema> schema

    Examples:
      | schema           |
      | audit            |
      | audit_correlator |

  @postgres @criterion:orchestrator.12.0.updated-at-triggers
  Scenario Outline: An UPDATE of any <schema> table moves its updated_at
    Given a transaction as the audit adapter
    When it inserts a row with an old updated_at into every table of the <schema> schema that has the column, and updates the row
    Then every one of those rows has its updated_at moved to the time of the update

    Examples:
      | schema           |
      | audit            |
      | audit_correlator |

  @postgres @criterion:orchestrator.12.0.health-check-both-schemas
  Scenario Outline: <schema>.health_check() reports both audit schemas to <role>
    Given a PostgreSQL session as the <role>
    When it calls the health_check() function of the <schema> schema
    Then it reports the schemas of the domains audit and audit_correlator healthy, each with the number of tables it has

    Examples:
      | schema           | role          |
      | audit            | audit adapter |
      | audit            | monitor user  |
      | audit_correlator | audit adapter |
      | audit_correlator | monitor user  |
