"""Steps for source code: reading repositories and archives safely, licence detection and
policy per repository, StarCoder-style file filters, and secret masking.

`pipelines/ingest_code.py` chains them; each module holds one concept.
"""
