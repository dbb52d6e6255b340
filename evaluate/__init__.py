"""Evaluation of the read path: `python -m evaluate` (see evaluate.run for the metric definitions)."""

from evaluate.run import QUESTIONS, Question, Report, evaluate, load_questions, sentence_hit

__all__ = ["QUESTIONS", "Question", "Report", "evaluate", "load_questions", "sentence_hit"]
