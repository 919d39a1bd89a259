"""Figure steps: each reads pipeline files, computes what its figure shows and draws it with ``plots``."""
