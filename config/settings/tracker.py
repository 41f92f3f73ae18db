"""The production tracker: Kitsu (zou)."""

import os

# Kitsu (zou): its API's URL (without nginx in front, the server's root) and the account the
# service posts with. From the environment only, never from the database.
KITSU_URL = os.environ.get("KITSU_URL", "")
KITSU_EMAIL = os.environ.get("KITSU_EMAIL", "")
KITSU_PASSWORD = os.environ.get("KITSU_PASSWORD", "")
KITSU_TIMEOUT = float(os.environ.get("KITSU_TIMEOUT_SECONDS", "10"))
KITSU_EVENTS_URL = os.environ.get(
    "KITSU_EVENTS_URL", ""
)  # zou's event stream, where it is not behind the same host
