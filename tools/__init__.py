"""Developer tooling run from a checkout (make eval, bench, loadtest): never installed, never shipped."""
