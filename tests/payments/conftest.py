import pytest

from tests.payments.helpers import make_frank


@pytest.fixture
def frank(db):
    return make_frank()
