"""Reports for people outside the workbench: the management past-due report."""
