"""The analyst's findings: the findings file read and checked, its Markdown, the draft, made safe."""
