"""The AI preference signals an output carries, and which use each covers: AIPREF's train-ai
(training generative models only, since draft-ietf-aipref-vocab-08) and CAWG's training-mining
entries for the uses train-ai no longer covers."""

from provenance.manifest import training_mining
from rightsledger import aipref, vocab


def test_served_outputs_keep_train_ai_n():
    assert aipref.CONTENT_USAGE == "train-ai=n"
    assert "Content-Usage: /api/assets/ train-ai=n" in aipref.robots_txt()
    assert "train-genai" not in aipref.robots_txt() and "ai-use" not in aipref.robots_txt()


def test_the_manifest_keeps_the_cawg_entries_train_ai_no_longer_covers():
    entries = training_mining(frozenset(vocab.RESERVATION_USES), "cawg")["entries"]
    for use in ("cawg.ai_training", "cawg.ai_inference", "cawg.data_mining", "cawg.ai_generative_training"):
        assert entries[use] == {"use": "notAllowed"}, use


def test_the_readme_table_names_every_signal_once():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("| use | signal that covers it |", 1)[1].split("\n\n", 1)[0]
    for signal in (
        "`Content-Usage: train-ai=n`",
        "`cawg.ai_generative_training`",
        "`cawg.ai_training`",
        "`cawg.ai_inference`",
        "`cawg.data_mining`",
    ):
        assert signal in table, signal
