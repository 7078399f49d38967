"""The one reader of a stack folder: bounded file reading, the compose file with its lines, what each
service is (kinds.py, one table), the ecosystem's service contract, and the credentials services use."""
