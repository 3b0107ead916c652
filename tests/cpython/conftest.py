def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'cpython_suite: runs CPython\'s own test.test_asyncio modules with nixloop '
                   'swapped in (tests/cpython/run_suite.py); deselect with -m "not cpython_suite"')
