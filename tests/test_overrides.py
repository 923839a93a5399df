"""corpus.overrides: one `--set KEY=VALUE` for stage options and the trainer's config."""

from __future__ import annotations

import pytest

from corpus.config import ConfigError
from corpus.overrides import apply_overrides, parse_overrides


def test_values_are_yaml_and_keys_dotted_paths_in_order():
    parsed = parse_overrides(["input.text_key=content", "against=[a, b]", "lr=3e-4", "model.shape={dim: 64}"])
    assert parsed == {"input.text_key": "content", "against": ["a", "b"], "lr": 3e-4, "model.shape": {"dim": 64}}
    assert list(parsed) == ["input.text_key", "against", "lr", "model.shape"]


def test_an_override_replaces_the_value_at_its_path_and_keeps_its_neighbours():
    options = {"input": {"txt": "blocks", "id_key": "id"}, "quality": {"model": {"enabled": False}}}
    out = apply_overrides(options, {"input.text_key": "content", "quality.model.enabled": True,
                                    "new.deep.key": 1})
    assert out == {"input": {"txt": "blocks", "id_key": "id", "text_key": "content"},
                   "quality": {"model": {"enabled": True}}, "new": {"deep": {"key": 1}}}
    assert apply_overrides({"input": {"txt": "blocks"}}, {"input": {"text_key": "x"}}) == {"input": {"text_key": "x"}}


@pytest.mark.parametrize("item, message", [
    ("k=[1", "--set k=[1: the value is not valid YAML"),
    ("novalue", "--set novalue: expected KEY=VALUE"),
    ("a..b=1", "--set a..b=1: expected KEY=VALUE"),
])
def test_a_bad_item_is_one_config_error_naming_it(item, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace(".", r"\.")):
        parse_overrides([item])


def test_the_trainer_asks_for_section_key():
    assert parse_overrides(["optim.lr=1e-4"], min_depth=2) == {"optim.lr": 1e-4}
    with pytest.raises(ConfigError, match=r"--set lr=1: expected section\.key=value"):
        parse_overrides(["lr=1"], min_depth=2)


def test_a_path_through_a_value_that_is_not_a_mapping_is_an_error():
    with pytest.raises(ConfigError, match=r"--set optim\.lr\.x=1: optim\.lr is not a mapping"):
        apply_overrides({"optim": {"lr": 1e-4}}, {"optim.lr.x": 1})


def test_stage_cli_applies_set_over_the_options_file(tmp_path, capsys):
    """`--options` then `--set`: the file's other input keys stay, a path through a scalar is one line."""
    from corpus.cli import main

    text = tmp_path / "in.txt"
    text.write_text("一つ目の段落です。\n\n二つ目の段落です。\n", encoding="utf-8")
    options = tmp_path / "opts.yaml"
    options.write_text("input: {txt: blocks}\nmax_document_chars: 100\n")
    out = tmp_path / "out"
    assert main(["filter", "-i", str(text), "-o", str(out), "-q", "--options", str(options),
                 "--set", "input.licence=public-domain"]) == 0
    import json

    report = json.loads((out / "report.json").read_text())
    assert report["options"]["input"]["txt"] == "blocks" and report["options"]["input"]["licence"] == "public-domain"
    assert main(["filter", "-i", str(text), "-o", str(tmp_path / "o2"), "-q", "--options", str(options),
                 "--set", "max_document_chars.x=1"]) == 2
    assert "max_document_chars is not a mapping" in capsys.readouterr().err
