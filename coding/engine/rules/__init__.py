"""Rule families, one module per id prefix of docs/coding-rules.md (CB-4 -> cb_combinations)."""
