"""Alembic environment for the DSAR tables: run through dsar.migrate on a live connection;
the DSAR history has its own version table beside the gateway's."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True,
                  version_table="dsar_alembic_version")
with context.begin_transaction():
    context.run_migrations()
