"""docpipe: saved Chinese portal pages -> clean PDF / DOCX briefings."""

__version__ = "0.1.0"
