"""Lambda entry point of ApiFunction: its code lives, and is tested, in precis.aws.api."""

from precis.aws.api import from_environment

lambda_handler = from_environment()
