"""Layer 6: pytest glue: the run object in ``config.stash``, the corpus file and its items,
and keeping collection's objects out of the cycle collector.
"""
