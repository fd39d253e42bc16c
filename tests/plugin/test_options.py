"""The plugin is off by default, documents every option, and rejects bad values clearly."""

from __future__ import annotations

import pytest

from pytest_imgsafe.plugin import OPT_ENABLE, OPT_LIVE, OPT_RECORD_MODE, OPT_TARGET
from tests.conftest import write_corpus

CORPUS = "cases:\n  - id: a\n    prompt: a fox\n    expect: pass\n"


def test_help_lists_every_option_with_its_text(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "image-generation prompt safety (pytest-imgsafe):",
            f"  {OPT_ENABLE} *collect the corpus YAML files (?tool.imgsafe? corpora)",
            "*as test items, one per case and target.",
            f"  {OPT_RECORD_MODE}={{none,once,new_episodes,all}}",
            "*vcrpy record mode: none (default: replay only, no",
            f"  {OPT_LIVE} *ignore cassettes and call the configured endpoints",
            f"  {OPT_TARGET}=NAME",
            "*run only this target (repeatable); default: every",
            "  --imgsafe-seed=N *seed of the fuzz specs' draws.*",
            "  --imgsafe-save-failures=PATH",
            "*write the failing fuzz examples to this YAML file*",
            "  --imgsafe-report=PATH",
            "*write the run report as JSON to PATH, with a Markdown*",
            "  --imgsafe-history=DIR",
            "*a folder of earlier JSON reports*",
            "  --imgsafe-budget-usd=USD",
            "*live runs: make no call that would take the estimated*",
            "  --imgsafe-max-blocks=N",
            "*live runs: after N blocked answers, stop sending*",
            "  --imgsafe-explain *on an unexpected block, find the triggering words*",
            "  --imgsafe-explain-budget=N",
            "*most queries one explanation may make (default 24).",
            "  --imgsafe-appeal=DIR *write an appeal file for each block the corpus*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "  imgsafe (bool)*collect corpora as if --imgsafe were given.",
            "  imgsafe_record_mode (string)*",
            "  imgsafe_targets (args)*",
        ]
    )


