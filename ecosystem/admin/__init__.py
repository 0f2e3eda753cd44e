"""The ecosystem's staff pages, by subject. Django's admin imports this package; importing each module
registers its pages."""

from ecosystem.admin import indicator_sets, map, red_flags, suggestions  # noqa: F401  (registers the admin pages)
