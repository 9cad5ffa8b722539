"""``kg serve``: the vault over HTTP (a JSON API with the CLI's shapes) and a web page, always warm.

``http.Server`` answers; ``service.serving.LiveVault`` does the work; ``static/`` is the page (no CDN:
everything it loads ships with the package)."""
