from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Long work outside the request (Django's tasks framework, django-tasks-db): progress, files, errors."""

    name = "jobs"
