"""The committed default model (models/default), shipped in the wheel as smgov_nlp.models."""
