"""The one error the core raises for input it cannot treat as an article."""


class ArticleError(ValueError):
    """The bytes are not a readable article; the message is a reason for humans and never quotes the text."""
