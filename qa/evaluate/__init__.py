"""Evaluation of the read path: `python -m qa.evaluate` (see qa.evaluate.run for the metric definitions)."""

from qa.evaluate.run import QUESTIONS, Question, Report, evaluate, load_questions, sentence_hit

__all__ = ["QUESTIONS", "Question", "Report", "evaluate", "load_questions", "sentence_hit"]
