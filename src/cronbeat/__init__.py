"""cronbeat: a self-hosted cron-job and heartbeat monitor with on-call escalation."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cronbeat")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
