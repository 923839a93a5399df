"""Repetition rules (Swallow, after Gopher): repeated paragraphs, sentences and character n-grams.

Boilerplate repeated down a page, the same sentence pasted ten times, and generated
spam built from a few phrases all show up as text that repeats itself. Paragraph and
sentence repeats are counted by number and by characters; n-gram repeats over
characters (Japanese has no spaces), computed for all n at once in `char_ngrams`, and
for duplicates within windows of a few thousand characters: a long clean novel repeats
its names and phrases across chapters, which says nothing about spam, while a pasted
block repeats within a window. By default the duplicate n-grams are counted on the prose
sentences and on the lines that repeat whole (`TextAnalysis.prose_and_repeated_lines`), not
inside the distinct lines of a list: a biography's works list names its magazine and
publisher on every line, the way a table repeats a field name, and on the whole page that
alone crossed FineWeb-2's thresholds.
"""

from __future__ import annotations

from functools import partial

from filters.quality.analysis import TextAnalysis
from filters.quality.options import RepetitionOptions
from filters.quality.rules import Check, QualityRuleFilter, limit


def _repeats(parts: list[str]) -> tuple[int, int]:
    """(number of parts that repeat an earlier part, characters in them).

    Every part beyond the first copy of each distinct part is a repeat, so both numbers
    are totals minus the distinct parts' totals (set and map run in C, not a Python loop)."""
    distinct = set(parts)
    return len(parts) - len(distinct), sum(map(len, parts)) - sum(map(len, distinct))


def _paragraph_repeats(a: TextAnalysis) -> tuple[int, int]:
    return a.memo(_paragraph_repeats, lambda an: _repeats(an.paragraphs))  # type: ignore[return-value]


def _sentence_repeats(a: TextAnalysis) -> tuple[int, int]:
    return a.memo(_sentence_repeats, lambda an: _repeats(an.sentences))  # type: ignore[return-value]


def dup_paragraph_fraction(a: TextAnalysis) -> float:
    return _paragraph_repeats(a)[0] / len(a.paragraphs) if a.paragraphs else 0.0


def dup_paragraph_char_fraction(a: TextAnalysis) -> float:
    return _paragraph_repeats(a)[1] / a.letters if a.letters else 0.0


def dup_sentence_fraction(a: TextAnalysis) -> float:
    return _sentence_repeats(a)[0] / len(a.sentences) if a.sentences else 0.0


def dup_sentence_char_fraction(a: TextAnalysis) -> float:
    return _sentence_repeats(a)[1] / a.letters if a.letters else 0.0


def top_ngram_fraction(a: TextAnalysis, n: int, dups_over: str | None = None, window: int | None = None) -> float:
    """Top n-gram share of the page, in one n-gram pass with the page's duplicate n-grams only
    when the duplicate rules (measured over `dups_over`, None when off) read that very pass:
    the same numbers either way, exact, but one pass fewer."""
    shared = (dups_over is not None and (dups_over == "page" or _dup_text(a) is a)
              and (window is None or round(a.compact_codepoints.size / window) <= 1))
    return a.top_ngram_fraction(n, with_dups=shared)


def dup_ngram_fraction(a: TextAnalysis, n: int, window: int | None = None) -> float:
    """Share of characters in n-grams seen earlier; with `window`, earlier in the same window."""
    return a.dup_ngram_fraction(n) if window is None else a.windowed_dup_ngram_fraction(n, window)


def prose_dup_ngram_fraction(a: TextAnalysis, n: int, window: int | None = None) -> float:
    """`dup_ngram_fraction` of the prose sentences and of the other sentences that repeat whole
    (every copy); the whole page when it has no prose sentence, as the other prose measures.

    A pasted sentence, paragraph or line is counted in every copy, and so is a templated
    sentence with one word changed; what is left out is the distinct list lines, headings and
    fragments, where a magazine, publisher or field name recurs once per line by structure."""
    return dup_ngram_fraction(_dup_text(a), n, window)


def _dup_text(a: TextAnalysis) -> TextAnalysis:
    return a.prose_and_repeated_lines if a.prose_sentences else a


class RepetitionFilter(QualityRuleFilter):
    name = "👯 repetition"
    family = "repetition"

    def __init__(self, options: RepetitionOptions | None = None, sources=("web",), exclusion_writer=None):
        super().__init__(options or RepetitionOptions(), sources, exclusion_writer)

    def build_checks(self, o: RepetitionOptions) -> list[Check]:
        checks = [
            *limit("max_dup_paragraph_frac", "dup_paragraph_frac", dup_paragraph_fraction, o.max_dup_paragraph_frac, "above"),
            *limit("max_dup_paragraph_char_frac", "dup_paragraph_char_frac", dup_paragraph_char_fraction,
                   o.max_dup_paragraph_char_frac, "above"),
            *limit("max_dup_sentence_frac", "dup_sentence_frac", dup_sentence_fraction, o.max_dup_sentence_frac, "above"),
            *limit("max_dup_sentence_char_frac", "dup_sentence_char_frac", dup_sentence_char_fraction,
                   o.max_dup_sentence_char_frac, "above"),
        ]
        page_dups = o.dup_ngram_over == "page"
        for n, threshold in sorted(o.max_top_ngram_frac.items()):
            checks += limit(f"max_top_{n}gram_frac", f"top_{n}gram_frac",
                            partial(top_ngram_fraction, n=n, dups_over=o.dup_ngram_over if o.max_dup_ngram_frac else None,
                                    window=o.dup_ngram_window), threshold, "above")
        measure, prefix = (dup_ngram_fraction, "") if page_dups else (prose_dup_ngram_fraction, "prose_")
        for n, threshold in sorted(o.max_dup_ngram_frac.items()):
            checks += limit(f"max_dup_{n}gram_frac", f"{prefix}dup_{n}gram_frac",
                            partial(measure, n=n, window=o.dup_ngram_window), threshold, "above")
        return checks
