"""Accounts store nothing of their own yet (users and groups are django.contrib.auth's).

This module exists because Django sends post_migrate only to apps with a
models module, and accounts.apps syncs the Manager and Clerk roles then.
"""
