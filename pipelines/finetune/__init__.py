"""Fine-tuning: training examples from the pipeline's own calls, LoRA training, adapters."""
