"""Helpers the developer tools share: timing statistics, machine facts and Markdown tables."""
