"""Every reason pytest prints for an item is scrubbed: an item a live run tolerates under
--imgsafe-max-error-rate is xfailed with the provider's error as its reason, and ``-rA``/``-rx``
print that reason; it must hold no key, as the same error shown as an item error does not."""

from __future__ import annotations

import pytest

from tests.conftest import PROJECT_HEAD, write_corpus

KEY = "sk-imgsafe-XFAILREASON-4c2e9a7d1b3f5086"
URL_SECRET = "urlsecret-9d4b2e7c1a"

# The key itself as a parameter value the plugin does not enumerate (a size): the sandbox names a
# bad value in its 400 answer, as a provider echoing what it was sent does.
PYPROJECT = PROJECT_HEAD.format().replace('size = "1024x1024"', f'size = "{KEY}"')


@pytest.fixture
def echoing_project(pytester: pytest.Pytester, imgsafe_sandbox, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{imgsafe_sandbox.openai_base_url}?api-key={URL_SECRET}")
    pytester.makefile(".toml", pyproject=PYPROJECT)
    (pytester.path / "corpora").mkdir()
    write_corpus(pytester, "probes", "cases:\n  - id: fox\n    prompt: A fox in the snow\n    expect: pass\n")
    return pytester


@pytest.mark.parametrize("tolerated", [False, True], ids=["errors", "max-error-rate"])
def test_no_key_in_the_reasons_rA_prints(echoing_project: pytest.Pytester, tolerated: bool) -> None:
    options = ["--imgsafe-max-error-rate", "0.5"] if tolerated else []
    result = echoing_project.runpytest("--imgsafe", "--imgsafe-live", "-p", "no:cacheprovider", "-rA", *options)
    shown = result.stdout.str() + result.stderr.str()
    if tolerated:
        result.assert_outcomes(xfailed=1)
        assert "XFAIL" in shown and "no verdict (counted against --imgsafe-max-error-rate)" in shown
    else:
        result.assert_outcomes(errors=1)
    assert "Invalid value" in shown  # the provider's message is shown...
    for secret in (KEY, KEY[3:20], URL_SECRET):
        assert secret not in shown  # ...without the key it echoed or the base URL's secret
    assert "api-key=<redacted>" in shown


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_no_key_in_the_warnings_summary(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: list[str]
) -> None:
    """A warning raised with a key in its text (a library naming the URL it was given) is shown
    in pytest's warnings summary as it was raised; under --imgsafe the key is redacted there,
    also for a category that cannot be built from the text alone, and from a worker."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    (pytester.path / "corpora").mkdir()
    pytester.makepyfile(
        test_warns="""
        import os, warnings

        class NeedsTwo(UserWarning):  # a category that cannot be built from the text alone
            def __init__(self, text, code):
                super().__init__(text, code)

        def test_plain():
            warnings.warn("connecting with " + os.environ["OPENAI_API_KEY"])

        def test_odd_category():
            warnings.warn(NeedsTwo("key was " + os.environ["OPENAI_API_KEY"], 7))
        """
    )
    result = pytester.runpytest_subprocess("--imgsafe", "-p", "no:cacheprovider", *workers, "test_warns.py")
    result.assert_outcomes(passed=2, warnings=2)
    shown = result.stdout.str() + result.stderr.str()
    assert "connecting with <redacted>" in shown and "key was <redacted>" in shown
    assert KEY not in shown and KEY[3:20] not in shown
