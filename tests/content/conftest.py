import pytest
from sqlite_utils import Database

from content.migrations import migrations
from content.store import ContentStore


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "keeper.db")
    migrations.apply(database)
    yield database
    database.close()


@pytest.fixture
def store(db) -> ContentStore:
    return ContentStore(db)
