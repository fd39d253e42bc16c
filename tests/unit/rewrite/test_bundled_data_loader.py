"""The rewriting library's bundled data is read by the C YAML loader (about a third of the time
it took to build the refusal detector went to the pure-Python loader); both loaders must read
every file alike, or the detector would change with the loader PyYAML happens to have."""

from __future__ import annotations

import pytest
import yaml

from pytest_imgsafe.base.files import bundled_text
from pytest_imgsafe.base.table_files import read_yaml


@pytest.mark.parametrize("name", ["concepts.yaml", "refusal.yaml", "function_words.yaml", "describer.yaml"])
def test_bundled_rewrite_data_reads_alike_with_either_loader(name: str) -> None:
    text = bundled_text("data", "rewrite", name)
    assert read_yaml(text) == yaml.safe_load(text)


def test_data_entries_are_normalized_like_any_text() -> None:
    from pytest_imgsafe.rewrite.folding import normalize, normalized_entry

    for entry in ("N4ked", "k.k.k", "nuuude", "nackt", "一个十岁"):
        assert normalized_entry(entry) == normalize(entry)
