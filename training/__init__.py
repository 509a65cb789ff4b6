"""Offline training: reading labelled corpora, fitting models, evaluating them on held-out folds,
writing model files. Nothing here runs in the pipeline; `transforms/` only loads what it writes."""
