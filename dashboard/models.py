"""The dashboard stores nothing of its own.

This module exists because Django sends post_migrate only to apps with a
models module, and dashboard.apps syncs the Manager and Clerk roles then.
"""
