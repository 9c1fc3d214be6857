"""The fake LLM provider: OpenAI-compatible, seeded, fast, failing on a timeline."""
