"""What ``smgov train`` trains on and keeps: the shipped corpus or a full one, your reviewed.csv, the tuned settings."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import LABELED, REPO
from typer.testing import CliRunner

from smgov_nlp import __version__
from smgov_nlp.cli import app
from smgov_nlp.errors import SmgovError
from smgov_nlp.model.corpus import packaged_corpus_dir
from smgov_nlp.model.folder import default_model_dir
from smgov_nlp.model.sources import resolve_sources

SHIPPED = f"corpus: the labeled corpus shipped with smgov-nlp {__version__}"


def test_the_packaged_corpus_is_the_repository_corpus():
    packaged = packaged_corpus_dir()
    for name in ("tables_en.csv", "tables_es.csv", "prose.csv", "augment.csv", "additions.csv", "layer_definitions.csv"):
        assert (packaged / name).read_bytes() == (LABELED / name).read_bytes()


def test_an_empty_folder_trains_on_the_shipped_corpus_and_keeps_the_shipped_settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sources = resolve_sources()
    assert sources.packaged and sources.corpus_dir == packaged_corpus_dir() and sources.reviewed is None
    assert sources.dev_dir is None and sources.base_dir == default_model_dir()
    shipped = json.loads((default_model_dir() / "config.json").read_text(encoding="utf-8"))
    assert sources.base_config["dedupe"] == shipped["dedupe"]
    assert sources.notes[0] == SHIPPED
    assert sources.notes[1] == ("no folder data/labeled: no reviewed decisions added "
                                "(pass --data with the folder holding your reviewed.csv)")
    assert sources.notes[2].startswith(f"kept from the model default@{shipped['data_hash'][:12]} (shipped with smgov-nlp")
    assert "pass --dev with a folder holding paraphrase_tune.csv to retune them" in sources.notes[2]
    record = sources.record(0)
    assert record["corpus"] == f"shipped with smgov-nlp {__version__}" and record["dedupe_tuned_on"] is None
    assert record["kept_from"]["settings"][0] == "idea_space"


def test_a_folder_with_only_reviewed_csv_adds_it_to_the_shipped_corpus(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "reviewed.csv").write_text("", encoding="utf-8")
    (tmp_path / "dev").mkdir()  # a dev folder beside a reviewed-only folder is not used unless --dev names it
    (tmp_path / "dev" / "paraphrase_tune.csv").write_text("text,group_id,type\n", encoding="utf-8")
    sources = resolve_sources("mine")
    assert sources.packaged and sources.reviewed.resolve() == tmp_path / "mine" / "reviewed.csv" and sources.dev_dir is None
    assert sources.notes[0] == SHIPPED and sources.notes[1].startswith("kept from the model")
    assert sources.record(3)["reviewed"] == "mine/reviewed.csv"


def test_a_folder_without_reviewed_csv_says_so(tmp_path):
    sources = resolve_sources(tmp_path)
    assert sources.notes[1].startswith(f"no reviewed.csv in {tmp_path.as_posix()}: no reviewed decisions added")


def test_a_full_corpus_replaces_the_shipped_one_and_tunes_on_its_sibling_dev_folder(tmp_path):
    """The maintainers' `make train`: data/labeled with data/dev beside it, exactly as before."""
    sources = resolve_sources(LABELED)
    assert not sources.packaged and sources.corpus_dir == LABELED
    assert sources.dev_dir == REPO / "data" / "dev" and sources.base_config is None
    copy = tmp_path / "labeled"
    copy.mkdir()
    shutil.copy(LABELED / "tables_en.csv", copy / "tables_en.csv")
    sources = resolve_sources(copy)  # a copied corpus without a dev folder keeps the shipped settings
    assert not sources.packaged and sources.dev_dir is None and sources.base_config is not None
    assert sources.notes[0] == f"corpus: the labeled files in {copy.as_posix()} (a full corpus, used instead of the shipped one)"


def test_dev_must_hold_paraphrase_tune_csv(tmp_path):
    with pytest.raises(SmgovError, match="has no paraphrase_tune.csv.*pass --dev with a folder holding paraphrase_tune.csv"):
        resolve_sources(tmp_path, dev_dir=tmp_path)
    assert resolve_sources(tmp_path, dev_dir=REPO / "data" / "dev").base_config is None


def test_data_that_is_a_file_is_an_error_naming_the_fix(tmp_path):
    (tmp_path / "reviewed.csv").write_text("", encoding="utf-8")
    with pytest.raises(SmgovError, match="is a file, expected a folder.*pass --data with the folder holding your reviewed.csv"):
        resolve_sources(tmp_path / "reviewed.csv")


def test_a_base_model_without_tuned_settings_is_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    (tmp_path / "idea_space.joblib").write_bytes(b"")
    with pytest.raises(SmgovError, match="no tuned duplicate-idea settings.*pass --dev"):
        resolve_sources(tmp_path / "data", base_model=tmp_path)


def test_train_cli_errors_name_a_real_fix(tmp_path):
    result = CliRunner().invoke(app, ["train", "--out", str(tmp_path / "m"), "--dev", str(tmp_path)])
    assert result.exit_code != 0
    assert "--data data/labeled" not in str(result.exception) + result.output
    assert not (tmp_path / "m").exists()
