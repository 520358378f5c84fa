"""Dashboards on the marts (issue 20): the `cx ui` web app and the `cx report` static HTML.

``warehouse`` reads the DuckDB file read-only with a cache per file version; ``dashboards`` holds every page's
queries and charts as a list of blocks, which ``app`` (Streamlit) and ``report`` (static HTML) both render, so
the two never drift; ``review`` reads and appends identity review decisions; ``masking`` hides PII.
Streamlit and plotly are the optional extra ``ui``: nothing here is imported by the rest of the package.
"""
