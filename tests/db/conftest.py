from tests.db.backends import backend, db

__all__ = ["backend", "db"]
