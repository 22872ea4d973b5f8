"""LoRA adapters: training, token sequences, loading, and export to GGUF."""
