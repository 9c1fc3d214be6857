"""Reports people would rather look at than read: timeline.png, report.md, a self-contained
report.html and a postmortem draft per fault, all regenerated from a run directory.

Example::

    from simulator.report import write_report

    result = write_report("reports/quickstart-20250101T120000Z")
    result.html, result.notes
"""

from simulator.report.write import (
    ReportResult,
    postmortem_name,
    write_report,
    write_report_safely,
)

__all__ = ["ReportResult", "postmortem_name", "write_report", "write_report_safely"]
