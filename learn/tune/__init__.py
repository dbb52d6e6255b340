"""Learning from evaluators: fine-tune a model's query side on question → gold sentence pairs (`python -m learn.tune`)."""
