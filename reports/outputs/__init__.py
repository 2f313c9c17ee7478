"""The outputs of a report snapshot: the page's context and charts, the PDF, XLSX, CSV zip and JSON.

Each renders the figures it is given (the internal edition or the public one) in English, Dari or
Pashto; none counts anything: the figures are the snapshot's.
"""

from .context import report_context
from .csv_zip import report_csv_zip
from .json_output import report_json
from .pdf import report_pdf
from .xlsx import report_xlsx

__all__ = ["report_context", "report_csv_zip", "report_json", "report_pdf", "report_xlsx"]
