"""Signals other apps listen to, so that generation imports none of them."""

from django.dispatch import Signal

# Sent once the transaction that recorded something about a request has committed: a decision
# (kwargs event="decision", decision_id), a sign-off (event="sign_off", sign_off_id) or a run's
# result (event="run", outcome: succeeded | held | stopped | failed). Always: request_id and shot_id.
# Receivers must not raise: what they do cannot undo or delay the decision.
request_event = Signal()
