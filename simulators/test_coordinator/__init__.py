"""The test coordinator: chaos scenarios from YAML, injected through the services' control APIs, then reset."""
