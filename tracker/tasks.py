"""Celery tasks of the tracker bridge: thin, safe to run twice."""

from celery import shared_task

from .kitsu import TrackerUnavailable
from .services import current_links, kitsu_from_settings, posts_deliver, tracker_sync

BACKOFF_MAX_SECONDS = 600


@shared_task(name="tracker.deliver", bind=True, max_retries=None, acks_late=True)
def tracker_deliver(self) -> dict:
    """Deliver the pending posts to Kitsu; while Kitsu is down, retry with backoff (2 s, 4 s, ...
    up to 10 minutes). A task run eagerly (tests, the demo) does not retry: the periodic delivery does."""
    try:
        result = posts_deliver(kitsu_from_settings())
    except TrackerUnavailable as exc:
        result = {"delivered": 0, "pending": None, "error": str(exc)}
    if result["error"] and not self.request.is_eager:
        raise self.retry(countdown=min(BACKOFF_MAX_SECONDS, 2 ** min(self.request.retries + 1, 10)))
    return result


@shared_task(name="tracker.sync_all")
def tracker_sync_all() -> dict:
    """Polling, the fallback to the event listener: sync every production linked to Kitsu."""
    kitsu = kitsu_from_settings()
    return {
        link.production.code: tracker_sync(production=link.production, kitsu=kitsu).as_dict()
        for link in current_links().filter(kind="project").select_related("production")
    }
