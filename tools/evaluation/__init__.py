"""Measuring Précis on shared data: ROUGE of summaries against human abstracts, entity P/R/F against gold."""
