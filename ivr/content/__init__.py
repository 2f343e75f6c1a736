"""What the hotline says: the catalog (model, loading, checks), coverage, the reviewers' document, eligibility rules."""
