"""What the access log adds to a request: one INSERT, for every kind of record it showed or changed
(``agencies.access_log``). Query counts of pages and endpoints that show personal records add it."""

LOG_ROW = 1
