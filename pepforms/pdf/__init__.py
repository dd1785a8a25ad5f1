"""The PDF layer: the finalised record, password protection, the fillable form and reading it back."""
