-- audit_correlator (TSE-0001.12.0): the audit tables again, under the schema's old name, for clients
-- that still use it; generated from 24_audit_tables.sql with the schema renamed.


CREATE TABLE audit_correlator.audit_events (
    event_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    trace_id VARCHAR(64),
    span_id VARCHAR(32),
    service_name VARCHAR(100) NOT NULL,
    instance_name VARCHAR(100) NOT NULL DEFAULT 'singleton',
    event_type VARCHAR(100) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'PENDING',
    severity VARCHAR(20) NOT NULL DEFAULT 'INFO',
    duration_ms BIGINT,
    timestamp TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,
    CONSTRAINT valid_event_status CHECK (status IN ('PENDING', 'SUCCESS', 'FAILED', 'TIMEOUT')),
    CONSTRAINT valid_event_severity CHECK (severity IN ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')),
    CONSTRAINT non_negative_duration CHECK (duration_ms IS NULL OR duration_ms >= 0)
);

CREATE TABLE audit_correlator.service_registrations (
    registration_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    revision INTEGER NOT NULL,
    service_name VARCHAR(100) NOT NULL,
    instance_name VARCHAR(100) NOT NULL,
    host VARCHAR(255) NOT NULL,
    http_port INTEGER,
    grpc_port INTEGER,
    environment VARCHAR(20) NOT NULL DEFAULT 'development',
    status VARCHAR(20) NOT NULL DEFAULT 'HEALTHY',
    registered_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    last_heartbeat TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,
    CONSTRAINT unique_service_instance UNIQUE (service_name, instance_name),
    CONSTRAINT valid_registration_environment CHECK (environment IN ('development', 'testing', 'production')),
    CONSTRAINT valid_registration_status CHECK (status IN ('HEALTHY', 'UNHEALTHY', 'UNKNOWN', 'DEREGISTERED')),
    CONSTRAINT valid_http_port CHECK (http_port IS NULL OR http_port BETWEEN 1 AND 65535),
    CONSTRAINT valid_grpc_port CHECK (grpc_port IS NULL OR grpc_port BETWEEN 1 AND 65535),
    CONSTRAINT heartbeat_after_registration CHECK (last_heartbeat >= registered_at)
);

CREATE TABLE audit_correlator.audit_correlations (
    correlation_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    source_event_id UUID NOT NULL,
    target_event_id UUID NOT NULL,
    correlation_type VARCHAR(50) NOT NULL,
    confidence DECIMAL(5, 4) NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,
    CONSTRAINT audit_correlations_source_event_id_fkey FOREIGN KEY (source_event_id)
        REFERENCES audit_correlator.audit_events(event_id) ON DELETE CASCADE,
    CONSTRAINT audit_correlations_target_event_id_fkey FOREIGN KEY (target_event_id)
        REFERENCES audit_correlator.audit_events(event_id) ON DELETE CASCADE,
    CONSTRAINT unique_correlation UNIQUE (source_event_id, target_event_id, correlation_type),
    CONSTRAINT valid_correlation_type CHECK (correlation_type IN ('CAUSAL', 'TEMPORAL', 'TRACE', 'CUSTOM')),
    CONSTRAINT valid_confidence CHECK (confidence >= 0 AND confidence <= 1),
    CONSTRAINT no_self_correlation CHECK (source_event_id <> target_event_id)
);

CREATE TABLE audit_correlator.service_metrics (
    metric_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    revision INTEGER NOT NULL,
    service_name VARCHAR(100) NOT NULL,
    instance_name VARCHAR(100) NOT NULL,
    metric_name VARCHAR(100) NOT NULL,
    metric_type VARCHAR(20) NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    labels JSONB NOT NULL DEFAULT '{}'::jsonb,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT unique_metric_sample UNIQUE (service_name, instance_name, metric_name, labels, recorded_at),
    CONSTRAINT valid_metric_type CHECK (metric_type IN ('COUNTER', 'GAUGE', 'HISTOGRAM', 'SUMMARY')),
    CONSTRAINT finite_metric_value CHECK (value <> 'NaN'::float8 AND value <> 'Infinity'::float8
                                          AND value <> '-Infinity'::float8),
    CONSTRAINT non_negative_counter CHECK (metric_type <> 'COUNTER' OR value >= 0)
);
