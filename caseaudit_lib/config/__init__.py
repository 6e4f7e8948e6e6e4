"""Configuration from YAML: an audit's params, and the one checker every YAML file goes through."""
