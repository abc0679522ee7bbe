"""Crisis alerts: the per-tenant streaming detector fed in post order, the alert list and its actions."""
