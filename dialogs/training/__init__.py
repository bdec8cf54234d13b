"""The training side in conversation: questions about the catalogue, sign-ups, "my sign-ups",
subscriptions, and the organisers' cards (create, edit, cancel, participants, attendance,
announce). `TrainingDialog` is the one entry point the main dialog talks to."""
