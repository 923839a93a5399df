"""Wiki pages whose markup would make the parser run for minutes (mwparserfromhell's time
grows about quadratically with unclosed templates, links, tags): excluded as
`pathological_markup`, by structure before parsing and by a per-page deadline during it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from benchmarks.evalsets import bad_inputs as bad
import pyarrow.parquet as pq
import pytest
from datatrove.data import Document

from filters.wiki.markup_guard import MarkupBudget, ParseTimeout, PathologicalMarkupFilter, markup_problem, parse_deadline
ROOT = Path(__file__).resolve().parent.parent
REAL = "wiki/jawiki_pages-articles_first262pages_2022.xml.bz2"


def ingest(tmp_path: Path, dump: Path, seconds: float = 300, *options: str) -> tuple[dict, Counter]:
    """The stage's CLI on one dump (a process of its own: the deadline is a main-thread
    timer), which must finish within `seconds`."""
    env = {**os.environ, "JACORPUS_QUIET": "1", "PYTHONPATH": str(ROOT)}
    sets = [arg for option in options for arg in ("--set", option)]
    proc = subprocess.run([sys.executable, "-m", "corpus.cli", "ingest", "wiki", "--input", str(dump), "--output",
                           str(tmp_path / "out"), "--quiet", *sets], env=env, capture_output=True, text=True,
                          timeout=seconds, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    excluded = Counter()
    for shard in (tmp_path / "out" / "excluded").glob("*.parquet"):
        excluded.update((r["metadata"]["title"], r["metadata"]["reason"]) for r in pq.read_table(shard).to_pylist())
    return json.loads((tmp_path / "out" / "report.json").read_text()), excluded


def test_page_of_200000_unclosed_templates_is_excluded_without_parsing(tmp_path):
    report, excluded = ingest(tmp_path, bad.unclosed_template_dump(tmp_path / "dump.xml"), 120)
    assert excluded[("閉じないテンプレート", "pathological_markup")] == 1
    assert report["documents"]["kept"] == 2


def test_slow_markup_the_structure_check_misses_is_stopped_by_the_deadline(tmp_path):
    dump = tmp_path / "refs.xml"
    unclosed_refs = "本文&lt;ref&gt;" * 12000  # escaped in the XML, as a dump holds it
    pages = bad.good_wiki_pages(170, 1) + bad.wiki_page(171, "閉じない ref", unclosed_refs) + bad.good_wiki_pages(172, 1)
    dump.write_bytes(bad.wiki_dump(pages))
    report, excluded = ingest(tmp_path, dump, 300, "max_parse_seconds=0.5")
    assert excluded[("閉じない ref", "pathological_markup")] == 1
    assert report["documents"]["kept"] == 2


def test_real_pages_pass_the_guard(shared_data):
    from filters.wiki.dump_files import iter_dump_bytes
    from filters.wiki.page_xml import parse_page, scan

    budget = MarkupBudget()
    pages = [parse_page(e.data) for e in scan(iter_dump_bytes(str(shared_data / REAL), 0, None)) if e.kind == "page"]
    assert len(pages) == 262
    assert [p.title for p in pages if markup_problem(p.text, budget)] == []


def test_guard_names_what_it_found():
    budget = MarkupBudget(max_wikitext_bytes=1000, max_unclosed=10)
    assert "unclosed" in markup_problem("{{a|" * 11, budget)
    assert "unclosed" in markup_problem("[[a|" * 11, budget)
    assert "bytes" in markup_problem("あ" * 400, budget)
    assert markup_problem("{{a|b}}" * 50 + "[[c]]" * 50, budget) is None
    doc = Document(text="{{a|" * 11, id="wiki/x/1", metadata={})
    assert PathologicalMarkupFilter(budget).filter(doc) == (False, "pathological_markup")
    assert doc.metadata["figures"]["unclosed_templates"] == 11.0


def test_deadline_interrupts_a_long_call_and_restores_the_previous_alarm():
    before = signal.getsignal(signal.SIGALRM)
    with pytest.raises(ParseTimeout):
        with parse_deadline(0.2):
            end = time.monotonic() + 30
            while time.monotonic() < end:
                pass
    with parse_deadline(5):
        pass
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_deadline_is_a_no_op_off_the_main_thread():
    done: list = []
    worker = threading.Thread(target=lambda: done.append(parse_deadline(0.1).__enter__() is None))
    worker.start()
    worker.join(5)
    assert done == [True]
