"""``smgov evaluate``: every figure the project quotes, measured one way, written to one folder.

:func:`~smgov_nlp.evaluation.run.run_evaluation` writes ``metrics.json`` (the numbers; some paths are an interface other
tools check), ``REPORT.md`` (the same numbers for a reader), ``LABEL_AUDIT.md`` and PNG figures.

What is measured
----------------
- **Classification, grouped.** Folds come from ``StratifiedGroupKFold`` on the layer of the
  *scored* rows (the hand-coded table ideas in both languages, and reviewed decisions), with the
  idea (``group``) as the group: 10 folds × 3 repeats (seeds 0, 1, 2). Each fold trains on every
  labelled row whose idea is not in the test fold (paraphrases, prose and definitions included)
  and scores each scored row of the test fold once per repeat. Macro-F1 is computed per repeat
  over all scored rows, pooled and per language, then averaged over the repeats.
- **Baselines** on the same folds and training rows: majority class, TF-IDF + LR, USE + LR,
  MiniLM + LR and USE+MiniLM + LR (the last two need the ``[st]`` extra), the shipped
  configuration, and the shipped configuration trained on the table rows only.
- **Cross-lingual transfer**: train on one language's rows of the training ideas, score the other
  language's table rows of the held-out ideas.
- **Calibration** (15-bin expected calibration error, reliability diagram) and **selective
  prediction** from the shipped configuration's out-of-fold probabilities. The auto-accept figure
  is nested: each fold applies the thresholds its own classifier chose on its own training data.
- **Real text** (``data/dev/real_text.csv``, never trained on) with the shipped model.
- **Duplicate ideas** on ``data/dev/paraphrase_test.csv`` at the shipped model's threshold.
- **Label audit**: cleanlab ranks the hand-coded table rows whose out-of-fold probabilities
  disagree most with their label (``LABEL_AUDIT.md``).
- **Reviewed corrections**: the same folds with and without the reviewed rows in training.

``quick=True`` runs 5 folds × 1 repeat without the sentence-transformers baselines. Its numbers go
under ``quick`` in ``metrics.json`` and never replace the full ones; it writes no figures.

Modules
-------
- :mod:`.protocol`: the protocols, the experiments compared (one typed record each) and the plan of every fit.
- :mod:`.runner`: the embeddings every fit sees, one fit, and all of them in worker processes.
- :mod:`.baselines`: the majority, TF-IDF + LR and embedding + LR heads.
- :mod:`.results`: the fits' out-of-fold predictions assembled per experiment and repeat.
- :mod:`.metrics`: ECE, the selective curve, macro-F1 per language, idea-count errors; dict helpers.
- :mod:`.sections`: the sections of ``metrics.json``.
- :mod:`.audit`: the cleanlab label audit and ``LABEL_AUDIT.md``.
- :mod:`.figures`: the PNG figures.
- :mod:`.report` (with :mod:`.markdown`): ``REPORT.md``.
- :mod:`.run`: :func:`~smgov_nlp.evaluation.run.run_evaluation`, which ties them together.
"""
