"""Reading what a stage is given: `--input` paths (`inputs`), the formats accepted and how
(`input_formats`, `format_readers`, `record_adapter`), the document reader every stage that
reads documents starts with (`document_reader`), the base of raw-input readers
(`path_list.PathListReader`) and what they mark as excluded (`exclusion`), ids unique per file
(`unique_ids`) and file names that are not UTF-8 (`file_names`). No re-exports."""
