// Package schedule is the venues and sessions of a programme: the schedule file,
// validated line by line, and the occurrences computed from it in each venue's time
// zone. It is pure: no I/O but what it is handed, and the time it is told.
package schedule
