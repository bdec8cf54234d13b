"""Training (knowledge building): the event catalogue, questions about it, sign-ups with a
waitlist, reminders, calendar files and catalogue files. Pure rules and data only.

| module | what it holds |
|---|---|
| `events.py` | event kinds, the validated event (`EventData`) and its checks |
| `vocabulary.py` | the words the bot understands: kinds, topics, cues (Danish and English) |
| `text.py` | normalising, tokenising and typo-tolerant word matching |
| `periods.py` | dates and periods in Danish and English ("i marts", "next week", "den 12.") |
| `questions.py` | `understand(text, today)` and `matching(events, question, now)` |
| `signups.py` | sign-up decisions, waitlist promotion, reminder times |
| `catalogue_file.py` | YAML and CSV catalogue files, every bad row reported by line |
| `ical.py` | iCalendar files for Outlook (stable UID, updates and cancellations) |
| `exports.py` | participant lists as CSV |
"""
