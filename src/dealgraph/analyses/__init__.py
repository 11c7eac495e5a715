"""Analyses of a deal ledger: the questions an analyst asks, each a verb with a result value.

Lives here: money per pair on a basis (``flows``), loops (``loops``), circular share
(``circularity``), round trips (``round_trips``), the circular core (``core``),
dependency (``dependency``), the three tests of a harmful circular deal (``flags``), the record on a
date and what changed between two (``history``), stress
(``stress``) and the findings in plain words shared by
the summary, the report and the explorer (``summary``). Every result is a frozen value
with ``to_frame()``, ``to_dict()`` and a rich rendering.

May import: ``dealgraph.reading``, ``dealgraph.matrix``, ``dealgraph.transactions`` (the
compiled cycle search behind ``find_loops``) and the top-level shared modules; never the web
or the command line.
"""
