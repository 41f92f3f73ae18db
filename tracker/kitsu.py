"""Kitsu, through its server zou and the gazu client: what the service reads from it (sequences
and shots with their frames) and writes to it (a comment and a status on a "Rights clearance"
task, and the shot's data). No Django: the caller gives the URL and credentials, which come from
the environment (KITSU_URL, KITSU_EMAIL, KITSU_PASSWORD), never from the database.

zou without nginx in front serves its API at the server's root, so the URL has no /api.
"""

from __future__ import annotations

from dataclasses import dataclass

import gazu
import requests

TASK_TYPE = "Rights clearance"
# What a post says, as a zou task status: zou's own where it has one, ours where it does not.
STATUSES = {
    "approved": ("Approved", "approved", "#22d160"),
    "needs_clearance": ("Waiting For Approval", "wfa", "#ab26ff"),
    "refused": ("Rejected", "rejected", "#ff3860"),
    "held": ("Held For Clearance", "held", "#f5a623"),
}


class TrackerUnavailable(Exception):
    """zou could not be reached or refused the call; the post stays pending and is retried."""


@dataclass(frozen=True)
class TrackerShot:
    id: str
    name: str
    sequence: str
    frame_in: int | None
    frame_out: int | None
    frame_count: int | None
    canceled: bool


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class Kitsu:
    def __init__(self, url: str, email: str, password: str, timeout: float = 10.0, events_url: str = ""):
        self.client = gazu.client.create_client(url.rstrip("/"))
        # zou's event stream (Socket.IO on /events) is its own process: behind nginx at the same
        # host, without it on its own port.
        self.client.event_host = (events_url or url).rstrip("/")
        self.client.session.request = _with_timeout(self.client.session.request, timeout)
        self.email, self.password = email, password
        self._logged_in = False
        self._statuses: dict[str, dict] = {}
        self._task_type: dict | None = None

    def login(self) -> None:
        """Log in once; a later failure logs in again on the next call."""
        self._call(lambda client: None)

    def _call(self, fn, *args, **kwargs):
        try:
            if not self._logged_in:
                gazu.log_in(self.email, self.password, client=self.client)
                self._logged_in = True
            return fn(*args, client=self.client, **kwargs)
        except (
            requests.RequestException,
            gazu.exception.HostException,
            gazu.exception.ServerErrorException,
            gazu.exception.AuthFailedException,
            gazu.exception.NotAuthenticatedException,
        ) as exc:
            self._logged_in = False
            raise TrackerUnavailable(
                f"Kitsu at {self.client.host} could not be reached: {type(exc).__name__}: {exc}"
            ) from exc

    # --- reading ---------------------------------------------------------------------------

    def project(self, project_id: str) -> dict:
        project = self._call(gazu.project.get_project, project_id)
        if not project:
            raise LookupError(f"Kitsu has no project {project_id}.")
        return project

    def project_by_name(self, name: str) -> dict | None:
        return self._call(gazu.project.get_project_by_name, name)

    def shots(self, project_id: str) -> list[TrackerShot]:
        """Every shot of the project, with its sequence and frames (canceled ones included)."""
        sequences = {s["id"]: s["name"] for s in self._call(gazu.shot.all_sequences_for_project, project_id)}
        out = []
        for s in self._call(gazu.shot.all_shots_for_project, project_id):
            data = s.get("data") or {}
            out.append(
                TrackerShot(
                    id=s["id"],
                    name=s["name"],
                    sequence=s.get("sequence_name") or sequences.get(s.get("parent_id"), ""),
                    frame_in=_int(data.get("frame_in")),
                    frame_out=_int(data.get("frame_out")),
                    frame_count=_int(s.get("nb_frames")),
                    canceled=bool(s.get("canceled")),
                )
            )
        return out

    def shot(self, shot_id: str) -> dict:
        return self._call(gazu.shot.get_shot, shot_id)

    # --- writing -----------------------------------------------------------------------------

    def task_type(self) -> dict:
        if self._task_type is None:
            found = self._call(gazu.task.get_task_type_by_name, TASK_TYPE)
            self._task_type = found or self._call(gazu.task.new_task_type, TASK_TYPE, for_entity="Shot")
        return self._task_type

    def status(self, status: str) -> dict:
        if status not in self._statuses:
            name, short, colour = STATUSES[status]
            found = self._call(gazu.task.get_task_status_by_name, name)
            self._statuses[status] = found or self._call(gazu.task.new_task_status, name, short, colour)
        return self._statuses[status]

    def clearance_task(self, shot_id: str) -> dict:
        """The shot's "Rights clearance" task, made if missing."""
        task_type = self.task_type()
        found = self._call(gazu.task.get_task_by_entity, shot_id, task_type)
        return found or self._call(gazu.task.new_task, self.shot(shot_id), task_type)

    def find_comment(self, task: dict, marker: str) -> dict | None:
        return next(
            (c for c in self._call(gazu.task.all_comments_for_task, task) if marker in (c.get("text") or "")),
            None,
        )

    def comment(self, task: dict, status: str, text: str) -> dict:
        return self._call(gazu.task.add_comment, task, self.status(status), text)

    def update_shot_data(self, shot_id: str, data: dict) -> dict:
        return self._call(gazu.shot.update_shot_data, shot_id, data)


def _with_timeout(request, timeout: float):
    def call(method, url, **kwargs):
        kwargs.setdefault("timeout", timeout)
        return request(method, url, **kwargs)

    return call
