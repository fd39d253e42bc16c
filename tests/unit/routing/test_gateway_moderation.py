"""The moderation pre-check is gone past only for an allowed cause, like any link: a flag for
violent wording goes on to the rewrite and the chain; a flag for a hard or unknown cause stops the
prompt at the gateway."""

from __future__ import annotations

from pytest_imgsafe.providers.outcome import Outcome
from pytest_imgsafe.rewrite import default_rewriter
from pytest_imgsafe.routing.gateway import GatewayConfig, run_gateway
from pytest_imgsafe.routing.screen import default_screen


def flagged_violence_then_pass(link: str, sent: str) -> Outcome:
    if link == "moderation":
        return Outcome("block", "input", "flagged", "openai", None, ("violence", "violence/graphic"))
    return Outcome("pass", provider="stub")


def test_a_moderation_flag_for_an_allowed_cause_goes_on_to_the_models() -> None:
    prompt = "A medieval siege painting, soldiers storming the walls, no gore"
    config = GatewayConfig(("strict",), "moderation")
    result = run_gateway(
        prompt, config, flagged_violence_then_pass, rewriter=default_rewriter(), screen=default_screen()
    )
    assert result.outcome.label == "pass@strict", result.steps


def test_a_moderation_flag_for_a_hard_cause_still_stops_the_prompt() -> None:
    def flagged_sexual(link: str, sent: str) -> Outcome:
        if link == "moderation":
            return Outcome("block", "input", "flagged", "openai", None, ("sexual",))
        return Outcome("pass", provider="stub")

    config = GatewayConfig(("strict",), "moderation")
    result = run_gateway(
        "A painting of a quiet harbour", config, flagged_sexual, rewriter=default_rewriter(), screen=default_screen()
    )
    assert result.outcome.code == "gateway:moderation", result.steps
