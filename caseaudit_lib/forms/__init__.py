"""Before the audit: the sample drawn from the caseload, and the auditors' scoring forms."""
