"""The embedded local stack (moto on 127.0.0.1 + worker processes) and the `precis` command's helpers."""
