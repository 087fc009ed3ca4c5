"""Read results kept until the ledger changes: every write appends to the journal in the same
transaction, so a result computed at one journal head stays true until the head moves."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import Connection

from ledger.queries.journal import head

Result = TypeVar("Result")


class HeadCache:
    """A bounded, thread-safe memo of read results keyed by the journal head and a key."""

    def __init__(self, size: int = 256):
        self._size = size
        self._results: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, connection: Connection, key: Hashable, compute: Callable[[], Result]) -> Result:
        """The result for `key` at the current head, computed once per head."""
        full_key = (head(connection).seq, key)
        with self._lock:
            if full_key in self._results:
                self._results.move_to_end(full_key)
                return self._results[full_key]
        result = compute()
        with self._lock:
            self._results[full_key] = result
            while len(self._results) > self._size:
                self._results.popitem(last=False)
        return result
