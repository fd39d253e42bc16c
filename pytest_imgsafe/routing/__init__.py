"""Layer 3: what stands between a prompt and the model without calling it: the local screen,
fallback chains and routing, the five-layer gateway, and the project's one set of tables.
"""
