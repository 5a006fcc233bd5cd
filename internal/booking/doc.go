// Package booking carries out the flows' book, cancel and confirm effects: a seat at a session, its reminders, and the answers to them.
package booking
