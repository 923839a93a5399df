"""Wikipedia dumps to article documents: the dump reader, wikitext to plain text, and the
page filters (namespace, redirect, disambiguation, length) of the `ingest_wiki` stage."""
