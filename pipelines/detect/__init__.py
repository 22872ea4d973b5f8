"""Detection of objects and regions with a vision-language model (grammar or native grounding)."""
