from django import forms
from django.utils.translation import gettext_lazy as _

from sharing.models import Label


class LabelChangeForm(forms.Form):
    label = forms.ChoiceField(label=_("New label"), choices=Label.choices)
    reason = forms.CharField(
        label=_("Why"), max_length=500, help_text=_("Kept in the label's history."), widget=forms.TextInput()
    )
