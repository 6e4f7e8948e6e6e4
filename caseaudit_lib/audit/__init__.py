"""An audit as loaded: its cases and answers, read, validated and pseudonymised."""
