"""What an uploaded file is, read from its bytes: its media type (never its name's word for it),
its size and dimensions, a clip's duration, frame rate, frame count and codec. An image is decoded
in full (rightsledger.imaging refuses a decompression bomb from its header), a clip read through
(rightsledger.video), and a picture with something after its end is refused as a polyglot. A
record's document (a contract, a signed consent form) is a PDF, read through with pypdf, or an image.
No ORM: the limits come from settings (IMAGE_MAX_PIXELS, VIDEO_MAX_FRAMES, ASSET_MAX_BYTES), and
the refusals are ValidationErrors naming the field, which the API answers as 400."""

import hashlib
import io
import tempfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import ImageFile, UnidentifiedImageError

from .errors import PayloadTooLarge
from .imaging import ImageRefused, open_image
from .video import VideoRefused, open_video

# The media types accepted (read from the bytes), the extensions that name them, and what each asset
# kind may be.
IMAGE_TYPES = {"image/jpeg", "image/png", "image/tiff", "image/webp", "image/gif", "image/x-exr", "image/bmp"}
VIDEO_TYPES = {"video/mp4", "video/quicktime", "video/x-matroska", "video/webm"}
AUDIO_TYPES = {
    "audio/x-wav",
    "audio/wav",
    "audio/mpeg",
    "audio/x-flac",
    "audio/flac",
    "audio/aac",
    "audio/mp4",
    "audio/ogg",
}
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "tif", "tiff", "webp", "gif", "exr", "bmp"}
VIDEO_EXTENSIONS = {"mp4", "mov", "mkv", "webm", "m4v"}
AUDIO_EXTENSIONS = {"wav", "mp3", "flac", "aac", "m4a", "ogg"}
# A record's document: a PDF, or a scan or photo of the signed page as an image a browser shows.
PDF_TYPE = "application/pdf"
DOCUMENT_TYPES = {PDF_TYPE, "image/jpeg", "image/png", "image/tiff", "image/webp", "image/gif", "image/bmp"}
KIND_CATEGORIES = {
    "plate": {"image", "video"},
    "still": {"image"},
    "concept_art": {"image"},
    "set_design": {"image"},
    "crowd_element": {"image", "video"},
    "likeness_reference": {"image", "video", "audio"},
    "audio": {"audio"},
    "video": {"video"},
    "generated": {"image", "video", "audio"},
}


def _category(media_type: str) -> str | None:
    if media_type in IMAGE_TYPES:
        return "image"
    if media_type in VIDEO_TYPES:
        return "video"
    if media_type in AUDIO_TYPES:
        return "audio"
    return None


def _extension_category(name: str) -> str | None:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    for exts, cat in ((IMAGE_EXTENSIONS, "image"), (VIDEO_EXTENSIONS, "video"), (AUDIO_EXTENSIONS, "audio")):
        if ext in exts:
            return cat
    return None


@dataclass(frozen=True)
class ClipInfo:
    width: int
    height: int
    duration_seconds: float
    frame_rate: float
    frame_count: int
    codec: str


@dataclass(frozen=True)
class InspectedFile:
    sha256: str
    size: int
    media_type: str
    width: int | None
    height: int | None
    clip: ClipInfo | None = None


