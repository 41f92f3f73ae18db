"""The portal's pages, one module a journey as templates/ is split: public (the start page and
verifying a file), producer, clearance, records (grants, consents, reservations), audit and
guild. Each view parses, checks access (rightsledger.access), calls one selector (portal.selectors,
composed from the apps' own) or service (the same ones the API calls), and renders. A page of a
production the user cannot see answers 404; a form shows the service's own messages next to the
field they name."""
