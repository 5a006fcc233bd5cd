// Package report builds a programme's figures for its funders from the counts the
// service keeps (reach, cards, bookings, tickets, feedback), with no personal data,
// and writes them as Markdown, CSV or JSON.
package report
