"""Arabic formats: Django's own, except numbers.

Django's Arabic locale writes 1.234,50 (a comma for decimals). Money here keeps
the form receipts, bank transfers and the API use in the region's apps: Western
digits, "." for decimals, "," for thousands, always two places (floatformat:"2g").
Month names come from Django's Arabic catalogue (يناير، فبراير...).
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y، H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 6  # Saturday
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
