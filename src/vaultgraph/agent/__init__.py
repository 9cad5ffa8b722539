"""AI agents' access to a vault: ``kg mcp``, a Model Context Protocol server over stdio.

``tools.VaultTools`` answers (warm, one process) with the CLI's ``--json`` shapes; ``server`` exposes it with the
official ``mcp`` SDK, imported only when the server starts.
"""
