"""Entry progress that acts: who is behind, reminders to them, and the monthly record of progress."""
