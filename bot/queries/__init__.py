"""Read queries shared by the JSON API and the console pages: plain async functions, JSON-ready answers."""
