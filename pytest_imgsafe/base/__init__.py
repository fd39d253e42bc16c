"""Layer 0: plain types and helpers every other package may use (the wire types, files,
text, the scrubber, statuses, option names, term tables, the live ledger). Imports nothing
else of the package.
"""
