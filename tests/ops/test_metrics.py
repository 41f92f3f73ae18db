"""/metrics: who may read it, and that what happens moves what it says (decisions, gate latency,
run durations, the ledger's size, the last checkpoint's age, the witnesses' lag, queue depth)."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from generation import services
from rightsledger.ledger.checkpoints import ledger_publish
from rightsledger.models import WitnessCosignature

from .. import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def scrape(client, **headers) -> dict:
    """Return {(sample name, frozen labels): value} from /metrics."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples, name, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def submit(world):
    return f.plate_request_maker(world)


def test_metrics_are_served_to_this_machine_and_refused_to_another_address(client, settings):
    assert settings.METRICS_ALLOWED_ADDRESSES == ["127.0.0.1", "::1"]
    assert client.get("/metrics").status_code == 200
    refused = client.get("/metrics", REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 403 and "METRICS_BEARER_TOKEN" in refused.content.decode()


def test_metrics_are_served_to_an_allowed_network_and_to_the_bearer_token(client, settings):
    settings.METRICS_ALLOWED_ADDRESSES = ["10.20.0.0/16"]
    settings.METRICS_BEARER_TOKEN = "scrape-token-4f1e9a"
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    outside = {"REMOTE_ADDR": "198.51.100.7"}
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-4f1e9a", **outside).status_code == 200
    )
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-4f1e9b", **outside).status_code == 403
    )
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="Token scrape-token-4f1e9a", **outside).status_code == 403
    )


def test_a_decision_made_moves_its_counter_and_the_gate_latency(client, world, submit):
    before = scrape(client)
    approved = submit()
    assert approved.status == "approved"
    after = scrape(client)
    assert value(after, "rightsledger_decisions_total", kind="gate", outcome="approved") == (
        value(before, "rightsledger_decisions_total", kind="gate", outcome="approved") + 1
    )
    assert (
        value(after, "rightsledger_gate_seconds_count")
        >= value(before, "rightsledger_gate_seconds_count") + 1
    )
    assert value(after, "rightsledger_gate_seconds_sum") > 0
    # A refusal (a plate no grant covers) moves its own counter, not the approved one.
    refused = submit(plate=f.make_asset(world.prod_a, seed=42))
    assert refused.status == "refused"
    last = scrape(client)
    assert value(last, "rightsledger_decisions_total", kind="gate", outcome="refused") == (
        value(after, "rightsledger_decisions_total", kind="gate", outcome="refused") + 1
    )
    assert value(last, "rightsledger_decisions_total", kind="gate", outcome="approved") == value(
        after, "rightsledger_decisions_total", kind="gate", outcome="approved"
    )


def test_a_run_moves_the_run_durations(client, world, submit):
    before = scrape(client)
    request = submit()
    services.request_queue(actor=world.producer_a, request=request)  # eager: runs as it commits
    request.refresh_from_db()
    assert request.status == "succeeded"
    after = scrape(client)
    name = "rightsledger_run_seconds_count"
    assert value(after, name, outcome="succeeded") == value(before, name, outcome="succeeded") + 1
    # The run's re-check is a decision too.
    assert value(after, "rightsledger_decisions_total", kind="run_check", outcome="approved") >= 1


def test_the_ledger_size_checkpoint_age_and_witness_lag(client, submit):
    first = ledger_publish()
    WitnessCosignature.objects.create(
        checkpoint=first, witness="guild-witness", vkey="guild-witness+00000000+AQ", timestamp=0, line="— x\n"
    )
    submit()
    latest = ledger_publish()
    assert latest.size > first.size
    samples = scrape(client)
    assert value(samples, "rightsledger_ledger_size") == latest.size
    assert 0 <= value(samples, "rightsledger_checkpoint_age_seconds") < 60
    assert (
        value(samples, "rightsledger_witness_lag_entries", witness="guild-witness")
        == latest.size - first.size
    )


def test_queue_depth_per_queue(client, broker, settings):
    broker.lpush("fingerprint", b"{}", b"{}")
    samples = scrape(client)
    assert value(samples, "rightsledger_queue_depth", queue="fingerprint") == 2
    assert ("rightsledger_queue_depth", frozenset({"queue": "celery"}.items())) in samples


def test_django_prometheus_counts_requests(client):
    before = scrape(client)
    client.get("/healthz")
    after = scrape(client)
    name = "django_http_responses_total_by_status_total"
    assert value(after, name, status="200") >= value(before, name, status="200") + 2
