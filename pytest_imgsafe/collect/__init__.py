"""Layer 2: collection and configuration: ``[tool.imgsafe]`` and the options -> ``Settings``;
corpus YAML -> validated cases and fuzz specs, with ``file:line`` for every error.
"""
