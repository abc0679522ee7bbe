"""The community's users: profiles, the trust ledger, super users, the response clock."""
