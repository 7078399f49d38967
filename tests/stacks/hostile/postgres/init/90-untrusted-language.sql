-- attack: native code in the server (a C-language function loads the shared object)
CREATE FUNCTION hostile_native() RETURNS void AS '@MODULE@', 'hostile' LANGUAGE C;
