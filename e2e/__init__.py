"""End-to-end tests: a real browser (system Chromium, driven by Playwright) against the app."""
