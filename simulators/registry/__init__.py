"""The service registry and configuration service (TSE-0001.3a items 4 and 6)."""
