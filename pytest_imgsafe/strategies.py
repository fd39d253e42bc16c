"""Public path of the hypothesis strategies (``pytest_imgsafe.strategies``): prompts per scenario
and their variations. They live in :mod:`pytest_imgsafe.fuzzing.strategies`."""

from .fuzzing.strategies import benign_prompts, fill, prompts, terms, variations, varied_prompts

__all__ = ["benign_prompts", "fill", "prompts", "terms", "variations", "varied_prompts"]
