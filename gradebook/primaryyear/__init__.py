"""A primary class's year (TT27): the qualities and competencies sheet, the year record, the class results, approval."""
