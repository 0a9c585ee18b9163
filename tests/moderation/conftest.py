import pytest
from sqlite_utils import Database


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "keeper.db")
    yield database
    database.close()
