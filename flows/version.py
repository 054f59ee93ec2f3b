"""The installed tool version, recorded in every manifest and ledger run."""
from importlib.metadata import PackageNotFoundError, version


def tool_version() -> str:
    try:
        return version("uof-reporting")
    except PackageNotFoundError:
        return "0+unknown"
