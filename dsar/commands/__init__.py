"""`privacy-gateway` subcommands of the DSAR service (discovered by proxy.cli)."""
