"""What the notebooks and the report show: tables, sentences, the narrative and the charts."""
