"""Layer 5: hypothesis over the rewriting strategies: the prompt strategies, fuzz runs, and
failing examples saved as corpus cases.
"""
