import pytest

from tests.moderation.helpers import moderation_db


@pytest.fixture
def db(tmp_path):
    database = moderation_db(tmp_path / "keeper.db")
    yield database
    database.close()
