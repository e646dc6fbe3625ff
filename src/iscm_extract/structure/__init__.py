"""Structure: what a document is and its sections, one per ISCM or topic.

classify.py      document kind, issue number, period and year
headings.py      whether a line is a heading (rule headings, ISCM headings, wrapped ones)
heading_scan.py  the headings of a document, in reading order
listing.py       a themes list run together into one paragraph cut into its entries
segment.py       sections from the headings
normalise.py     names and acronyms to registry ids (exact, definitions, rapidfuzz)
"""
