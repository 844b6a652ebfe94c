from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Long work outside the request (django.tasks, django-tasks-db): progress, files, errors."""

    name = "jobs"
