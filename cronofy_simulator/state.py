"""The simulator's whole world: applications, OUs, hosts, templates, requests, tokens, deliveries.

Records are plain JSON-able dicts so that persistence is trivial and the admin API can show them
as they are. One re-entrant lock guards everything: the simulator is small and correctness under
concurrent test traffic matters more than throughput.

With a state file, every write transaction is flushed to SQLite before the lock is released, so a
demo survives a restart (the file holds one row per record).
"""

import json
import sqlite3
import threading
from contextlib import contextmanager

COLLECTIONS = (
    "applications",
    "organizational_units",
    "hosts",
    "templates",
    "scheduling_requests",
    "oauth_codes",
    "oauth_grants",
    "oauth_tokens",
    "webhook_deliveries",
    "clock",  # the simulated clock's offset (clock.py)
)


class Store:
    def __init__(self, path=None):
        self.path = path
        self.lock = threading.RLock()
        self.data = {name: {} for name in COLLECTIONS}
        self._depth = 0
        if path:
            self._load()

    @contextmanager
    def read(self):
        with self.lock:
            yield self.data

    @contextmanager
    def write(self):
        """Hold the lock while mutating; flush to disk when the outermost writer finishes."""
        with self.lock:
            self._depth += 1
            try:
                yield self.data
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._save()

    def reset(self):
        with self.write() as data:
            for name in COLLECTIONS:
                data[name].clear()

    # -- persistence -------------------------------------------------------------------------

    def _connect(self):
        connection = sqlite3.connect(self.path)
        connection.execute(
            "CREATE TABLE IF NOT EXISTS records ("
            " collection TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,"
            " PRIMARY KEY (collection, id))"
        )
        return connection

    def _load(self):
        connection = self._connect()
        try:
            rows = connection.execute("SELECT collection, id, body FROM records").fetchall()
        finally:
            connection.close()
        for collection, record_id, body in rows:
            if collection in self.data:
                self.data[collection][record_id] = json.loads(body)

    def _save(self):
        if not self.path:
            return
        rows = [
            (collection, record_id, json.dumps(record, sort_keys=True))
            for collection, records in self.data.items()
            for record_id, record in records.items()
        ]
        connection = self._connect()
        try:
            with connection:
                # Rewriting everything keeps the file an exact image of memory; the simulator
                # holds demo-sized data, so this stays cheap.
                connection.execute("DELETE FROM records")
                connection.executemany("INSERT INTO records VALUES (?, ?, ?)", rows)
        finally:
            connection.close()
