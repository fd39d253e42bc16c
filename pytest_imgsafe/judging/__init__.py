"""Layer 3: answers + expectation (+ recording, + history) -> a judgement: drift, since when,
block rates with Wilson intervals.
"""
