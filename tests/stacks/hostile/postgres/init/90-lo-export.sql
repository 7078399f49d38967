-- attack: write a file of the server's machine
SELECT lo_export(lo_from_bytea(0, 'planted'), '@DROP@/lo-export');
