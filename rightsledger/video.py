"""The one way this service opens a clip to decode its frames, as rightsledger.imaging is for images:
a clip whose video stream declares frames of more than max_pixels pixels, or more frames or seconds
than the service decodes, is refused from its header, before a frame is decoded. libavcodec is also
given the pixel limit (its max_pixels option), so a stream whose header lies cannot make it allocate
a larger frame; a frame that decodes to another size than the header's is refused as it comes out,
and decoding stops at max_frames whatever the header said. Pure: PyAV only, no Django, so that
rightsledger-check opens clips as the service does.

Writing a clip (av.open(..., "w")) decodes nothing and does not come through here."""

from __future__ import annotations

import errno
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .imaging import MAX_PIXELS, ImageRefused

if TYPE_CHECKING:
    import av

# The default limits, for callers without settings (the service passes IMAGE_MAX_PIXELS and
# VIDEO_MAX_FRAMES): an hour at 30 frames a second.
MAX_FRAMES = 30 * 60 * 60


def _decoder_limit(max_pixels: int) -> int:
    """Return the limit libavcodec is given: max_pixels and a sixteenth. It checks a row width
    rounded up to its alignment (up to 64 pixels), so the slack keeps it from refusing a frame
    that the header check accepts; the header check is the exact one."""
    return max_pixels + max_pixels // 16


class VideoRefused(ImageRefused):
    """A clip this service will not decode: the API answers 400 (as for an image), the portal says why.
    code: image_too_large (its frames), video_too_long (frames or seconds), video_corrupt (a frame
    that is not the size its header declares)."""


def _too_large(width: int, height: int, max_pixels: int) -> VideoRefused:
    return VideoRefused(
        f"The clip's frames are {width:,} × {height:,} pixels ({width * height:,}); the most this service "
        f"decodes is {max_pixels:,} pixels a frame. Send a smaller clip, or ask an admin to raise "
        "IMAGE_MAX_PIXELS.",
        code="image_too_large",
    )


def _too_long(what: str, *, max_frames: int | None = None, max_seconds: float | None = None) -> VideoRefused:
    """Return the refusal of a clip longer than max_frames frames, or max_seconds seconds (a limit
    its caller sets: training clearance samples no more frames than its fingerprint mode takes)."""
    if max_frames is not None:
        limit, advice = f"{max_frames:,} frames", ", or ask an admin to raise VIDEO_MAX_FRAMES"
    else:
        limit, advice = f"{max_seconds:g} seconds", ""
    return VideoRefused(
        f"The clip {what}; the most this service decodes of one clip here is {limit}. "
        f"Send a shorter clip (cut it into parts){advice}.",
        code="video_too_long",
    )


