"""The TT22 rules under their first name: ``gradebook.assessment`` is ``gradebook.rules.tt22``.

Code and outside checks written against ``gradebook.assessment`` keep working with every name
(the module object is the same one, so a patch of either name is seen by both).
"""

import sys

from gradebook.rules import tt22

sys.modules[__name__] = tt22
