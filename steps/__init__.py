"""Step definitions: each module holds the sentences of one area."""
