# One date format on the desk's screens (issue 18, item 9): 2026/11/30 (letters to insureds
# spell 2026年11月30日 themselves). Only display formats here: the input formats stay
# Django's own for ja, so forms parse as before.
DATE_FORMAT = "Y/m/d"
SHORT_DATE_FORMAT = "Y/m/d"
DATETIME_FORMAT = "Y/m/d H:i"
SHORT_DATETIME_FORMAT = "Y/m/d H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
