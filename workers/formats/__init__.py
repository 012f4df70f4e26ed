"""One module per family of document formats; `workers.extract.extract` picks among them.

Each module's extractors take (path, warnings, max_bytes) and return a `base.Extracted`,
or raise `TaskError`; parsers are imported inside the functions that need them.
"""
