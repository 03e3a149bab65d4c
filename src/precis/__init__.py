"""Précis: named entities and a short structured summary for news articles, on Lambda or locally."""

__version__ = "0.1.0"
