import datetime

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from jobs.models import Job

# jobs sits below accounts (and every domain app): its tests build their own users
# and leave the roles to the root conftest's ``manager`` and ``clerk`` fixtures.


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"job-owner{n}")


class JobFactory(factory.django.DjangoModelFactory):
    """A queued job; ``JobFactory(finished_with_file=b"...")`` one that succeeded with a file."""

    class Meta:
        model = Job
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    kind = "export:sale-lines"
    label = "Sale lines CSV"

    @factory.post_generation
    def finished_with_file(job, create, extracted, **kwargs):
        if not (create and extracted is not None):
            return
        finished_at = timezone.now()
        job.file.save(f"{job.pk}-sale-lines.csv", ContentFile(extracted), save=False)
        job.file_name = "sale-lines-2026-12-04.csv"
        job.status = Job.Status.SUCCEEDED
        job.done = job.total = 3
        job.finished_at = finished_at
        job.expires_at = finished_at + datetime.timedelta(hours=24)
        job.save()
