"""The load that ``python -m bench`` drives through locust, one scenario per run.

The scenario comes from the JSON file named by ``$BENCH_SCENARIO``::

    {"mode": "get", "label": "products", "paths": ["/products/"],
     "sessions": [{"cookies": {...}, "form_token": "…"}], "samples": "/tmp/x.json"}

    {"mode": "sale", "label": "sale-hot", "sessions": […], "samples": …,
     "store": 3, "customer": 7, "date": "2026-11-24", "products": [12]}

    {"mode": "mixed", "label": "mixed", "sessions": […], "samples": …,
     "pages": [["dashboard", ["/dashboard/"]], …], "store": 3, "other_store": 4,
     "customer": 7, "supplier": 2, "date": "2026-11-24", "products": [12, 13, …]}

``mixed`` is a shop's day: each user browses the pages (most of its requests) and
now and then records a sale, a purchase or a transfer to another store (created,
dispatched and received: three requests), at random with fixed weights, all at
once with the other users. Its samples are kept per request name ("mixed: sale").

Every simulated user takes one of ``sessions``, logged in by ``bench`` before
the run (with the CSRF token of a real form of that session), then requests
the scenario's pages back to back (no think time), so the figures are those
of a saturated server. Each measured request's time and
status go to ``samples`` when locust quits: ``bench`` computes the
percentiles itself, exactly, instead of using locust's rounded buckets.
"""

import itertools
import json
import os
import random
import re

from locust import HttpUser, constant, events, task

SCENARIO = json.loads(open(os.environ["BENCH_SCENARIO"]).read())  # noqa: SIM115
MIXED = SCENARIO["mode"] == "mixed"
# (time, status) of each request of the scenario; per request name in a mixed load.
SAMPLES: dict[str, list[tuple[float, int]]] = {}
USER_NUMBERS = itertools.count()
# What a user of the mixed load does next: mostly reading pages.
MIXED_WEIGHTS = {"browse": 14, "sale": 3, "purchase": 1, "transfer": 1}
RECEIVE_FIELD = re.compile(r'name="(receive-received_\d+)"')


@events.request.add_listener
def record_sample(name, response_time, response, exception, **kwargs):
    if name == SCENARIO["label"] or (MIXED and name.startswith("mixed: ")):
        status = getattr(response, "status_code", 0) or 0
        sample = (response_time, status if exception is None else status or -1)
        SAMPLES.setdefault(name, []).append(sample)


@events.quitting.add_listener
def write_samples(environment, **kwargs):
    with open(SCENARIO["samples"], "w") as samples:
        json.dump(SAMPLES if MIXED else SAMPLES.get(SCENARIO["label"], []), samples)


class BenchUser(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.number = next(USER_NUMBERS)
        self.paths = itertools.cycle(
            SCENARIO.get("paths", [])[self.number :] + SCENARIO.get("paths", [])[: self.number]
        )
        # A session that bench logged in beforehand: password hashing is
        # deliberately slow, and must not eat into the measured seconds.
        session = SCENARIO["sessions"][self.number % len(SCENARIO["sessions"])]
        for name, value in session["cookies"].items():
            self.client.cookies.set(name, value)
        if SCENARIO["mode"] in ("sale", "mixed"):
            # The token bench took from a real form of this session; Django
            # accepts it for every POST of the session (the cookie's secret
            # does not change).
            self.token = session["form_token"]
            self.product = SCENARIO["products"][self.number % len(SCENARIO["products"])]
        if MIXED:
            self.random = random.Random(self.number)
            self.pages = SCENARIO["pages"]

    @task
    def scenario(self):
        if SCENARIO["mode"] == "sale":
            self.create_sale()
        elif MIXED:
            self.mixed()
        else:
            self.client.get(next(self.paths), name=SCENARIO["label"])

    def mixed(self):
        (action,) = self.random.choices(list(MIXED_WEIGHTS), weights=MIXED_WEIGHTS.values())
        if action == "browse":
            # A page, then one of its paths (one of the 20 products' pages, say).
            label, paths = self.random.choice(self.pages)
            self.client.get(self.random.choice(paths), name=f"mixed: {label}")
        elif action == "sale":
            self.create_sale(name="mixed: sale")
        elif action == "purchase":
            self.record_purchase()
        else:
            self.move_to_other_store()

    def post(self, path: str, data: dict, name: str, expected=(302,)):
        """POST a form; ``expected`` statuses pass, a 200 (the form again, refused) too."""
        data = {"csrfmiddlewaretoken": self.token, **data}
        with self.client.post(
            path, data=data, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code in (*expected, 200):
                response.success()
            else:
                response.failure(f"status {response.status_code}")
            return response

    @staticmethod
    def one_line(product, quantity, **fields) -> dict:
        return {
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "100",
            "lines-0-product": product,
            "lines-0-quantity": quantity,
            **{f"lines-0-{name}": value for name, value in fields.items()},
        }

    def record_purchase(self):
        # Five units back in: the stock the sales take keeps coming.
        self.post(
            "/purchases/new/",
            {
                "supplier": SCENARIO["supplier"],
                "store": SCENARIO["store"],
                "date": SCENARIO["date"],
                "notes": "bench",
                **self.one_line(self.product, "5", unit_cost="", entered_in=""),
            },
            name="mixed: purchase",
        )

    def move_to_other_store(self):
        created = self.post(
            "/transfers/new/",
            {
                "from_store": SCENARIO["store"],
                "to_store": SCENARIO["other_store"],
                "date": SCENARIO["date"],
                "notes": "bench",
                **self.one_line(self.product, "1"),
            },
            name="mixed: transfer, create",
        )
        transfer = created.headers.get("Location", "")
        if created.status_code != 302 or not re.fullmatch(r"/transfers/\d+/", transfer):
            return
        dispatched = self.post(
            f"{transfer}dispatch/", {"reason": ""}, name="mixed: transfer, dispatch"
        )
        if dispatched.status_code != 302:
            return
        # The receive form's fields are named after the transfer's lines.
        page = self.client.get(transfer, name="mixed: transfer, page")
        fields = dict.fromkeys(RECEIVE_FIELD.findall(page.text), "1")
        if fields:
            self.post(
                f"{transfer}receive/",
                {**fields, "receive-reason": ""},
                name="mixed: transfer, receive",
            )

    def create_sale(self, name=None):
        data = {
            "csrfmiddlewaretoken": self.token,
            "customer": SCENARIO["customer"],
            "store": SCENARIO["store"],
            "date": SCENARIO["date"],
            "notes": "bench",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "100",
            "lines-0-product": self.product,
            "lines-0-quantity": "1",
            "lines-0-unit_price": "",
        }
        with self.client.post(
            "/sales/new/",
            data=data,
            name=name or SCENARIO["label"],
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # 302 to the new sale is success; 200 is the form again (not
            # enough stock), which is a correct refusal, not a failure.
            if response.status_code in (200, 302):
                response.success()
            else:
                response.failure(f"status {response.status_code}")
