"""Tests of smgov_nlp.transcripts, one file per module."""
