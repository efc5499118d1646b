"""REPORT.md rendering (smgov_nlp.evaluation.report) and its Markdown helpers."""

from __future__ import annotations

from smgov_nlp.evaluation.markdown import md_cell, md_table, num, pct
from smgov_nlp.evaluation.protocol import FULL_COMMAND, QUICK_COMMAND
from smgov_nlp.evaluation.report import QUICK_PATHS, render_report


def test_report_renders_from_a_quick_section_alone():
    quick = {"protocol": {"folds": 5, "repeats": 1}, "run_seconds": 1.0,
             "classification": {"shipped": {"layer": {"macro_f1": 0.5}}}}
    text = render_report({"quick": quick})
    assert "smgov evaluate --out evaluation" in text and "0.500" in text
    assert FULL_COMMAND in text and QUICK_COMMAND in text
    assert sum(f"`{path}`" in text for path in QUICK_PATHS) == len(QUICK_PATHS)


def test_report_without_any_run_says_how_to_make_one():
    text = render_report({})
    assert "Not run yet" in text and FULL_COMMAND in text


def test_markdown_helpers():
    assert (num(None), num(0.12345), num(0.5, 1), pct(0.456), pct(None)) == ("–", "0.123", "0.5", "46%", "–")
    assert md_table(["a", "b"], [[1, "x"]]) == "| a | b |\n|---|---|\n| 1 | x |"
    assert md_cell("a | b\nc") == "a \\| b c"
