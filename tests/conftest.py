def pytest_configure(config):
    config.addinivalue_line("markers", "nest: cross-checks against NEST 3 (skipped when NEST is not installed)")
