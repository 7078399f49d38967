"""The custodian simulator: positions, balances and settlements in the custodian schema."""