def inspect_image(data: bytes, *, field: str = "file") -> tuple[int, int]:
    """Return (width, height) of an image, decoding it fully within the pixel limit.

    Raises ValidationError for a corrupt image or one over IMAGE_MAX_PIXELS (a decompression bomb).
    """
    limit = settings.IMAGE_MAX_PIXELS
    old_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    # A library may let Pillow accept truncated images process-wide (WeasyPrint does, on import).
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with open_image(data, max_pixels=limit) as img:
            width, height = img.size
            img.verify()
        with open_image(data, max_pixels=limit) as img:
            img.load()
    except ImageRefused:
        raise ValidationError(
            {
                field: ValidationError(
                    f"The image has more than {limit:,} pixels, the most this service "
                    "decodes. Send a smaller image or ask an admin to raise IMAGE_MAX_PIXELS.",
                    code="image_too_large",
                )
            }
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValidationError(
            {
                field: ValidationError(
                    "The image is corrupt or truncated and cannot be "
                    f"decoded ({exc}). Export it again and re-upload.",
                    code="image_corrupt",
                )
            }
        ) from exc
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = old_truncated
    return width, height


def trailing_bytes(data: bytes, media_type: str) -> int:
    """Return how many bytes follow an image's end (its last PNG chunk, JPEG end-of-image marker,
    GIF trailer, or RIFF/BMP declared size): a file with something after its end is a polyglot
    (a ZIP or a page riding on a picture), not an image. 0 where the format has no end to check."""
    if media_type == "image/png":
        at = 8
        while at + 12 <= len(data):
            length = int.from_bytes(data[at : at + 4], "big")
            end = at + 12 + length
            if data[at + 4 : at + 8] == b"IEND":
                return len(data) - end
            at = end
        return 0  # truncated: the decoder says so
    if media_type == "image/jpeg":
        end = data.rfind(b"\xff\xd9")  # the end-of-image marker; none at all: truncated, as the decoder says
        return len(data) - (end + 2) if end >= 0 else 0
    if media_type == "image/gif":
        return 0 if data.endswith(b";") else 1
    if media_type == "image/webp" and len(data) >= 8:
        return max(0, len(data) - 8 - int.from_bytes(data[4:8], "little"))
    if media_type == "image/bmp" and len(data) >= 6:
        return max(0, len(data) - int.from_bytes(data[2:6], "little"))
    return 0


def require_image_alone(data: bytes, media_type: str, *, field: str = "file") -> None:
    """Refuse an image with something after its end (trailing_bytes): a polyglot."""
    extra = trailing_bytes(data, media_type)
    if extra:
        raise ValidationError(
            {
                field: ValidationError(
                    f"The image has {extra:,} bytes of something else after its end: a "
                    "file hidden in a picture is not accepted. Export the image alone.",
                    code="trailing_data",
                )
            }
        )


def inspect_video(source) -> ClipInfo:
    """Read a clip's size, duration, frame rate, frame count and codec with PyAV, and decode its
    first frame; raise ValidationError if it cannot be read through (corrupt, truncated, or a
    container header in front of something else), or if its header declares frames over
    IMAGE_MAX_PIXELS or more than VIDEO_MAX_FRAMES frames (rightsledger.video's checked open).
    source: bytes, a path or a binary file.

    Every packet of the video stream is read (not decoded), so a clip cut short is caught: it
    holds fewer frames than its header declares, or its container ends in the middle of one."""
    import av  # here, not at the top: importing this module (for the upload checks) loads no FFmpeg

    def refuse(why: str):
        raise ValidationError(
            {
                "file": ValidationError(
                    f"The clip cannot be read ({why}): it is corrupt, "
                    "truncated or not a clip. Export it again and re-upload.",
                    code="video_corrupt",
                )
            }
        )

    try:
        limits = {"max_pixels": settings.IMAGE_MAX_PIXELS, "max_frames": settings.VIDEO_MAX_FRAMES}
        with open_video(source, **limits) as clip:
            stream = clip.stream
            declared = clip.declared_frames
            first = next(clip.frames(), None)
            if first is None:
                refuse("no frame decodes")
            clip.container.seek(0)
            counted = sum(1 for _ in clip.packets())
            rate = float(clip.rate or 0)
            duration = clip.seconds or 0.0
            codec = stream.codec_context.name
            width, height = clip.width or first.width, clip.height or first.height
    except ValidationError:
        raise
    except VideoRefused as exc:
        raise ValidationError({"file": ValidationError(exc.message, code=exc.code)}) from None
    except (av.FFmpegError, ValueError, OSError, EOFError) as exc:
        refuse(str(exc) or type(exc).__name__)
    if declared and counted < declared:
        refuse(f"its header declares {declared} frames but only {counted} are there")
    if not rate:
        refuse("it has no frame rate")
    return ClipInfo(int(width), int(height), round(duration, 6), round(rate, 6), counted, codec[:32])


# An upload is held in memory up to this size, then written to a temporary file on the local disk.
SPOOL_BYTES = 2 * 1024 * 1024


def spool_upload(upload, *, field: str = "file"):
    """Copy an upload, chunk by chunk, into a temporary file held in memory up to SPOOL_BYTES
    and on the local disk past it (FILE_UPLOAD_TEMP_DIR), within
    ASSET_MAX_BYTES; return (its SHA-256, its size, the temporary file, at its start). A clip of a
    gigabyte is never held whole in memory. The caller closes the file (which removes it). Refuse
    an empty file (ValidationError) and one over the limit (PayloadTooLarge), naming field."""
    limit = settings.ASSET_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise PayloadTooLarge(
            f"The file is {upload.size:,} bytes; the most this service accepts is {limit:,} bytes.",
            field=field,
        )
    digest = hashlib.sha256()
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, dir=settings.FILE_UPLOAD_TEMP_DIR)
    size = 0
    try:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"The file is over the limit of {limit:,} bytes.", field=field)
            digest.update(chunk)
            spool.write(chunk)
        if size == 0:
            raise ValidationError({field: ValidationError("The file is empty.", code="file_empty")})
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return digest.hexdigest(), size, spool


