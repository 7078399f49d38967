"""Static checks of a stack definition (`harness lint`)."""
