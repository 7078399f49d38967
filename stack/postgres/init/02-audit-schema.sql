-- Audit correlator domain (TSE-0001.12.0 Phase 6): audit_events, service_registrations,
-- audit_correlations, service_metrics, with indexes and updated_at triggers.
-- The seeds name these tables only; columns and constraints are this harness's contract.
-- Roles, schema and health_check() come from 01-init-schemas.sql.

-- Keeps updated_at current on every UPDATE.
CREATE OR REPLACE FUNCTION audit.set_updated_at()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at := NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- audit_events: one event reported by a service (trace/span aware)
CREATE TABLE IF NOT EXISTS audit.audit_events (
    event_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    trace_id VARCHAR(64),
    span_id VARCHAR(32),
    service_name VARCHAR(100) NOT NULL,
    instance_name VARCHAR(100) NOT NULL DEFAULT 'singleton',
    event_type VARCHAR(100) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'PENDING', -- 'PENDING', 'SUCCESS', 'FAILED', 'TIMEOUT'
    severity VARCHAR(20) NOT NULL DEFAULT 'INFO', -- 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'
    duration_ms BIGINT,
    timestamp TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,

    CONSTRAINT valid_event_status CHECK (status IN ('PENDING', 'SUCCESS', 'FAILED', 'TIMEOUT')),
    CONSTRAINT valid_event_severity CHECK (severity IN ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')),
    CONSTRAINT non_negative_duration CHECK (duration_ms IS NULL OR duration_ms >= 0)
);

CREATE INDEX IF NOT EXISTS idx_audit_events_service ON audit.audit_events(service_name, instance_name);
CREATE INDEX IF NOT EXISTS idx_audit_events_type ON audit.audit_events(event_type);
CREATE INDEX IF NOT EXISTS idx_audit_events_trace ON audit.audit_events(trace_id);
CREATE INDEX IF NOT EXISTS idx_audit_events_timestamp ON audit.audit_events(timestamp DESC);

-- service_registrations: service discovery records, one per (service, instance)
CREATE TABLE IF NOT EXISTS audit.service_registrations (
    registration_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    service_name VARCHAR(100) NOT NULL,
    instance_name VARCHAR(100) NOT NULL,
    host VARCHAR(255) NOT NULL,
    http_port INTEGER,
    grpc_port INTEGER,
    version VARCHAR(50),
    environment VARCHAR(20) NOT NULL DEFAULT 'development', -- 'development', 'testing', 'production'
    status VARCHAR(20) NOT NULL DEFAULT 'HEALTHY', -- 'HEALTHY', 'UNHEALTHY', 'UNKNOWN', 'DEREGISTERED'
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

CREATE INDEX IF NOT EXISTS idx_service_registrations_status ON audit.service_registrations(status);
CREATE INDEX IF NOT EXISTS idx_service_registrations_heartbeat ON audit.service_registrations(last_heartbeat);

-- audit_correlations: a directed link between two audit events
CREATE TABLE IF NOT EXISTS audit.audit_correlations (
    correlation_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    source_event_id UUID NOT NULL,
    target_event_id UUID NOT NULL,
    correlation_type VARCHAR(50) NOT NULL, -- 'CAUSAL', 'TEMPORAL', 'TRACE', 'CUSTOM'
    confidence DECIMAL(5, 4) NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,

    CONSTRAINT audit_correlations_source_event_id_fkey FOREIGN KEY (source_event_id)
        REFERENCES audit.audit_events(event_id) ON DELETE CASCADE,
    CONSTRAINT audit_correlations_target_event_id_fkey FOREIGN KEY (target_event_id)
        REFERENCES audit.audit_events(event_id) ON DELETE CASCADE,
    CONSTRAINT unique_correlation UNIQUE (source_event_id, target_event_id, correlation_type),
    CONSTRAINT valid_correlation_type CHECK (correlation_type IN ('CAUSAL', 'TEMPORAL', 'TRACE', 'CUSTOM')),
    CONSTRAINT valid_confidence CHECK (confidence >= 0 AND confidence <= 1),
    CONSTRAINT no_self_correlation CHECK (source_event_id <> target_event_id)
);

CREATE INDEX IF NOT EXISTS idx_audit_correlations_source ON audit.audit_correlations(source_event_id);
CREATE INDEX IF NOT EXISTS idx_audit_correlations_target ON audit.audit_correlations(target_event_id);
CREATE INDEX IF NOT EXISTS idx_audit_correlations_type ON audit.audit_correlations(correlation_type);

-- service_metrics: performance samples per service instance
CREATE TABLE IF NOT EXISTS audit.service_metrics (
    metric_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    service_name VARCHAR(100) NOT NULL,
    instance_name VARCHAR(100) NOT NULL,
    metric_name VARCHAR(100) NOT NULL,
    metric_type VARCHAR(20) NOT NULL, -- 'COUNTER', 'GAUGE', 'HISTOGRAM', 'SUMMARY'
    value DOUBLE PRECISION NOT NULL,
    unit VARCHAR(20),
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

CREATE INDEX IF NOT EXISTS idx_service_metrics_service ON audit.service_metrics(service_name, instance_name);
CREATE INDEX IF NOT EXISTS idx_service_metrics_name_time ON audit.service_metrics(metric_name, recorded_at DESC);

-- updated_at triggers
CREATE OR REPLACE TRIGGER trg_audit_events_updated_at
    BEFORE UPDATE ON audit.audit_events
    FOR EACH ROW EXECUTE FUNCTION audit.set_updated_at();
CREATE OR REPLACE TRIGGER trg_service_registrations_updated_at
    BEFORE UPDATE ON audit.service_registrations
    FOR EACH ROW EXECUTE FUNCTION audit.set_updated_at();
CREATE OR REPLACE TRIGGER trg_audit_correlations_updated_at
    BEFORE UPDATE ON audit.audit_correlations
    FOR EACH ROW EXECUTE FUNCTION audit.set_updated_at();
CREATE OR REPLACE TRIGGER trg_service_metrics_updated_at
    BEFORE UPDATE ON audit.service_metrics
    FOR EACH ROW EXECUTE FUNCTION audit.set_updated_at();

-- Tables above already get these through default privileges; explicit for clarity.
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA audit TO audit_adapter;
GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA audit TO audit_adapter;
GRANT SELECT ON ALL TABLES IN SCHEMA audit TO monitor_user;

COMMENT ON TABLE audit.audit_events IS 'Audit events reported by ecosystem services';
COMMENT ON TABLE audit.service_registrations IS 'Service discovery registrations, one per service instance';
COMMENT ON TABLE audit.audit_correlations IS 'Directed correlations between audit events';
COMMENT ON TABLE audit.service_metrics IS 'Performance metric samples per service instance';
