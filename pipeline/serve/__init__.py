"""The explorer (``ruralmine serve``): a local web app over an output folder's store, in Chinese.

``store.Explorer`` reads the store (kg.duckdb) and the text files; ``fixes`` writes a researcher's corrections
to the corpus's corrections file; ``app`` is the WSGI app (Werkzeug routing, Jinja2 templates that escape every
value) and ``serve`` runs it on 127.0.0.1 unless a host is given explicitly. Nothing is loaded at import.
"""
