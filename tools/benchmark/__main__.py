"""Entry point of `python -m tools.benchmark`; `main` is also what `precis bench` calls."""

from tools.benchmark import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
