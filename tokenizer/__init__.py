"""Japanese tokenizer: train (`train`, `sampling`, `presegment`), export (`hf_export`),
evaluate (`evaluate`, `backends`), expand a Llama vocabulary (`expand`, `expand_sp`,
`expand_bytelevel`), and write Megatron token shards (`token_shards`; the format and its reader
are `corpus/formats/megatron_format.py`).
The stages are `pipelines/tokenizer_train.py` and `pipelines/tokenize.py`; see docs/tokenizer.md."""
