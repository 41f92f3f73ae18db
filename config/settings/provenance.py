"""Provenance: Content Credentials (signing, time-stamps, trust), fingerprints and the similarity
index, training clearance, faces and the likeness check, and the outputs' text-and-data-mining terms."""

import os
from pathlib import Path

from .base import DEVELOPMENT, VAR_DIR, env_bool, env_int, env_list

# Content Credentials: the roots trusted when verifying (PEM files, comma-separated), and an
# optional signing callback (package.module:function) for a key held in a KMS or HSM.
C2PA_TRUST_ANCHORS = env_list("C2PA_TRUST_ANCHORS")
# In development (the demo) the development CA this service made is trusted too, so its outputs
# verify as Trusted here; its certificates say UNTRUSTED, and no other verifier trusts them.
C2PA_TRUST_DEVELOPMENT_ROOTS = env_bool("C2PA_TRUST_DEVELOPMENT_ROOTS", DEVELOPMENT)
C2PA_SIGNER_CALLBACK = os.environ.get("C2PA_SIGNER_CALLBACK", "")
# Every signature is time-stamped by this RFC 3161 time-stamp authority (one on the C2PA TSA Trust
# List in production), so a manifest still validates once its signing certificate has expired. A
# TSA that does not answer fails the signing (retry it); C2PA_TSA_REQUIRED=0 signs without a
# time-stamp instead, or when no TSA is configured.
C2PA_TSA_URL = os.environ.get("C2PA_TSA_URL", "")
C2PA_TSA_REQUIRED = env_bool("C2PA_TSA_REQUIRED", True)
# In development (the demo), with no C2PA_TSA_URL, each process that signs runs the development TSA
# (provenance/tsa.py: OpenSSL on this machine, a development chain under SIGNING_KEYS_DIR/dev-tsa
# whose names say UNTRUSTED): its time-stamps are trusted here beside the development CA, nowhere else.
C2PA_DEVELOPMENT_TSA = env_bool("C2PA_DEVELOPMENT_TSA", DEVELOPMENT)
# C2PA Trust Lists (ETSI TS 119 602 JSON, as the C2PA conformance program publishes them): the
# signers' anchors, added to C2PA_TRUST_ANCHORS, and the time-stamp authorities' anchors.
C2PA_TRUST_LIST = os.environ.get("C2PA_TRUST_LIST", "")
C2PA_TSA_TRUST_LIST = os.environ.get("C2PA_TSA_TRUST_LIST", "")
SIGNING_KEYS_DIR = Path(os.environ.get("SIGNING_KEYS_DIR", VAR_DIR / "keys"))

# Fingerprints and similarity. CLIP_WEIGHTS is a local file; nothing is downloaded.
CLIP_MODEL = os.environ.get("CLIP_MODEL", "ViT-B-32")
CLIP_WEIGHTS = os.environ.get("CLIP_WEIGHTS", "")
CLIP_MODEL_CONFIG = os.environ.get("CLIP_MODEL_CONFIG", "")
CLIP_BATCH_SIZE = env_int("CLIP_BATCH_SIZE", 64)
VIDEO_KEYFRAME_SECONDS = float(os.environ.get("VIDEO_KEYFRAME_SECONDS", "2.0"))
# The most frames this service decodes of one clip (an hour at 30 a second); each is held to IMAGE_MAX_PIXELS.
VIDEO_MAX_FRAMES = env_int("VIDEO_MAX_FRAMES", 30 * 60 * 60)
FINGERPRINT_QUEUE = os.environ.get("FINGERPRINT_QUEUE", "fingerprint")
CELERY_TASK_ROUTES = {
    "provenance.asset_fingerprint": {"queue": FINGERPRINT_QUEUE},
    "provenance.asset_faces_scan": {"queue": FINGERPRINT_QUEUE},
}
SIMILARITY_INDEX_PATH = os.environ.get("SIMILARITY_INDEX_PATH", str(VAR_DIR / "similarity.faiss"))
SIMILARITY_EXACT_MAX = env_int("SIMILARITY_EXACT_MAX", 100_000)
SIMILARITY_NPROBE = env_int("SIMILARITY_NPROBE", 0)  # IVF lists searched per query; 0: nlist / 200
PHASH_MAX_DISTANCE = env_int("PHASH_MAX_DISTANCE", 7)
EMBED_CANDIDATE_COSINE = float(os.environ.get("EMBED_CANDIDATE_COSINE", "0.97"))
EMBED_CONFIRM_COSINE = float(os.environ.get("EMBED_CONFIRM_COSINE", "0.80"))
TRAINING_CLEARANCE_RATE = os.environ.get("TRAINING_CLEARANCE_RATE", "120/min")
TRAINING_CLEARANCE_MAX_ITEMS = env_int("TRAINING_CLEARANCE_MAX_ITEMS", 100)
# Fingerprints are about 40 bytes a file: a batch holds many more of them than of files.
TRAINING_CLEARANCE_MAX_FINGERPRINTS = env_int("TRAINING_CLEARANCE_MAX_FINGERPRINTS", 2000)
TRAINING_CLEARANCE_MAX_FRAMES = env_int(
    "TRAINING_CLEARANCE_MAX_FRAMES", 1200
)  # sampled frames of one clip, in fingerprint mode

# Faces (dlib, provenance/faces.py). The models are read from FACE_MODELS_DIR, by default the folder
# the face-recognition-models package installs them in; nothing is downloaded. FACE_DETECTOR is
# hog (the CPU's) or mmod (dlib's CNN detector, for a GPU worker). Detection runs on the frame
# scaled to FACE_DETECT_MAX_SIDE (0: not scaled); landmarks and descriptors use the full frame.
# Faces under FACE_MIN_SIZE px are reported as skipped. FACE_MATCH_DISTANCE: bench/faces.py measures it.
FACE_MODELS_DIR = os.environ.get("FACE_MODELS_DIR", "")
FACE_DETECTOR = os.environ.get("FACE_DETECTOR", "hog")
FACE_DETECT_MAX_SIDE = env_int("FACE_DETECT_MAX_SIDE", 960)
FACE_DETECT_UPSAMPLE = env_int("FACE_DETECT_UPSAMPLE", 0)
FACE_MIN_SIZE = env_int("FACE_MIN_SIZE", 40)
FACE_MATCH_DISTANCE = float(os.environ.get("FACE_MATCH_DISTANCE", "0.6"))
FACE_MAX_PER_FRAME = env_int("FACE_MAX_PER_FRAME", 50)  # the rest are reported as skipped
# The likeness check on faces: the faces of likeness references, plates and elements are found as
# they are registered, and every output's (a clip's at least every FACE_KEYFRAME_SECONDS) after its
# run. R6 holds an output showing a performer no consent covers; R2 asks consent for an input that
# shows one. FACE_CHECK=0 turns all of it off.
FACE_CHECK = env_bool("FACE_CHECK", True)
FACE_KEYFRAME_SECONDS = float(os.environ.get("FACE_KEYFRAME_SECONDS", "1.0"))

# Who to ask about the outputs' text-and-data-mining terms (TDMRep's policy assigner): a URL.
TDM_POLICY_ASSIGNER = os.environ.get("TDM_POLICY_ASSIGNER", "")
