"""The pure core: bytes or text in, summary document out.

Import what you use from its modules (`precis.core.pipeline.Summariser`): this package imports nothing
itself, so the light modules (the document types, `identity`) load without spaCy.
"""
