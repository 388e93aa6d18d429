"""Alembic environment: always run through proxy.db.migrate, which hands over a live
connection (sync facade of the async engine) in ``config.attributes["connection"]``."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
