"""The reporting period chosen in the query string (``?period=30d`` or a custom range); its
form is ``dashboard.forms.PeriodForm``."""

import datetime
from dataclasses import dataclass

# Longer periods are charted per month instead of per day, and per year when
# even months would make the bars too thin to read.
MAX_DAILY_POINTS = 92
MAX_MONTHLY_POINTS = 120
# A custom range longer than this is a typo (year 0202 for 2025), not a question.
MAX_CUSTOM_DAYS = 100 * 366


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: datetime.date | None  # None: from the beginning
    end: datetime.date | None  # inclusive; None: no end, so post-dated documents count too

    @property
    def query(self) -> dict:
        """The list-page filters that show the documents these totals count.

        Totals leave voided documents out, so the links ask for valid ones only.
        """
        query = {"status": "valid"}
        if self.start:
            query["date_from"] = self.start.isoformat()
        if self.end:
            query["date_to"] = self.end.isoformat()
        return query

    @property
    def form_query(self) -> dict:
        """The :class:`PeriodForm` input that selects this period on another report."""
        if self.key == "custom":
            return {
                "period": "custom",
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
            }
        return {"period": self.key}
