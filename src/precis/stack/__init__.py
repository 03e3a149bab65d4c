"""Talking to a Précis stack, deployed (`--stack NAME`) or embedded: finding it, uploading, its status."""
