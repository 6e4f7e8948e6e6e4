"""The analyst's findings: the file read and checked, its Markdown, the draft, made safe."""
