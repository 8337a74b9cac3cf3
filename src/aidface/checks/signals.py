"""Signals of the checks app, so apps that build on month results need no import cycle.

`month_results_changed` is sent after month results were written, with
`semester_id` and `student_ids` (a list). The eligibility app recomputes on it.
"""
from django.dispatch import Signal

month_results_changed = Signal()
