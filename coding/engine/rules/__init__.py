"""Rule families, one module per id prefix of coding-reference.md (CB-4 -> cb_combinations)."""
