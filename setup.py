"""The package list, found on disk: `propdesk` (shared/propdesk) and `propdesk_services` (services/),
with every sub-package under them. Everything else about the project is in pyproject.toml."""
from setuptools import find_packages, setup


def packages() -> list[str]:
    return (["propdesk"] + [f"propdesk.{p}" for p in find_packages("shared/propdesk")]
            + ["propdesk_services"] + [f"propdesk_services.{p}" for p in find_packages("services", exclude=["*.tests", "*.tests.*", "tests"])])


setup(packages=packages())
