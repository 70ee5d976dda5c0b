"""The primary school's book (TT27): subject levels and test scores at four points, qualities and
competencies, the year result, titles and the year record."""
