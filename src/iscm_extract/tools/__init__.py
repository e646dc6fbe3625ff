"""Tools for people reading the tables: diff.py (what changed, row by row), evaluate.py (scores
against gold), review.py (HTML pages of each row beside its text)."""
