"""Entry point of `python -m precis.benchmark`; `main` is also what `precis bench` calls."""

from precis.benchmark import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
