"""Hot reload: the live rules follow their file; a bad edit keeps the last good rules.

Polls the file's modification time and size (cheap, works on every file system and in
containers where inotify is unreliable); a change is parsed and validated before it replaces
anything.
"""

from __future__ import annotations

import time
from pathlib import Path

import structlog

from guiders.pipeline.engine import DecisionEngine
from guiders.pipeline.loading import RulesError, load_rules

log = structlog.get_logger(__name__)


class RulesWatcher:
    def __init__(self, path: Path, *, interval_s: float = 1.0) -> None:
        self.path = path
        self.interval_s = interval_s
        self.engine = DecisionEngine(load_rules(path))
        self.last_error: RulesError | None = None
        self.reloads = 0
        self._stamp = self._current_stamp()
        self._checked = time.monotonic()

    def _current_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def poll(self, *, force: bool = False) -> bool:
        """Reload if the file changed; True when new rules went live."""
        now = time.monotonic()
        if not force and now - self._checked < self.interval_s:
            return False
        self._checked = now
        stamp = self._current_stamp()
        if stamp == self._stamp and not force:
            return False
        self._stamp = stamp
        try:
            rules = load_rules(self.path)
        except RulesError as exc:
            self.last_error = exc
            log.error("rules.reload_failed", path=str(self.path), error=exc.describe())
            return False
        self.engine = DecisionEngine(rules)
        self.last_error = None
        self.reloads += 1
        log.info("rules.reloaded", path=str(self.path), rules=len(rules.rules))
        return True
