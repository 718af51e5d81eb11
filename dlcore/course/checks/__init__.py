"""Exercise checkers, one module per notebook.

A notebook imports its own: ``from dlcore.course.checks.data import check_one_hot``.

``common`` holds what every checker shares: the verdict, the safe call of the learner's
function, and the comparison that allows for float rounding.
"""
