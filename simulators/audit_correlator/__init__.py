"""The audit correlator: stores audit events from every service in the audit schema."""
