"""Alembic environment for the DSAR tables: run through dsar.migrate on a live connection;
the DSAR history has its own version table beside the gateway's."""

from alembic import context

from dsar.migrate import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True,
                  version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
