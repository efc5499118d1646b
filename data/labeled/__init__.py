"""The labeled corpus (data/labeled), shipped in the wheel as smgov_nlp.labeled so training works anywhere."""
