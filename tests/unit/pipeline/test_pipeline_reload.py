"""Hot reload: edits go live without a restart; a bad edit keeps the last good rules."""

from __future__ import annotations

import os
from pathlib import Path

from guiders.pipeline.context import EventContext
from guiders.pipeline.reload import RulesWatcher

GOOD = (
    "rules:\n  - name: {name}\n    when: {{keywords: [hello]}}\n"
    "    then: [{{type: tag, tags: [x]}}]\n"
)


def _write(path: Path, text: str, bump: int) -> None:
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump * 1_000_000_000))


def test_a_good_edit_goes_live_and_a_bad_one_keeps_the_old_rules(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    _write(path, GOOD.format(name="first"), 0)
    watcher = RulesWatcher(path, interval_s=0)
    event = EventContext(event_type="message.sent", event_id="e", seq=1, payload={}, text="hello")
    assert watcher.engine.fired(event) == ["first"]

    assert not watcher.poll()
    _write(path, GOOD.format(name="second"), 1)
    assert watcher.poll()
    assert watcher.engine.fired(event) == ["second"]

    _write(path, "rules:\n  - name: third\n    then: []\n", 2)
    assert not watcher.poll()
    assert watcher.engine.fired(event) == ["second"]
    assert watcher.last_error is not None
    assert "line 3, field 'rules.0.then'" in watcher.last_error.describe()

    path.unlink()
    assert not watcher.poll()
    assert watcher.engine.fired(event) == ["second"]

    _write(path, GOOD.format(name="fourth"), 3)
    assert watcher.poll()
    assert watcher.engine.fired(event) == ["fourth"] and watcher.last_error is None
