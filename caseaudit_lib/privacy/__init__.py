"""Children's identities kept out: pseudonyms at load, and the leak check of exported files."""
