"""cronbeat: a self-hosted cron-job and heartbeat monitor with on-call escalation."""


def __getattr__(name: str) -> str:
    # Looked up on first use: importlib.metadata costs ~45 ms at every start of `cronbeat run`.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("cronbeat")
        except PackageNotFoundError:  # a source tree that is not installed
            return "0.0.0"
    raise AttributeError(f"module 'cronbeat' has no attribute {name!r}")
