"""X12 wire format: tokenizer, 837P reader and writer, and the pyx12 bridge."""
