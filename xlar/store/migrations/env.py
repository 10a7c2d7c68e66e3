"""Alembic environment for the xlar activity store.

Migrations run from code (:func:`xlar.store.db.upgrade`), which hands the
connection over in ``config.attributes["connection"]``; ``alembic`` on the
command line works too with ``-x url=...``.
"""

from alembic import context
from sqlalchemy import create_engine

from xlar.store.schema import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = context.get_x_argument(as_dictionary=True).get("url") or \
            config.get_main_option("sqlalchemy.url")
        with create_engine(url).begin() as conn:
            _migrate(conn)
    else:
        _migrate(connection)


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run()
