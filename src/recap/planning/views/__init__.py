"""The prioritisation's pages, by what they are about: sessions (settings, stakeholders'
weights), runs (the engine's results and progress, comparing, saving a package), packages
(adjusting, endorsing, reports) and robustness (the panel of a run or a package version)."""

from .packages import (
    package_adjust_view,
    package_detail,
    package_endorse_view,
    package_pdf_view,
    package_xlsx_view,
)
from .robustness import (
    package_robustness_start,
    package_robustness_status,
    robustness_cancel_view,
    robustness_start,
    robustness_status,
)
from .runs import (
    package_save_view,
    run_cancel_view,
    run_create,
    run_detail,
    run_status,
    runs_compare_view,
    session_detail,
)
from .sessions import (
    future_add,
    future_delete,
    session_edit,
    session_list,
    stakeholder_add,
    weights_ahp,
    weights_swing,
)

__all__ = [
    "future_add",
    "future_delete",
    "package_adjust_view",
    "package_detail",
    "package_endorse_view",
    "package_pdf_view",
    "package_robustness_start",
    "package_robustness_status",
    "package_save_view",
    "package_xlsx_view",
    "robustness_cancel_view",
    "robustness_start",
    "robustness_status",
    "run_cancel_view",
    "run_create",
    "run_detail",
    "run_status",
    "runs_compare_view",
    "session_detail",
    "session_edit",
    "session_list",
    "stakeholder_add",
    "weights_ahp",
    "weights_swing",
]
