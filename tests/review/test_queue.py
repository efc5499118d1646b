"""The review queue: reading and validating it, most uncertain first, without what is already decided."""

from __future__ import annotations

import math

import pytest

from review.conftest import S1, S2, S3, S5, S6
from smgov_nlp.errors import SmgovError
from smgov_nlp.review.decision import Decision
from smgov_nlp.review.queue import load_queue, nearest_examples
from smgov_nlp.review.store import DecisionStore
from smgov_nlp.text import text_hash


def test_load_queue_most_uncertain_first_stable_dedup_and_blank(queue_csv, data_dir):
    queue = load_queue(queue_csv, data_dir)
    assert list(queue["text"]) == [S2, S5, S3, S6, S1]  # S3 and S6 tie at 0.50: file order kept
    assert list(queue["min_confidence"]) == [0.30, 0.40, 0.50, 0.50, 0.85]
    assert list(queue["queue_row"]) == [3, 6, 4, 7, 2]
    assert queue.loc[0, "text_hash"] == text_hash(S2)
    assert queue.loc[0, "layer_runner_up"] == "institutional_framework"
    assert queue.loc[1, "lang"] == "es"  # blank lang detected from the text
    assert math.isnan(queue.loc[0, "type_runner_up_confidence"])
    assert queue.attrs == {"rows": 7, "blank": 1, "duplicates": 1, "already_decided": 0}


def test_load_queue_resumes_without_decided_statements(queue_csv, data_dir):
    DecisionStore(data_dir).append([
        Decision.new("falta DE presupuesto  para redes", "general_context", "risk", reviewer="ana"),
        Decision.new(S3, "technology", "risk", reviewer="ana"),
    ])
    queue = load_queue(queue_csv, data_dir)
    assert list(queue["text"]) == [S5, S6, S1]
    assert queue.attrs["already_decided"] == 2


def test_load_queue_with_only_text_keeps_file_order(tmp_path, data_dir):
    path = tmp_path / "q.csv"
    path.write_text("text\nuno\n\ndos\n", encoding="utf-8")
    queue = load_queue(path, data_dir)
    assert list(queue["text"]) == ["uno", "dos"]
    assert list(queue["layer"]) == ["", ""]
    assert list(queue["model_version"]) == ["", ""]


def test_load_queue_needs_a_text_column(tmp_path, data_dir):
    path = tmp_path / "q.csv"
    path.write_text("body,layer\nhola,technology\n", encoding="utf-8")
    with pytest.raises(SmgovError) as info:
        load_queue(path, data_dir)
    assert info.value.problem == "expected a column 'text' in q.csv, found ['body', 'layer']"


def test_load_queue_rejects_bad_ids_and_confidences(tmp_path, data_dir):
    path = tmp_path / "q.csv"
    path.write_text("text,layer,layer_confidence\nuno,technology,0.5\ndos,tech,0.5\n", encoding="utf-8")
    with pytest.raises(SmgovError, match=r"^row 3 of q.csv: layer 'tech' is not a valid id"):
        load_queue(path, data_dir)
    path.write_text("text,layer,layer_confidence\nuno,technology,alta\n", encoding="utf-8")
    with pytest.raises(SmgovError, match=r"^row 2 of q.csv: layer_confidence 'alta' is not a number"):
        load_queue(path, data_dir)


def test_nearest_examples_split():
    assert nearest_examples("No hay recursos | Budget cuts") == ["No hay recursos", "Budget cuts"]
    assert nearest_examples('["a | b", "c"]') == ["a | b", "c"]
    assert nearest_examples("") == []
