"""The printed forms' own wording, one module per form, so that a Sở's variant of a form is a small change."""
