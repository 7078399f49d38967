-- attack: file_fdw runs its program on every read
CREATE EXTENSION IF NOT EXISTS file_fdw;
CREATE SERVER hostile_files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE hostile_program (line text) SERVER hostile_files
    OPTIONS (program 'touch @DROP@/file-fdw-program');
SELECT * FROM hostile_program;
