"""Writes of the tracker bridge: links (versioned, on the ledger), the shots a tracker or an edit
holds (created and changed through rightsledger's services), and the outbox of posts back to
Kitsu with their delivery."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rightsledger import services as rl
from rightsledger.errors import Conflict, Errors
from rightsledger.models import Production, Shot

from . import timeline as tl
from .kitsu import Kitsu, TrackerUnavailable
from .models import TrackerLink, TrackerPost

log = logging.getLogger(__name__)
SYNC_ACTOR = "system:tracker"


# --- Links ---------------------------------------------------------------------------------------


def _clean_link(data: dict) -> dict:
    errors = Errors()
    out = dict(data)
    external = str(data.get("external_id") or "").strip()
    if not external or len(external) > 64:
        errors.add(
            "external_id",
            "required",
            "Give the tracker's id of the project or shot (a zou UUID), at most 64 characters.",
        )
    out["external_id"] = external
    out["external_name"] = str(data.get("external_name") or "")[:200]
    if data.get("kind") == "shot" and data.get("shot") is None:
        errors.add("shot", "required", "A shot link names the shot.")
    errors.raise_if_any()
    return out


LINK = rl.Kind(TrackerLink, {"external_id", "external_name"}, _clean_link)


def current_links():
    return TrackerLink.objects.filter(replaced_by__isnull=True, status="active")


def project_link(*, actor, production: Production, external_id: str, external_name: str = "") -> TrackerLink:
    """Link a production to a Kitsu project; refuse a second link."""
    existing = current_links().filter(production=production, kind="project").first()
    if existing is not None:
        if existing.external_id == external_id:
            return existing
        raise Conflict(
            f"{production.code} is already linked to Kitsu project "
            f"{existing.external_name or existing.external_id}; unlink it first.",
            code="already_linked",
        )
    return rl.record_create(
        LINK,
        actor=actor,
        data={
            "production": production,
            "shot": None,
            "tracker": "kitsu",
            "kind": "project",
            "external_id": external_id,
            "external_name": external_name,
        },
    )


def shot_link(*, actor, shot: Shot, external_id: str, external_name: str = "") -> TrackerLink:
    """Link a shot to a Kitsu shot (relinking it by amendment if it was linked to another)."""
    existing = current_links().filter(shot=shot).first()
    if existing is not None:
        if existing.external_id == external_id:
            return existing
        return rl.record_amend(
            LINK,
            actor=actor,
            record=existing,
            changes={"external_id": external_id, "external_name": external_name},
            reason=f"Relinked to Kitsu shot {external_name or external_id}",
        )
    return rl.record_create(
        LINK,
        actor=actor,
        data={
            "production": shot.production,
            "shot": shot,
            "tracker": "kitsu",
            "kind": "shot",
            "external_id": external_id,
            "external_name": external_name,
        },
    )


_clients: dict[tuple, Kitsu] = {}


def kitsu_from_settings() -> Kitsu:
    """The Kitsu client, with the credentials from the environment (never the database); one per
    process, so its login (a bcrypt check on zou's side) is made once, not per delivery."""
    if not (settings.KITSU_URL and settings.KITSU_EMAIL and settings.KITSU_PASSWORD):
        raise TrackerUnavailable(
            "Kitsu is not configured: set KITSU_URL, KITSU_EMAIL and KITSU_PASSWORD in the environment."
        )
    key = (
        settings.KITSU_URL,
        settings.KITSU_EMAIL,
        settings.KITSU_PASSWORD,
        settings.KITSU_EVENTS_URL,
        settings.KITSU_TIMEOUT,
    )
    if key not in _clients:
        _clients[key] = Kitsu(
            settings.KITSU_URL,
            settings.KITSU_EMAIL,
            settings.KITSU_PASSWORD,
            timeout=settings.KITSU_TIMEOUT,
            events_url=settings.KITSU_EVENTS_URL,
        )
    return _clients[key]


# --- Shots from a tracker or an edit ---------------------------------------------------------------


@dataclass
class Plan:
    """What a sync or an import would do (or did): per shot code, created, updated (with the
    changes), removed, restored or unchanged."""

    created: list[str] = field(default_factory=list)
    updated: dict[str, dict] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "removed": self.removed,
            "restored": self.restored,
            "unchanged": len(self.unchanged),
        }

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.updated) + len(self.removed) + len(self.restored)


def _apply_shot(
    plan: Plan,
    *,
    actor,
    production: Production,
    existing: Shot | None,
    code: str,
    values: dict,
    reason: str,
    dry_run: bool,
) -> Shot | None:
    """Create the shot, or bring it to values; record what was done in plan."""
    if existing is None:
        plan.created.append(code)
        if dry_run:
            return None
        return rl.shot_create(actor=actor, production=production, code=code, **values)
    changes = {k: v for k, v in values.items() if getattr(existing, k) != v}
    if existing.removed and "removed" not in values:
        changes["removed"] = False
    if not changes:
        plan.unchanged.append(code)
        return existing
    if changes.get("removed") is False:
        plan.restored.append(code)
    others = {k: v for k, v in changes.items() if k != "removed"}
    if others:
        plan.updated[code] = {k: [getattr(existing, k), v] for k, v in others.items()}
    return existing if dry_run else rl.shot_update(actor=actor, shot=existing, changes=changes, reason=reason)


