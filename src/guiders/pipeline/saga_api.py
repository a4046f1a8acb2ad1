"""The pipeline keeps its sagas' state on the server, through the ``/v2/sagas`` resource."""

from __future__ import annotations

from guiders.client import GuidersClient
from guiders.domain.errors import NotFound
from guiders.sagas import SagaState, SagaStore


class ApiSagaStore(SagaStore):
    def __init__(self, client: GuidersClient) -> None:
        self._client = client

    async def load(self, saga_id: str) -> SagaState | None:
        try:
            return SagaState.from_body(await self._client.request("GET", f"/v2/sagas/{saga_id}"))
        except NotFound:
            return None

    async def save(self, state: SagaState) -> SagaState:
        body = await self._client.request("PUT", f"/v2/sagas/{state.id}", json=state.to_body())
        return SagaState.from_body(body)

    async def unfinished(self, type: str | None = None) -> list[SagaState]:
        body = await self._client.request(
            "GET", "/v2/sagas", params={"status": "STARTED,COMPENSATING", "type": type}
        )
        return [SagaState.from_body(s) for s in body["sagas"]]
