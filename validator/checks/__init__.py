"""The checks: each module yields :class:`~validator.results.CheckResult` values, never prints."""
