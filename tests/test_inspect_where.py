"""`jacorpus inspect --where`: the grammar, and a missing key matching no comparison."""

from __future__ import annotations

import json

import pytest
from datatrove.data import Document

from corpus.cli import main
from corpus.config import ConfigError
from corpus.reports.inspect import matches, parse_where
from corpus.formats.shards import ShardWriter

WITH_ADDRESS = Document(text="東京都千代田区", id="web/1", metadata={"pii": {"ADDRESS": 1}, "lang_score": 1.0,
                                                                   "url": "https://a.jp/?q=1~2"})
WITH_EMAIL = Document(text="メール", id="web/2", metadata={"pii": {"EMAIL": 2}})
NO_PII = Document(text="本文", id="web/3", metadata={"licence": "CC-BY-4.0"})


def chosen(*clauses: str) -> list[str]:
    where = parse_where(list(clauses))
    return [d.id for d in (WITH_ADDRESS, WITH_EMAIL, NO_PII) if matches(d, where)]


def test_a_missing_key_matches_no_comparison():
    assert chosen("pii.ADDRESS!=0") == ["web/1"]
    assert chosen("licence!=MIT") == ["web/3"]
    assert chosen("pii.EMAIL~2") == ["web/2"]


def test_presence_and_absence_clauses():
    assert chosen("pii") == ["web/1", "web/2"]
    assert chosen("!pii") == ["web/3"]
    assert chosen("!pii.ADDRESS") == ["web/2", "web/3"]


def test_values_may_hold_operators_and_numbers_compare_as_numbers():
    assert parse_where(["url~?q=1~2"]) == [("url", "~", "?q=1~2")]
    assert chosen("url~?q=1~2") == ["web/1"]
    assert chosen("lang_score=1") == ["web/1"]
    assert chosen("pii.EMAIL=2.0", "id=web/2") == ["web/2"]


@pytest.mark.parametrize("clause", ["=x", "!a=b", "", "a b"])
def test_malformed_clauses_are_one_line_errors(clause):
    with pytest.raises(ConfigError, match="--where"):
        parse_where([clause])


def test_inspect_command_uses_the_grammar(tmp_path, capsys):
    with ShardWriter(str(tmp_path / "shards")) as writer:
        for doc in (WITH_ADDRESS, WITH_EMAIL, NO_PII):
            writer.write(Document(text=doc.text, id=doc.id, metadata=dict(doc.metadata)), rank=0)
    assert main(["inspect", str(tmp_path / "shards" / "00000.parquet"), "--where", "pii.ADDRESS!=0", "--json"]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [d["id"] for d in printed] == ["web/1"]