def read_upload(upload, *, field: str = "file") -> tuple[str, int, bytes]:
    """Read an upload within ASSET_MAX_BYTES; return (its SHA-256, its size, its bytes). Refuse an
    empty file (ValidationError) and one over the limit (PayloadTooLarge), naming field."""
    sha256, size, spool = spool_upload(upload, field=field)
    with spool:
        return sha256, size, spool.read()


def inspect_upload(
    upload, *, kind: str, dimensions: tuple[int, int] | None = None
) -> tuple[InspectedFile, bytes]:
    """Check an uploaded file from its bytes and return what it is, with its bytes. An image is
    decoded in full, unless its dimensions are given: bytes this service encoded itself from
    pixels it holds (a generated output) are not decoded again."""
    info, spool = inspect_upload_file(upload, kind=kind, dimensions=dimensions)
    with spool:
        return info, spool.read()


def inspect_upload_file(upload, *, kind: str, dimensions: tuple[int, int] | None = None):
    """inspect_upload, with the content as a temporary file (spool_upload's, at its start) rather
    than bytes: a clip is read through from that file, never held whole in memory. The caller
    closes the file."""
    sha256, size, spool = spool_upload(upload)
    try:
        return _inspected(spool, sha256, size, upload, kind, dimensions), spool
    except BaseException:
        spool.close()
        raise


def _inspected(spool, sha256: str, size: int, upload, kind: str, dimensions) -> InspectedFile:
    head = spool.read(8192)
    spool.seek(0)
    guess = filetype.guess(head)
    media_type = guess.mime if guess else None
    category = _category(media_type) if media_type else None
    name = getattr(upload, "name", "") or ""
    named = _extension_category(name)
    if category is None:
        described = (
            f"its content is {media_type}"
            if media_type
            else "its content is not a recognised image, video or audio format"
        )
        if named:
            message = (
                f"The file is named {name!r} like an {named}, but {described}. Upload the real {named} file."
            )
        else:
            message = (
                f"The file {name!r} is not accepted: {described}. Accepted: "
                "JPEG, PNG, TIFF, WebP, EXR, MP4, MOV, WAV, MP3, FLAC."
            )
        raise ValidationError({"file": ValidationError(message, code="content_type_unsupported")})
    if named and named != category:
        raise ValidationError(
            {
                "file": ValidationError(
                    f"The file is named {name!r} like an {named}, but its "
                    f"content is {media_type}. Rename it or upload the right file.",
                    code="content_type_mismatch",
                )
            }
        )
    if category not in KIND_CATEGORIES[kind]:
        raise ValidationError(
            {
                "kind": ValidationError(
                    f"An asset of kind {kind} must be "
                    f"{' or '.join(sorted(KIND_CATEGORIES[kind]))}; this file is {media_type}.",
                    code="kind_content_mismatch",
                )
            }
        )
    width = height = clip = None
    if category == "image":
        data = spool.read()  # an image is decoded whole (within IMAGE_MAX_PIXELS) in any case
        spool.seek(0)
        require_image_alone(data, media_type)
        width, height = dimensions or inspect_image(data)
    elif category == "video":
        clip = inspect_video(spool)
        spool.seek(0)
        width, height = clip.width, clip.height
    return InspectedFile(
        sha256=sha256, size=size, media_type=media_type, width=width, height=height, clip=clip
    )


