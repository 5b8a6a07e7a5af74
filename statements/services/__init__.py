"""Writes for statements, split by sub-domain: templates, drafting, approval, publishing,
reactions. Import from the sub-modules."""
