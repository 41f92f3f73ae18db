"""CSV for people who open it in a spreadsheet: every CSV the service or its tools write goes
through here. Pure: no Django.

A cell that begins with =, +, -, @ (and | or %) is a formula to Excel, LibreOffice and Google
Sheets: a performer's name quoted in a decision could make a link or run a command on the
reader's machine. defusedcsv prefixes such cells with a quote, so they are read as text; OWASP
also lists a leading tab or carriage return, which defusedcsv leaves alone, and which are
neutralised here the same way.
"""

from defusedcsv import csv

# What OWASP's CSV injection page lists beyond defusedcsv's own set.
_LEADING = ("\t", "\r")


def _cell(value):
    """Return the value as it is safe to write: text that begins with a tab or a carriage return
    is quoted as defusedcsv quotes a formula; anything else is left to defusedcsv."""
    if isinstance(value, str) and value[:1] in _LEADING:
        return "'" + value
    return value


class _Writer:
    """A defusedcsv writer that also neutralises a leading tab or carriage return."""

    def __init__(self, inner):
        self._inner = inner

    def writerow(self, row):
        return self._inner.writerow([_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def writer(f, **fmtparams) -> _Writer:
    """Return a csv.writer over f whose every cell is neutralised."""
    return _Writer(csv.writer(f, **fmtparams))


def dict_writer(f, fieldnames, **kwargs) -> "csv.DictWriter":
    """Return a csv.DictWriter over f whose every cell, the header included, is neutralised."""
    out = csv.DictWriter(f, fieldnames, **kwargs)
    out.writer = _Writer(out.writer)
    return out
