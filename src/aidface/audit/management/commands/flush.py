"""Django's `flush`, extended so that it can empty the audit table on SQLite.

On SQLite `flush` deletes rows with DELETE, which the append-only triggers reject, so
the triggers are dropped for the flush and created again afterwards. Only someone
with shell access to the server can run this; it is also what Django's transactional
tests use between tests. PostgreSQL's flush uses TRUNCATE and needs no change.
"""
from django.core.management.commands import flush
from django.db import connections

from aidface.audit import triggers


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)

        triggers.remove(connection)
        try:
            return super().handle(**options)
        finally:
            triggers.install(connection)
