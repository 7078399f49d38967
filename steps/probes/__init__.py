"""Small clients the steps delegate to."""
