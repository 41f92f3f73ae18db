import pytest

from .. import zou as zou_harness


@pytest.fixture(scope="session")
def zou(tmp_path_factory):
    if zou_harness.venv() is None:
        pytest.skip(
            "zou is not installed (`make zou` could not install it): the Kitsu integration tests are skipped"
        )
    server = zou_harness.Zou(tmp_path_factory.mktemp("zou"))
    server.install()
    server.start()
    yield server
    server.drop()


@pytest.fixture
def kitsu(zou, settings):
    """The service pointed at the running zou, and an admin's gazu client to arrange Kitsu with."""
    import gazu

    settings.KITSU_URL, (settings.KITSU_EMAIL, settings.KITSU_PASSWORD) = zou.url, zou_harness.ADMIN
    settings.PORTAL_URL = "https://rights.example"
    client = gazu.client.create_client(zou.url)
    gazu.log_in(*zou_harness.ADMIN, client=client)
    return client
