"""The auditors' forms: the blank scoring workbook, and (to come) the sample they score."""
