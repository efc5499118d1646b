"""REFI-QDA exchange: the pre-coding as a ``.qdpx`` project and ``.qdc`` codebook for NVivo, ATLAS.ti, MAXQDA and
QualCoder, people's codings back as review decisions, and the agreement between coders (the model among them).

:mod:`~smgov_nlp.qda.spans` (each statement's span in its transcript's plain text), :mod:`~smgov_nlp.qda.codebook`,
:mod:`~smgov_nlp.qda.project` (export), :mod:`~smgov_nlp.qda.reader`, :mod:`~smgov_nlp.qda.units` (selections to
statements), :mod:`~smgov_nlp.qda.importing` (``smgov review --import FILE.qdpx``) and
:mod:`~smgov_nlp.qda.agreement` (``smgov agreement``).
"""
