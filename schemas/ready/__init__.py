"""Ready-made schemas for common documents; their field descriptions go into the prompt."""
