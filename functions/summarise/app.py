"""Lambda entry point: re-exports the handler so its code lives, and is tested, in the precis package."""

from precis.aws.handler import lambda_handler

__all__ = ["lambda_handler"]
