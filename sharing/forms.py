import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from sharing.models import AccessLog, Channel, Label


class LabelChangeForm(forms.Form):
    label = forms.ChoiceField(label=_("New label"), choices=Label.choices)
    reason = forms.CharField(
        label=_("Why"), max_length=500, help_text=_("Kept in the label's history."), widget=forms.TextInput()
    )


class AccessLogFilter(django_filters.FilterSet):
    label = django_filters.ChoiceFilter(label=_("Label"), choices=Label.choices, empty_label=_("Any label"))
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices, empty_label=_("Any channel"))

    class Meta:
        model = AccessLog
        fields = ["label", "channel"]
