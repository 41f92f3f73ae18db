"""The vocabularies of who may do what: people's roles and API tokens' scopes; with their labels."""

# Roles. Studio admins act on every production of their studio; clearance, producers and
# auditors on the productions they belong to; guild representatives on their guild's members.
ROLE_STUDIO_ADMIN = "studio_admin"
ROLE_CLEARANCE = "clearance"
ROLE_PRODUCER = "producer"
ROLE_AUDITOR = "auditor"
ROLE_GUILD_REP = "guild_rep"
ROLES = (ROLE_STUDIO_ADMIN, ROLE_CLEARANCE, ROLE_PRODUCER, ROLE_AUDITOR, ROLE_GUILD_REP)

# What an API token for a machine may do, within its user's roles (rightsledger.apitokens).
TOKEN_SCOPE_READ_ONLY = "read_only"  # reads only (GET, HEAD, OPTIONS), and questions that write nothing
TOKEN_SCOPE_TRAINING_CLEARANCE = "training_clearance"  # only training clearance and C2PA resolution
TOKEN_SCOPE_FULL = "full_roles"  # everything its user's roles allow
TOKEN_SCOPES = (TOKEN_SCOPE_READ_ONLY, TOKEN_SCOPE_TRAINING_CLEARANCE, TOKEN_SCOPE_FULL)

# Labels: what a table shows, one dict per vocabulary, keyed by code.
ROLE_LABELS = {
    ROLE_STUDIO_ADMIN: "studio admin",
    ROLE_CLEARANCE: "clearance",
    ROLE_PRODUCER: "producer",
    ROLE_AUDITOR: "auditor",
    ROLE_GUILD_REP: "guild representative",
}
TOKEN_SCOPE_LABELS = {
    TOKEN_SCOPE_READ_ONLY: "Read only",
    TOKEN_SCOPE_TRAINING_CLEARANCE: "Training clearance only",
    TOKEN_SCOPE_FULL: "Everything its user may do",
}
