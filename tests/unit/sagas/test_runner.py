"""The saga runner: steps in order, saved after each, compensation in reverse, resumption."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from guiders.sagas import MemorySagaStore, SagaDefinition, SagaRunner, Step, StepContext, StepFailed


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs, not even compensation."""


def definition(log: list[str], *, fail: str | None = None, kill: str | None = None,
               bad_compensation: str | None = None) -> SagaDefinition:  # fmt: skip
    killed: list[str] = []

    def act(name: str) -> Step:
        async def action(ctx: StepContext) -> None:
            if name == kill and not killed:
                killed.append(name)
                raise Killed
            if name == fail:
                raise StepFailed(f"{name} broke")
            log.append(f"do {name}")
            ctx.data[name] = True

        async def compensate(ctx: StepContext) -> None:
            if name == bad_compensation:
                raise RuntimeError(f"cannot undo {name}")
            log.append(f"undo {name}")

        return Step(name, action, compensate)

    async def after(ctx: StepContext) -> None:
        log.append("handed on")

    return SagaDefinition("t", tuple(act(n) for n in ("a", "b", "c")), on_compensated=after)


async def test_steps_run_in_order_and_the_saga_completes() -> None:
    log: list[str] = []
    store = MemorySagaStore()
    runner = SagaRunner(store, {"t": definition(log)})
    state = await runner.start("t", "s1", {"x": 1})
    assert state.status == "COMPLETED" and log == ["do a", "do b", "do c"]
    stored = await store.load("s1")
    assert stored is not None and stored.status == "COMPLETED"
    assert [s["name"] for s in stored.steps] == ["a", "b", "c"]
    assert stored.context == {"x": 1, "a": True, "b": True, "c": True}
    assert stored.owner is None
    again = await runner.start("t", "s1", {"x": 2})
    assert again.status == "COMPLETED" and log == ["do a", "do b", "do c"]


async def test_a_failed_step_compensates_done_steps_in_reverse() -> None:
    log: list[str] = []
    store = MemorySagaStore()
    state = await SagaRunner(store, {"t": definition(log, fail="c")}).start("t", "s", {})
    assert state.status == "FAILED"
    assert log == ["do a", "do b", "undo b", "undo a", "handed on"]
    assert [s["status"] for s in state.steps] == ["compensated", "compensated"]
    assert state.error is not None and state.error.startswith("c: StepFailed")
    assert state.context["failedStep"] == "c"


async def test_a_failing_compensation_is_recorded_and_the_others_still_run() -> None:
    log: list[str] = []
    store = MemorySagaStore()
    runner = SagaRunner(store, {"t": definition(log, fail="c", bad_compensation="b")})
    state = await runner.start("t", "s", {})
    assert state.status == "FAILED"
    assert log == ["do a", "do b", "undo a", "handed on"]
    assert state.steps[1]["status"] == "compensation_failed"
    assert "cannot undo b" in state.steps[1]["error"]
    assert state.error is not None and "compensation failed: b: cannot undo b" in state.error


async def test_a_killed_workers_saga_is_resumed_by_another_after_its_lease() -> None:
    log: list[str] = []
    store = MemorySagaStore()
    saga = definition(log, kill="b")
    first = SagaRunner(store, {"t": saga}, owner="w1", lease_s=30)
    with pytest.raises(Killed):
        await first.start("t", "s", {})
    second = SagaRunner(store, {"t": saga}, owner="w2")
    assert await second.resume_orphans() == []  # the lease is still held
    held = await store.load("s")
    assert held is not None and held.owner == "w1" and held.status == "STARTED"
    store.sagas["s"].lease_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    [resumed] = await second.resume_orphans()
    assert resumed.status == "COMPLETED"
    assert log == ["do a", "do b", "do c"]  # a was not repeated


async def test_a_saga_killed_while_compensating_finishes_compensating() -> None:
    log: list[str] = []
    store = MemorySagaStore()
    crashing = definition(log, fail="c")
    calls = 0
    original = crashing.steps[0].compensate
    assert original is not None

    async def dies_once(ctx: StepContext) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise Killed
        await original(ctx)

    steps = (Step("a", crashing.steps[0].action, dies_once), *crashing.steps[1:])
    flaky = SagaDefinition("t", steps, on_compensated=crashing.on_compensated)
    with pytest.raises(Killed):
        await SagaRunner(store, {"t": flaky}, owner="w1").start("t", "s", {})
    mid = await store.load("s")
    assert mid is not None and mid.status == "COMPENSATING"
    store.sagas["s"].lease_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    [done] = await SagaRunner(store, {"t": flaky}, owner="w2").resume_orphans()
    assert done.status == "FAILED"
    assert log == ["do a", "do b", "undo b", "undo a", "handed on"]


async def test_two_runners_cannot_both_own_a_saga() -> None:
    store = MemorySagaStore()
    log: list[str] = []
    a = SagaRunner(store, {"t": definition(log)}, owner="a")
    b = SagaRunner(store, {"t": definition(log)}, owner="b")
    from guiders.sagas import SagaState

    await store.save(SagaState(id="s", type="t"))
    stale = await store.load("s")
    assert stale is not None
    await a.run(stale)
    result = await b.run(stale)  # stale revision: conflict, b gives up
    assert result.status == "COMPLETED" and log == ["do a", "do b", "do c"]


async def test_a_waiting_step_leaves_the_saga_started_and_unowned_until_a_later_run() -> None:
    from guiders.sagas import StepWaiting

    free = [False]
    log: list[str] = []

    async def find(ctx: StepContext) -> None:
        if not free[0]:
            raise StepWaiting("nobody free")
        log.append("found")

    async def act(ctx: StepContext) -> None:
        log.append("acted")

    store = MemorySagaStore()
    runner = SagaRunner(store, {"w": SagaDefinition("w", (Step("find", find), Step("act", act)))})
    state = await runner.start("w", "s-wait", {})
    assert state.status == "STARTED" and state.steps == [] and state.owner is None
    assert [s.id for s in await store.unfinished("w")] == ["s-wait"]
    free[0] = True
    other = SagaRunner(store, runner.definitions, owner="another")
    resumed = await other.resume_orphans()
    assert [s.status for s in resumed] == ["COMPLETED"] and log == ["found", "acted"]
