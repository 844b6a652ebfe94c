"""The load that ``python -m bench`` drives through locust, one scenario per run.

The scenario comes from the JSON file named by ``$BENCH_SCENARIO``::

    {"mode": "get", "label": "products", "paths": ["/products/"],
     "sessions": [{"cookies": {...}, "form_token": "…"}], "samples": "/tmp/x.json"}

    {"mode": "sale", "label": "sale-hot", "sessions": […], "samples": …,
     "store": 3, "customer": 7, "date": "2026-11-24", "products": [12]}

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

from locust import HttpUser, constant, events, task

SCENARIO = json.loads(open(os.environ["BENCH_SCENARIO"]).read())  # noqa: SIM115
SAMPLES: list[tuple[float, int]] = []
USER_NUMBERS = itertools.count()


@events.request.add_listener
def record_sample(name, response_time, response, exception, **kwargs):
    if name == SCENARIO["label"]:
        status = getattr(response, "status_code", 0) or 0
        SAMPLES.append((response_time, status if exception is None else status or -1))


@events.quitting.add_listener
def write_samples(environment, **kwargs):
    with open(SCENARIO["samples"], "w") as samples:
        json.dump(SAMPLES, samples)


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
        if SCENARIO["mode"] == "sale":
            # The token bench took from a real form of this session; Django
            # accepts it for every POST of the session (the cookie's secret
            # does not change).
            self.token = session["form_token"]
            self.product = SCENARIO["products"][self.number % len(SCENARIO["products"])]

    @task
    def scenario(self):
        if SCENARIO["mode"] == "sale":
            self.create_sale()
        else:
            self.client.get(next(self.paths), name=SCENARIO["label"])

    def create_sale(self):
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
            name=SCENARIO["label"],
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # 302 to the new sale is success; 200 is the form again (not
            # enough stock), which is a correct refusal, not a failure.
            if response.status_code in (200, 302):
                response.success()
            else:
                response.failure(f"status {response.status_code}")
