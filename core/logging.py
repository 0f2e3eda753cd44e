import logging
import re

# key=value, key: value and "key": "value" forms of anything that looks like a credential.
_SECRET = re.compile(
    r"""(?P<key>["']?(?:password\d?|passwd|secret|token|api[_-]?key|authorization|sessionid|csrftoken)["']?\s*[=:]\s*)"""
    r"""(?P<quote>["']?)(?:(?:Token|Bearer|Basic)\s+)?(?P<value>[^\s"'&,;]+)""",
    re.IGNORECASE,
)

# Our own secrets carry a marker (API tokens `knb_`, calendar feeds `knbcal_`) and may stand alone in a line,
# such as the path of a feed address that Django logs when it answers 404. No word boundary before the marker:
# a secret glued to a word ("id_knb_…", "xknb_…") is still a secret.
_MARKED_SECRET = re.compile(r"knb(?:cal)?_[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    return _MARKED_SECRET.sub("[redacted]", _SECRET.sub(lambda m: f"{m['key']}{m['quote']}[redacted]", text))


class RedactSecretsFilter(logging.Filter):
    """Masks credentials in every log line, so that no password or token reaches the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
