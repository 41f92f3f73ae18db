"""Signals other apps listen to, so that rightsledger imports neither generation nor provenance."""

from django.dispatch import Signal

# Sent once the transaction that registered an asset has committed; kwargs: asset_id, origin
# (ingested, or generated: an output this service made and signed).
asset_registered = Signal()

# Sent before an asset's bytes are served; a receiver raises PermissionDenied to withhold them.
# kwargs: asset, user.
asset_content_requested = Signal()

# Sent once the transaction that revoked a grant, consent, reservation or role (in whole or in
# part) has committed; kwargs: record_type, record_id (the revoking version), chain, and
# actor_id (the user who revoked it; None for the service itself).
record_revoked = Signal()

# Sent inside the transaction that erases a performer's personal data, so that other apps erase
# what they hold of it in the same transaction; kwargs: talent_id, names (the names erased, to
# be removed from stored text; never kept).
talent_erased = Signal()
