"""Japanese quality filters for web text: one shared analysis per document, Swallow and
LLM-jp/HojiChar rules as datatrove filters, and the clean-up that runs before them.

Entry points: `filters.quality.chain.quality_steps(options)` (the datatrove steps),
`filters.quality.cleanup.TextCleanup`, `filters.quality.options.QualityOptions` (every
threshold with its source), `filters.quality.model_train` / `model_score`
(the optional classifier and character-LM scores), `filters.quality.explain` (one
document's figures and deciding rule). docs/filter.md describes the rules and their
measured precision and recall.
"""
