"""The browser review: a local page served by Starlette, with the same keys as the terminal review."""
