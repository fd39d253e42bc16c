"""Layer 1: the provider kinds: a target's request, its SDK call, the reading of its answer
(``classify``), its retries and its price. Pure but for the SDK calls themselves.
"""
