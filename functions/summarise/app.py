"""Lambda entry point of SummariseFunction: its code lives, and is tested, in precis.aws.summarise."""

from precis.aws.summarise import from_environment

lambda_handler = from_environment()
