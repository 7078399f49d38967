"""Python stand-ins for the ecosystem's services, started by the harness's embedded stack."""