class CheckedClip:
    """An open clip whose video stream's header passed the checks: its size, declared frames and
    seconds (0 and None where the header does not say), frame rate, and its frames and packets
    through checked iterators. container is PyAV's, for seeking; decode only through frames()."""

    def __init__(self, container, *, max_pixels: int, max_frames: int, max_seconds: float | None):
        if not container.streams.video:
            raise ValueError("it has no video stream")
        self.container = container
        self.stream = stream = container.streams.video[0]
        self.max_pixels, self.max_frames, self.max_seconds = max_pixels, max_frames, max_seconds
        context = stream.codec_context
        self.width, self.height = int(context.width or 0), int(context.height or 0)
        self.rate = stream.average_rate or stream.guessed_rate
        self.declared_frames = int(stream.frames or 0)
        if stream.duration is not None and stream.time_base is not None:
            self.seconds = float(stream.duration * stream.time_base)
        elif container.duration:
            self.seconds = container.duration / 1_000_000
        else:
            self.seconds = None
        if self.width * self.height > max_pixels:
            raise _too_large(self.width, self.height, max_pixels)
        if self.declared_frames > max_frames:
            raise _too_long(f"declares {self.declared_frames:,} frames", max_frames=max_frames)
        if self.seconds is not None and max_seconds is not None and self.seconds > max_seconds:
            raise _too_long(f"lasts {self.seconds:,.1f} seconds", max_seconds=max_seconds)
        if self.seconds is not None and self.rate and self.seconds * float(self.rate) > max_frames + 1:
            rate = float(self.rate)
            what = f"lasts {self.seconds:,.1f} seconds at {rate:g} frames a second"
            raise _too_long(what, max_frames=max_frames)
        # libavcodec's own limit, for a header that understates the frames' size or gives none.
        context.options = {**(context.options or {}), "max_pixels": str(_decoder_limit(max_pixels))}

    def frames(self) -> Iterator[av.VideoFrame]:
        """Yield the video stream's frames, decoded one at a time. Raises VideoRefused at a frame of
        another size than the header's (or, where the header gives none, the first frame's), past
        max_frames frames, or past max_seconds after the first frame."""
        import av  # defers FFmpeg (PyAV) until a clip is decoded

        count, start, declared = 0, None, bool(self.width and self.height)
        decoded = self.container.decode(self.stream)
        while True:
            try:
                frame = next(decoded)
            except StopIteration:
                return
            except av.FFmpegError as exc:
                # EINVAL (not INVALIDDATA, a corrupt stream): libavcodec's max_pixels refused to
                # allocate a frame, one that the header understates, or whose size it leaves unsaid
                # (probing at open found the frame over the limit, and left the size at 0 x 0).
                if exc.errno == errno.EINVAL:
                    said = "its header gives no size"
                    if declared:
                        said = f"its header declares {self.width:,} × {self.height:,}"
                    raise VideoRefused(
                        f"Frame {count + 1} of the clip is over the most this service decodes, "
                        f"{self.max_pixels:,} pixels a frame ({said}). Send a smaller clip, or ask an admin "
                        "to raise IMAGE_MAX_PIXELS.",
                        code="image_too_large",
                    ) from None
                raise
            count += 1
            if count > self.max_frames:
                raise _too_long(f"has more than {self.max_frames:,} frames", max_frames=self.max_frames)
            if not (self.width and self.height):
                if frame.width * frame.height > self.max_pixels:
                    raise _too_large(frame.width, frame.height, self.max_pixels)
                self.width, self.height = frame.width, frame.height
            if (frame.width, frame.height) != (self.width, self.height):
                raise VideoRefused(
                    f"Frame {count} of the clip is {frame.width:,} × {frame.height:,} pixels where its "
                    f"header declares {self.width:,} × {self.height:,}: the file is corrupt or crafted. "
                    "Export it again and re-upload.",
                    code="video_corrupt",
                )
            if self.max_seconds is not None and frame.time is not None:
                start = float(frame.time) if start is None else start
                if float(frame.time) - start > self.max_seconds:
                    what = f"lasts more than {self.max_seconds:g} seconds"
                    raise _too_long(what, max_seconds=self.max_seconds)
            yield frame

    def packets(self) -> Iterator[av.Packet]:
        """Yield the video stream's packets that carry data, read and not decoded. Raises
        VideoRefused past max_frames packets."""
        count = 0
        for packet in self.container.demux(self.stream):
            if packet.size:
                count += 1
                if count > self.max_frames:
                    raise _too_long(f"has more than {self.max_frames:,} frames", max_frames=self.max_frames)
                yield packet


@contextmanager
def open_video(
    source, *, max_pixels: int = MAX_PIXELS, max_frames: int = MAX_FRAMES, max_seconds: float | None = None
) -> Iterator[CheckedClip]:
    """Open the clip in source (bytes, a path or a binary file) and yield it as a CheckedClip,
    closed on leaving. Raises VideoRefused if its video stream's header declares frames of more
    than max_pixels pixels, more than max_frames frames, or more than max_seconds seconds;
    ValueError if it has no video stream; PyAV's errors for a file that is not a clip."""
    import av  # here, not at the top: importing this module (for VideoRefused) loads no FFmpeg

    # The limit also binds the decoders that probe the stream as it opens (a frame or more of it).
    container = av.open(
        io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source,
        "r",  # a temporary file's mode says w+b: read it all the same
        options={"max_pixels": str(_decoder_limit(max_pixels))},
    )
    try:
        yield CheckedClip(container, max_pixels=max_pixels, max_frames=max_frames, max_seconds=max_seconds)
    finally:
        container.close()
