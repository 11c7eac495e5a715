"""The web: the self-contained HTML report and the local explorer.

Lives here: every view of a ledger as plain data (``report``), the page's labels in
English and Chinese (``text``), the one HTML file with its inlined script, styles and
ECharts (``render``, assets ``report.html``, ``report.js``, ``report.css``, pinned in
``vendor.json``), and the FastAPI explorer with its JSON twins (``server``).

May import: ``dealgraph.analyses``, ``dealgraph.reading`` and the top-level shared
modules; never the command line.
"""
