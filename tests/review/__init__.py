"""Tests of smgov_nlp.review, one file per module."""
