"""Steps of the web ingest stage (pipelines/ingest_web.py): WARC reading, charset decoding,
the Japanese pre-check, licence evidence, text extraction, language ID, URL block list."""
