"""Training a tiny PaliGemma on synthetic scenes (issue 9): tokenizer, mask VQ-VAE, trainable model, batches."""