def tracker_sync(*, production: Production, kitsu: Kitsu, actor=SYNC_ACTOR, dry_run: bool = False) -> Plan:
    """Bring the production's shots in line with its Kitsu project: create the new ones, update
    frames and sequences that changed, mark removed the ones Kitsu no longer has (or has
    canceled), never deleting any. A second run changes nothing."""
    project = current_links().filter(production=production, kind="project").first()
    if project is None:
        raise Conflict(
            f"{production.code} is not linked to a Kitsu project: "
            f"run `manage.py tracker link {production.code} PROJECT`.",
            code="not_linked",
        )
    remote = kitsu.shots(project.external_id)
    links = {
        link.external_id: link
        for link in current_links().filter(production=production, kind="shot").select_related("shot")
    }
    shots = {s.code: s for s in production.shots.all()}
    plan = Plan()
    seen = set()
    for r in remote:
        if r.canceled:
            continue
        seen.add(r.id)
        link = links.get(r.id)
        code = tl.code_of(f"{r.sequence}_{r.name}" if r.sequence else r.name)
        existing = link.shot if link is not None else shots.get(code)
        values = {
            "sequence": r.sequence[:100],
            "frame_in": r.frame_in,
            "frame_out": r.frame_out,
            "frame_count": r.frame_count,
        }
        shot = _apply_shot(
            plan,
            actor=actor,
            production=production,
            existing=existing,
            code=existing.code if existing else code,
            values=values,
            reason="Synchronised from Kitsu",
            dry_run=dry_run,
        )
        if shot is not None and not dry_run and (link is None or link.shot_id != shot.pk):
            shot_link(actor=actor, shot=shot, external_id=r.id, external_name=f"{r.sequence}/{r.name}")
    for external_id, link in links.items():
        if external_id not in seen and not link.shot.removed:
            plan.removed.append(link.shot.code)
            if not dry_run:
                rl.shot_update(
                    actor=actor,
                    shot=link.shot,
                    changes={"removed": True},
                    reason="Removed (or canceled) in Kitsu",
                )
    return plan


def timeline_import(*, actor, production: Production, rows: list[tl.ClipRow], dry_run: bool = False) -> Plan:
    """Create or update a shot per clip of an edit (its source and record ranges and its reel).
    All or nothing: one transaction. A second import of the same edit changes nothing."""
    shots = {s.code: s for s in production.shots.all()}
    plan = Plan()
    with transaction.atomic():
        for row in rows:
            values = {
                "frame_in": row.frame_in,
                "frame_out": row.frame_out,
                "frame_count": row.frame_count,
                "record_in": row.record_in,
                "record_out": row.record_out,
                "reel": row.reel,
            }
            if row.sequence:
                values["sequence"] = row.sequence[:100]
            _apply_shot(
                plan,
                actor=actor,
                production=production,
                existing=shots.get(row.code),
                code=row.code,
                values=values,
                reason="Imported from the edit",
                dry_run=dry_run,
            )
    return plan


# --- Posts back to Kitsu ------------------------------------------------------------------------


def post_enqueue(*, key: str, shot: Shot, status: str, text: str, data: dict) -> TrackerPost | None:
    """Keep a post for a linked shot until it is delivered; None when the shot is not linked.
    The same key twice is one post."""
    link = current_links().filter(shot=shot).first()
    if link is None:
        return None
    post, _ = TrackerPost.objects.get_or_create(
        key=key,
        defaults={
            "shot": shot,
            "external_shot_id": link.external_id,
            "status": status,
            "text": text,
            "data": data,
        },
    )
    return post


def posts_deliver(kitsu: Kitsu, limit: int = 200) -> dict:
    """Deliver pending posts in the order they were made, each exactly once: the comment carries
    the post's key, so one posted before a lost answer is found on the retry, not posted again.
    Stops at the first failure (later posts of a shot must not overtake it). Returns
    {"delivered", "pending", "error"}."""
    delivered, error = 0, ""
    for pk in TrackerPost.objects.filter(state="pending").order_by("id").values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            post = (
                TrackerPost.objects.select_for_update(skip_locked=True).filter(pk=pk, state="pending").first()
            )
            if post is None:
                continue
            try:
                task = kitsu.clearance_task(post.external_shot_id)
                marker = f"[rightsledger:{post.key}]"
                comment = kitsu.find_comment(task, marker) or kitsu.comment(
                    task, post.status, f"{post.text}\n\n{marker}"
                )
                kitsu.update_shot_data(post.external_shot_id, {"rightsledger": post.data})
            except TrackerUnavailable as exc:
                error = str(exc)
                TrackerPost.objects.filter(pk=pk).update(attempts=post.attempts + 1, last_error=error[:2000])
                break
            TrackerPost.objects.filter(pk=pk).update(
                state="delivered",
                attempts=post.attempts + 1,
                last_error="",
                external_comment_id=comment["id"],
                delivered_at=timezone.now(),
            )
            delivered += 1
    return {
        "delivered": delivered,
        "pending": TrackerPost.objects.filter(state="pending").count(),
        "error": error,
    }
