"""Document-mining pipeline for Chinese rural-policy reports.

Stages, one module each: ingest -> normalize -> structure -> extract -> link -> graph/store -> tables/export.
"""

__version__ = "0.1.0"
