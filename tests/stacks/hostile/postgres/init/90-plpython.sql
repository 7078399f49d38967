-- attack: an untrusted procedural language (OS commands from SQL functions)
CREATE EXTENSION IF NOT EXISTS plpython3u;
