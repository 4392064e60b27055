"""Monthly chart audits."""
