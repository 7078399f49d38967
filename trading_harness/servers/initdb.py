"""How the harness creates a PostgreSQL cluster: initdb's flags, one place for the embedded server and the lint's
throwaway cluster. Their environment is `servers.identity.server_env()` (the C locale, a PATH, nothing else)."""
from __future__ import annotations

INITDB_FLAGS = ("--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C",
                "--wal-segsize=1", "--no-sync", "--no-instructions")