# --- Documents: a record's contract, signed consent form or other evidence ------------------------


def _document_refused(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def inspect_pdf(data: bytes, *, field: str = "document") -> int:
    """Return the number of pages of a PDF, read through with pypdf; raise ValidationError for one
    that cannot be read, one with no page, one locked with a password, or one with something
    after its last end-of-file marker (a file riding on a PDF, as trailing_bytes refuses for
    pictures)."""
    from pypdf import PdfReader  # here, not at the top: only a document upload reads PDFs

    end = data.rfind(b"%%EOF")
    if end < 0:
        raise _document_refused(
            field,
            "The PDF is truncated: it has no end-of-file marker. Save or export it again and re-upload.",
            "pdf_corrupt",
        )
    after = data[end + 5 :]
    if after.strip(b" \t\r\n\x00\x0c"):
        raise _document_refused(
            field,
            f"The PDF has {len(after):,} bytes of something else after its end: a file hidden in a "
            "document is not accepted. Save or export the PDF alone and re-upload.",
            "trailing_data",
        )
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise _document_refused(
                field,
                "The PDF is locked with a password. Save a copy without the password and upload that.",
                "pdf_encrypted",
            )
        pages = len(reader.pages)
    except ValidationError:
        raise
    except Exception as exc:  # noqa: BLE001  (pypdf raises many kinds on a damaged file: all mean unreadable)
        raise _document_refused(
            field,
            f"The PDF is damaged and cannot be read ({type(exc).__name__}). "
            "Save or export it again and re-upload.",
            "pdf_corrupt",
        ) from exc
    if pages == 0:
        raise _document_refused(field, "The PDF has no page. Upload the signed document itself.", "pdf_empty")
    return pages


def inspect_document(upload, *, field: str = "document") -> tuple[InspectedFile, bytes]:
    """Check a record's document from its bytes (a PDF, or a scan or photo as an image) and return
    what it is, with its bytes, as inspect_upload does for an asset: within ASSET_MAX_BYTES, not
    empty, its type read from its content (never its name or the client's word), a PDF read
    through, an image decoded, and nothing riding after either's end."""
    sha256, size, data = read_upload(upload, field=field)
    guess = filetype.guess(data[:8192])
    media_type = guess.mime if guess else None
    name = getattr(upload, "name", "") or ""
    named = _document_extension(name)
    if media_type not in DOCUMENT_TYPES:
        described = f"its content is {media_type}" if media_type else "its content is not a PDF or an image"
        raise _document_refused(
            field,
            f"The file {name!r} is not accepted as a document: {described}. Upload the signed "
            "document as a PDF, or a scan or photo of it as PNG, JPEG, TIFF or WebP.",
            "content_type_unsupported",
        )
    is_pdf = media_type == PDF_TYPE
    if named and named != ("pdf" if is_pdf else "image"):
        raise _document_refused(
            field,
            f"The file is named {name!r} like {'a PDF' if named == 'pdf' else 'an image'}, but its "
            f"content is {media_type}. Rename it or upload the right file.",
            "content_type_mismatch",
        )
    width = height = None
    if is_pdf:
        inspect_pdf(data, field=field)
    else:
        require_image_alone(data, media_type, field=field)
        width, height = inspect_image(data, field=field)
    return InspectedFile(sha256=sha256, size=size, media_type=media_type, width=width, height=height), data


def _document_extension(name: str) -> str | None:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext == "pdf":
        return "pdf"
    return "image" if ext in IMAGE_EXTENSIONS else None
