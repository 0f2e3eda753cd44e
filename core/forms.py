"""Form behaviour shared by the apps."""

from functools import lru_cache
from typing import Any

from django import forms
from django.utils import translation
from django.utils.safestring import SafeString

BLANK_FORMS_KEPT = 256  # forms × prefixes × initial values × templates × languages: far more than the portal has


class BlankRenderedOnce(forms.Form):
    """A form whose blank (unbound) HTML depends only on its class, prefix, initial values and the language.

    Pages such as a space or a thread show such forms on every GET, and Django renders a few templates per field
    each time (a few milliseconds a form). Here the blank form is rendered once per process for each of those
    keys and kept; a bound form, with the visitor's values and errors, is always rendered afresh.

    Only for forms made from `prefix`, `auto_id` and `initial` alone: no other arguments, no choices read from the
    database or depending on the visitor."""

    def render(self, template_name: str | None = None, context: Any = None, renderer: Any = None) -> SafeString:
        if self.is_bound or context is not None or renderer is not None:
            return super().render(template_name, context, renderer)
        initial = tuple(sorted(self.initial.items()))
        try:
            hash(initial)
        except TypeError:  # an initial value that cannot be part of a key: rendered the usual way
            return super().render(template_name)
        return _blank_html(
            type(self),
            prefix=self.prefix,
            auto_id=self.auto_id,
            initial=initial,
            template_name=template_name,
            language=translation.get_language(),
        )

    def render_afresh(self, template_name: str | None) -> SafeString:
        return super().render(template_name)


@lru_cache(maxsize=BLANK_FORMS_KEPT)
def _blank_html(
    form_class: type[BlankRenderedOnce],
    *,
    prefix: str | None,
    auto_id: str | bool,
    initial: tuple[tuple[str, Any], ...],
    template_name: str | None,
    language: str | None,
) -> SafeString:
    with translation.override(language):
        form = form_class(prefix=prefix, auto_id=auto_id, initial=dict(initial))
        return form.render_afresh(template_name)
