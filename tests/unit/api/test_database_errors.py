import httpx
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from guiders.api import errors


def app_raising(invalidated: bool) -> FastAPI:
    app = FastAPI()
    errors.install(app)

    @app.get("/boom")
    async def boom() -> None:
        raise DBAPIError(
            "SELECT 1", None, ConnectionError("gone"), connection_invalidated=invalidated
        )

    return app


async def call(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/boom")


async def test_a_lost_database_connection_is_a_retryable_503() -> None:
    response = await call(app_raising(invalidated=True))
    assert response.status_code == 503
    assert response.json()["error"] == "service_unavailable"
    assert response.headers["retry-after"] == "1"


async def test_other_database_errors_stay_internal_errors_without_details() -> None:
    response = await call(app_raising(invalidated=False))
    assert response.status_code == 500
    assert response.json() == {
        "error": "internal_error",
        "message": "Something went wrong on our side",
    }
