"""`make loadtest`: generated articles through the embedded stack, to show that none is lost or run twice."""