@pytest.mark.slow
def test_off_by_default_collects_nothing_and_imports_nothing_heavy(pytester: pytest.Pytester) -> None:
    (pytester.path / "corpora").mkdir()
    write_corpus(pytester, "c", CORPUS)
    pytester.makepyfile(
        test_modules="""
        import sys
        def test_nothing_heavy_loaded():
            heavy_modules = (
                "openai", "vcr", "yaml", "httpx2",
                "pytest_imgsafe.collect.corpus", "pytest_imgsafe.sandbox", "pytest_imgsafe.base.terms",
                # the public API too: pytest imports the plugin before its session, where a Ctrl-C
                # is pytest's own traceback; the plugin's share of that window stays a few ms
                "pytest_imgsafe.providers.registry", "pytest_imgsafe.providers.verdict",
            )
            heavy = [m for m in heavy_modules if m in sys.modules]
            assert heavy == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "imgsafe:" not in result.stdout.str()


def test_on_with_the_ini_option(pytester: pytest.Pytester) -> None:
    (pytester.path / "corpora").mkdir()
    write_corpus(pytester, "c", "cases:\n  - id: a\n    prompt: a fox\n    targets: [moderation]\n    expect: pass\n")
    pytester.makeini("[pytest]\nimgsafe = true\n")
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["corpora/c.yaml::a[moderation]"])


def test_bad_record_mode_is_refused_with_the_value_quoted(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(OPT_ENABLE, f"{OPT_RECORD_MODE}=sometimes")
    result.stderr.fnmatch_lines(["*argument --imgsafe-record-mode: invalid choice: 'sometimes'*"])
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_unknown_target_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(OPT_ENABLE, f"{OPT_TARGET}=gpt-image")
    result.stderr.fnmatch_lines(
        [
            "ERROR: pytest-imgsafe: --imgsafe-target 'gpt-image' is "
            "not a configured target (did you mean 'gpt-image-2'?)*"
        ]
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_bad_config_is_a_usage_error_naming_the_key(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject='[tool.imgsafe.targets.x]\nkind = "image"\nmodel = "m"\n')
    result = pytester.runpytest(OPT_ENABLE)
    result.stderr.fnmatch_lines(
        [
            "ERROR: pytest-imgsafe: ?tool.imgsafe.targets.x? kind = 'image' is not a target kind*use one of: "
            "moderation, content-safety, images.generate, images.edit, "
            "chat-image, responses, gemini, imagen, screen, chain, gateway"
        ]
    )


def test_missing_key_when_recording_names_the_env_var(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    # the check comes once collection is final: only the targets of items with something to record
    (pytester.path / "corpora").mkdir()
    (pytester.path / "corpora" / "fox.yaml").write_text(
        "cases:\n  - id: fox\n    scenario: benign\n    prompt: A fox\n    expect: pass\n"
    )
    result = pytester.runpytest(OPT_ENABLE, f"{OPT_RECORD_MODE}=once")
    result.stderr.fnmatch_lines(
        [
            "*--imgsafe-record-mode=once calls the endpoints, but these environment variables are not set: "
            "OPENAI_API_KEY (the API key of targets 'moderation', "
            "'gpt-image-2'). Set them*(Replay, the default, needs no key.)"
        ]
    )
    result = pytester.runpytest(OPT_ENABLE, OPT_LIVE)
    result.stderr.fnmatch_lines(["*--imgsafe-live calls the endpoints*OPENAI_API_KEY*"])


def test_report_header_says_the_mode(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(OPT_ENABLE, f"{OPT_TARGET}=moderation")
    result.stdout.fnmatch_lines(["imgsafe: replay; targets: moderation; cassettes: */cassettes"])


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--imgsafe-budget-usd", "-1", "'-1' is not a spend limit: give USD, 0 or more (0 makes no paid call)"),
        ("--imgsafe-budget-usd", "five", "'five' is not a number: give the most the run may spend, in USD*"),
        ("--imgsafe-budget-usd", "nan", "'nan' is not a spend limit*"),
        ("--imgsafe-max-blocks", "-3", "'-3' is below 0: give a count, 0 or more"),
        ("--imgsafe-max-blocks", "2.5", "'2.5' is not a whole number: give a count, 0 or more"),
        ("--imgsafe-explain-budget", "-1", "'-1' is below 0: give a count, 0 or more"),
        ("--imgsafe-max-error-rate", "-0.1", "'-0.1' is outside [[]0, 1[]]*"),
        ("--imgsafe-seed", "abc", "'abc' is not a whole number: give the seed printed in the header*"),
    ],
)
def test_bad_numbers_are_usage_errors_naming_the_option_at_parse_time(
    pytester: pytest.Pytester, option: str, value: str, message: str
) -> None:
    result = pytester.runpytest(OPT_ENABLE, option, value)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*argument {option}: {message}"])
    # found by pytest's parser: even a run without --imgsafe refuses it, before anything is configured
    result = pytester.runpytest(f"{option}={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*argument {option}: {message}"])


def test_zero_is_a_valid_limit(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(
        OPT_ENABLE,
        "--imgsafe-budget-usd",
        "0",
        "--imgsafe-max-blocks",
        "0",
        "--imgsafe-explain-budget",
        "0",
        "--imgsafe-max-error-rate",
        "0",
    )
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_bad_ini_record_mode_is_a_usage_error_naming_the_key(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nimgsafe_record_mode = sometimes\n")
    result = pytester.runpytest(OPT_ENABLE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: pytest-imgsafe: imgsafe_record_mode = 'sometimes' is not a record mode*; "
            "use one of: none, once, new_episodes, all"
        ]
    )


def test_every_option_and_ini_key_is_one_the_settings_resolver_reads(pytester: pytest.Pytester) -> None:
    from pytest_imgsafe.base.options import INI_KEYS, OPTIONS

    config = pytester.parseconfig()
    added = [name for name in config._parser._opt2dest if name.startswith("--imgsafe")]  # noqa: SLF001
    assert sorted(added) == sorted(OPTIONS)
    assert sorted(name for name in config._parser._inidict if name.startswith("imgsafe")) == sorted(INI_KEYS)  # noqa: SLF001


@pytest.mark.parametrize("name", ["cassettes/moderation/fox.json", "corpora/c.yaml", "pyproject.toml"])
def test_a_report_path_naming_a_file_that_is_no_report_is_refused_before_the_run(
    pytester: pytest.Pytester, name: str
) -> None:
    """A report replaces only a report: naming a cassette, a corpus or the pyproject is a usage
    error before anything runs, and the file is left byte for byte as it was."""
    pytester.makefile(".toml", pyproject='[tool.imgsafe]\ncorpora = ["corpora"]\n')
    (pytester.path / "corpora").mkdir()
    (pytester.path / "corpora" / "c.yaml").write_text("cases:\n  - id: a\n    prompt: A fox\n    expect: pass\n")
    (pytester.path / "cassettes" / "moderation").mkdir(parents=True)
    (pytester.path / "cassettes" / "moderation" / "fox.json").write_text('{"version": 1, "interactions": []}')
    before = (pytester.path / name).read_bytes()
    result = pytester.runpytest(OPT_ENABLE, f"--imgsafe-report={name}")
    result.stderr.fnmatch_lines([f"ERROR: pytest-imgsafe: --imgsafe-report *{name} exists and is not a report*"])
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (pytester.path / name).read_bytes() == before
    assert not list(pytester.path.rglob("*.html")) and not list(pytester.path.rglob("*.md"))


def test_an_empty_report_path_is_a_usage_error_not_a_run_without_a_report(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(OPT_ENABLE, "--imgsafe-report=")
    result.stderr.fnmatch_lines(["ERROR: pytest-imgsafe: --imgsafe-report takes a path (e.g. *), not nothing"])
    assert result.ret == pytest.ExitCode.USAGE_ERROR
