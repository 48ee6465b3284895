package send

// Local standards: deadlines an ICB sets itself where the law sets none
// (docs/design.md §4). They are counted here, with the statutory clocks, so that no
// other package does arithmetic on a deadline; the number of days is the
// ICB's setting, passed in, never a constant of this package.
//
// Section 23 notifications are the first: Children and Families Act 2014
// s.23 requires a health body to inform the parent of its opinion, give
// them the chance to discuss it, and then bring it to the attention of the
// LA, but puts no time limit on any step. "No statutory deadline; local
// standard" (docs/design.md §4): the ICB sets how many days may pass from the
// parent being informed to the LA being notified (setting
// s23_standard_days), and from the LA being notified to its acknowledgement
// (s23_ack_standard_days). Both count calendar days.

// LocalStandardDue returns the day a step is due under a local standard of
// days calendar days counted from the day from: from plus days, so a
// standard of 10 days from Thursday 1 May 2025 is due on Sunday 11 May 2025.
// Weekends and bank holidays are not skipped: the standards it serves are
// set in days, not working days. It is a local standard set by the ICB, not
// statute: Children and Families Act 2014 s.23 sets no deadline. from must
// not be zero; callers check that the step it counts from was taken.
func LocalStandardDue(from Date, days int) Date { return from.AddDays(days) }

// LocalStandardMet reports whether a step counted from from and taken on
// done met a local standard of days calendar days: done is on or before
// LocalStandardDue(from, days). The day itself counts as on time.
func LocalStandardMet(from, done Date, days int) bool {
	return !done.After(LocalStandardDue(from, days))
}

// LocalStandardOverdueBefore returns the first start day whose local
// standard of days calendar days has not passed on today: a clock started
// on any earlier day is overdue on today, as today is after its
// LocalStandardDue. It lets a query choose overdue records by the day their
// clock started (start < LocalStandardOverdueBefore(today, days) exactly
// when today.After(LocalStandardDue(start, days))) while the arithmetic
// stays here.
func LocalStandardOverdueBefore(today Date, days int) Date { return today.AddDays(-days) }
