"""Facts: the rows each section states, read with rules and spaCy.

One meeting, phrase to row, in the order of the files:

    meetings.py         the stage: a section's meetings, step by step
    mentions.py         1. meeting phrases in a section's clauses (spaCy span ruler, nlp.py)
    clause_rules.py     2. parts of other events dropped, mentions typed, counts shared
    meeting_dates.py    3. each mention's date spans (dates.py: tokens, grammar, normalisation)
    owners.py           4. the ISCM a meeting belongs to, joint meetings
    meeting_records.py  5. one record per date span, with place, format, outcomes (attachments.py)
    events.py           global meetings of ISCMs, meeting reports

Other facts: themes.py (themes lists), publications.py, facts.py (anniversaries, headline
figures), annexes.py (a report's participants, speakers, survey respondents), numbers.py
(ordinals and counts).
"""
