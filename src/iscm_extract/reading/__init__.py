"""Reading: a file (text, markdown, HTML, PDF) to one `Document`, its text in reading order with
every character's offset in the source.

    ingest.py        the entry: decode, then the text passes in order
    markup.py        markdown/HTML artefacts and Unicode (passes 1-2)
    spacing.py       letter-spaced headings and runs (pass 3)
    line_breaks.py   hyphens at line ends, broken paragraphs, run-together and split headings
    ligatures.py     ligature letters a PDF text layer dropped ("Meeng" -> "Meeting")
    mapped_text.py   the text with its offsets, built by slices
    words.py         word frequencies (wordfreq): is this a word?
    pdf.py           a PDF's pages to text: glyphs, rows, bands and columns, tables, lines
      pdf_settings.py (every layout threshold), pdf_glyphs, pdf_rows, pdf_columns, pdf_tables,
      pdf_lines; pdf_chars.py and pdfium_*.py: pdfium's characters for `--pdf-reader pdfium`
"""
