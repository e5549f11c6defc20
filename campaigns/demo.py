"""Demo data of the campaigns app for `make run` (called by seed_demo; must be idempotent)."""


def seed(*, stdout) -> None:
    return None
