"""Reports keep no tables of their own: every figure is read from the ledger and the
other apps' records when asked (reports.selectors), so a report can never disagree
with the books it summarises."""
